// Debian's HAProxy in front of a vigil pair, on a real kernel: r1 and r2 run vigil with HTTP on
// every address, haproxy in a third node (lb) checks /health/master on both, the way the README
// tells operators to, in each check syntax an operator may have. Exactly the master must be UP;
// after the master's vigil is killed, the new master must be the only one UP. The answer to each
// check form is what HAProxy's stats socket reports, and a request through haproxy reaches the master.
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLab, type Lab } from "./lab.ts";
import { v3Conf } from "./scenario-kit.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
let dir: string | undefined;
afterEach(async () => {
  [lab, nodes] = await tearDown(lab, nodes);
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const conf = (priority: number) => v3Conf({ priority, vips: ["10.99.0.100/24"], advertInt: 0.1 });
// The last --http wins: the node's own address too, so lb can reach it (status still uses 127.0.0.1).
const WIDE = { extraArgs: ["--http", "0.0.0.0:9650"] };

// Each backend is one way of writing the check; names say which.
const BACKENDS: Record<string, string[]> = {
  // HAProxy's classic form: "GET /health/master HTTP/1.0", no Host.
  httpchk: ["option httpchk GET /health/master"],
  // Classic form with a version: HTTP/1.1 and still no Host (HAProxy adds only "connection: close").
  httpchk11: ["option httpchk GET /health/master HTTP/1.1"],
  // HAProxy 2.2+ syntax.
  send: ["option httpchk", "http-check send meth GET uri /health/master"],
  send11host: ["option httpchk", "http-check send meth GET uri /health/master ver HTTP/1.1 hdr Host vigil", "http-check expect status 200"],
  head: ["option httpchk", "http-check send meth HEAD uri /health/master?instance=VI_1"],
};

function haproxyConfig(socket: string): string {
  const lines = [
    "global",
    `  stats socket ${socket} mode 600 level admin`,
    "defaults",
    "  mode http",
    "  timeout connect 1s",
    "  timeout client 5s",
    "  timeout server 5s",
    // Requests through haproxy go to whichever router its checks say is master.
    "frontend vip",
    "  bind 10.99.0.3:8080",
    "  default_backend httpchk",
  ];
  for (const [name, check] of Object.entries(BACKENDS)) {
    lines.push(`backend ${name}`, ...check.map((c) => `  ${c}`));
    lines.push("  default-server check inter 100 fall 1 rise 1");
    lines.push("  server r1 10.99.0.1:9650", "  server r2 10.99.0.2:9650");
  }
  return lines.join("\n") + "\n";
}

/** One stats-socket command, answered and closed by haproxy. */
function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    void Bun.connect({
      unix: socket,
      socket: {
        open: (s) => void s.write(`${command}\n`),
        data: (_s, d) => void (out += d.toString()),
        close: () => resolve(out),
        connectError: (_s, e) => reject(e),
        error: (_s, e) => reject(e),
      },
    }).catch(reject);
  });
}

type ServerState = { status: string; check: string };

/** backend → server → status ("UP"/"DOWN") and last check result ("L7OK", "L7STS", "L4CON"). */
async function stats(socket: string): Promise<Record<string, Record<string, ServerState>>> {
  const csv = await haproxyCommand(socket, "show stat");
  const [head = "", ...rows] = csv.trim().split("\n");
  const cols = head.replace(/^# /, "").split(",");
  const at = (name: string) => cols.indexOf(name);
  const out: Record<string, Record<string, ServerState>> = {};
  for (const row of rows) {
    const f = row.split(",");
    const [px = "", sv = ""] = f;
    if (!(px in BACKENDS) || sv === "BACKEND") continue;
    (out[px] ??= {})[sv] = { status: f[at("status")] ?? "", check: f[at("check_status")] ?? "" };
  }
  return out;
}

/** Polls the stats socket (bounded by a count, 100 ms apart) until every backend has only `up` UP. */
async function waitOnlyUp(socket: string, up: "r1" | "r2", downCheck: string[]): Promise<Record<string, Record<string, ServerState>>> {
  const down = up === "r1" ? "r2" : "r1";
  let last: Record<string, Record<string, ServerState>> = {};
  for (let i = 0; i < 100; i++) {
    // The socket appears once haproxy has started.
    last = await stats(socket).catch(() => ({}));
    const settled = Object.keys(BACKENDS).every((b) => {
      const s = last[b];
      return s?.[up]?.status === "UP" && s[up]!.check === "L7OK" && s[down]?.status === "DOWN" && downCheck.includes(s[down]!.check);
    });
    if (settled) return last;
    await Bun.sleep(100);
  }
  throw new Error(`haproxy never had only ${up} UP:\n${JSON.stringify(last, null, 1)}`);
}

function curlCode(l: Lab, node: string, args: string[]): string {
  return l.exec(node, ["curl", "-s", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", ...args], { allowFail: true }).stdout;
}

test("haproxy checks /health/master in five syntaxes: only the master is UP, and only the new master after the old one's vigil is killed", async () => {
  const l = (lab = createLab({ nodes: ["r1", "r2", "lb"], prefix: "vgx" }));
  const r1 = startVigil(l, "r1", conf(200), WIDE);
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(l, "r2", conf(100), WIDE);
  nodes.push(r2);
  await r2.waitState("backup");

  // From the load balancer's node, the routers answer on their own addresses.
  expect(curlCode(l, "lb", ["--http1.0", "http://10.99.0.1:9650/health/master"])).toBe("200");
  expect(curlCode(l, "lb", ["--http1.0", "http://10.99.0.2:9650/health/master"])).toBe("503");
  const wget = l.exec("lb", ["wget", "-S", "-q", "-T", "5", "-t", "1", "-O", "-", "http://10.99.0.1:9650/health/master"]);
  expect(JSON.parse(wget.stdout)).toEqual({ status: "master" });
  expect(wget.stderr).toContain("HTTP/1.1 200 OK");
  const wgetBackup = l.exec("lb", ["wget", "-q", "-T", "5", "-t", "1", "-O", "/dev/null", "http://10.99.0.2:9650/health/master"], { allowFail: true });
  expect(wgetBackup.code).toBe(8); // wget: "server issued an error response"

  dir = mkdtempSync(join(tmpdir(), "vigil-haproxy-"));
  const cfg = join(dir, "haproxy.cfg");
  const socket = join(dir, "admin.sock");
  writeFileSync(cfg, haproxyConfig(socket));
  expect(l.exec("lb", ["haproxy", "-c", "-q", "-f", cfg], { allowFail: true })).toMatchObject({ code: 0 });
  const haproxy = l.spawn("lb", ["haproxy", "-db", "-f", cfg]);

  // 503 from the backup is a layer-7 status failure, not a refused connection or a 404.
  const before = await waitOnlyUp(socket, "r1", ["L7STS"]);
  expect(Object.keys(before).sort()).toEqual(Object.keys(BACKENDS).sort());
  // A request to the frontend lands on the master, the only server UP.
  expect(curlCode(l, "lb", ["http://10.99.0.3:8080/health/master"])).toBe("200");

  r1.signal("SIGKILL");
  await r1.exited();
  await r2.waitState("master", { timeoutMs: 5000 });
  // r1's port is closed now: a layer-4 failure.
  await waitOnlyUp(socket, "r2", ["L4CON"]);
  expect(curlCode(l, "lb", ["http://10.99.0.3:8080/health/master"])).toBe("200");
  const servers = await haproxyCommand(socket, "show servers state httpchk");
  // srv_op_state: 2 running, 0 stopped (columns 6 and 3 = server name).
  const ops = Object.fromEntries(
    servers
      .split("\n")
      .filter((r) => /^\d/.test(r))
      .map((r) => r.split(" "))
      .map((f) => [f[3], f[5]]),
  );
  expect(ops).toEqual({ r1: "0", r2: "2" });
  expect(haproxy.exitCode).toBeNull();
}, 60_000);
