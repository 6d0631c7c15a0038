// The HTTP endpoints on a real kernel, asked the way a load balancer or an operator on the host
// asks them: curl inside the node's namespace against 127.0.0.1:9650. A VRRPv3 pair at 100 ms.
//   /health/master[?instance=]  200 on the master, 503 on the backup, 404 for an unknown instance,
//                               flips to 200 on the new master after a SIGKILL failover
//   /health                     200 normally, 503 with the fault reasons while the link is down
//   /status                     the documented fields; `vigil status` prints them as a table
import { afterEach, expect, test } from "bun:test";
import type { DaemonStatus } from "../../src/runtime/ports.ts";
import { createLab, type Lab } from "./lab.ts";
import { holds, v3Conf } from "./scenario-kit.ts";
import { startPair, tearDown, type VigilNode } from "./vigil-node.ts";

// Bun 1.4.5's toMatchObject writes its asymmetric matchers (expect.any) into the received object:
// match a copy so the values can still be read afterwards.
const copy = <T>(v: T): T => structuredClone(v);

let lab: Lab | undefined;
let nodes: VigilNode[] = [];

afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const VIP = "10.99.0.100/24";
const conf = (priority: number) => v3Conf({ priority, vips: [VIP], advertInt: 0.1 });

/** The status code curl sees, as a health checker would: `curl -s -o /dev/null -w %{http_code}`. */
function code(l: Lab, node: string, path: string): string {
  return l.exec(node, ["curl", "-s", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:9650${path}`]).stdout;
}

/** The JSON bodies of /health and /health/master, as far as these tests read them. */
interface HealthBody {
  status: string;
  instance?: string;
  faults?: { instance: string; reasons: string[] }[];
}

function get<T = HealthBody>(l: Lab, node: string, path: string): { code: number; body: T } {
  const r = l.exec(node, ["curl", "-s", "--max-time", "5", "-w", "\n%{http_code}", `http://127.0.0.1:9650${path}`]);
  const nl = r.stdout.lastIndexOf("\n");
  return { code: Number(r.stdout.slice(nl + 1)), body: JSON.parse(r.stdout.slice(0, nl)) as T };
}

/** r1 (200) becomes master before r2 (100) starts, so every transition below is deterministic. */
async function pair(): Promise<[VigilNode, VigilNode]> {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgh" });
  const [r1, r2] = await startPair(lab, conf, nodes);
  // Backup is entered at start-up; the master's address is known once its first advert arrived.
  for (let t = 0; t < 100 && (await r2.instance())?.masterAddress !== "10.99.0.1"; t++) await Bun.sleep(50);
  return [r1, r2];
}

test("/health/master: 200 on the master, 503 on the backup, same with ?instance=VI_1, 404 for an unknown instance; flips after SIGKILL", async () => {
  const [r1, r2] = await pair();
  const l = lab!;
  expect(code(l, "r1", "/health/master")).toBe("200");
  expect(code(l, "r2", "/health/master")).toBe("503");
  expect(code(l, "r1", "/health/master?instance=VI_1")).toBe("200");
  expect(code(l, "r2", "/health/master?instance=VI_1")).toBe("503");
  expect(code(l, "r1", "/health/master?instance=VI_9")).toBe("404");
  expect(code(l, "r2", "/health/master?instance=VI_9")).toBe("404");
  expect(get(l, "r2", "/health/master?instance=VI_1").body).toEqual({ status: "backup", instance: "VI_1" });
  expect(get(l, "r1", "/health/master?instance=nope").body).toMatchObject({ status: "unknown-instance", instance: "nope" });
  // Not a health endpoint: plain 404, and a POST to a known path is 405.
  expect(code(l, "r1", "/nope")).toBe("404");
  expect(l.exec("r1", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://127.0.0.1:9650/health"]).stdout).toBe("405");

  r1.signal("SIGKILL");
  await r1.exited();
  await r2.waitState("master", { timeoutMs: 5000 });
  expect(code(l, "r2", "/health/master")).toBe("200");
  expect(code(l, "r2", "/health/master?instance=VI_1")).toBe("200");
  expect(code(l, "r2", "/health/master?instance=VI_9")).toBe("404");
  expect(holds(l, "r2", VIP)).toBe(true);
}, 30_000);

test("/health: 200 normally; 503 with the fault reasons while the master's link is down; 200 again after link up", async () => {
  const [r1, r2] = await pair();
  const l = lab!;
  for (const n of ["r1", "r2"]) expect(get(l, n, "/health")).toEqual({ code: 200, body: { status: "ok" } });

  l.linkDown("r1");
  await r1.waitState("fault", { timeoutMs: 5000 });
  await r2.waitState("master", { timeoutMs: 5000 });
  const h = get(l, "r1", "/health");
  expect(h.code).toBe(503);
  expect(h.body.status).toBe("fault");
  const faults = h.body.faults ?? [];
  expect(faults).toHaveLength(1);
  expect(faults[0]!.instance).toBe("VI_1");
  expect(faults[0]!.reasons.length).toBeGreaterThan(0);
  expect(faults[0]!.reasons.join(" ")).toContain("eth0"); // says which link
  expect(code(l, "r1", "/health/master")).toBe("503");
  expect(get(l, "r1", "/health/master?instance=VI_1").body.status).toBe("fault");
  expect((await r1.instance())?.faults).toEqual(faults[0]!.reasons);
  expect(code(l, "r2", "/health")).toBe("200"); // the peer is fine

  l.linkUp("r1");
  await r1.waitState("master", { timeoutMs: 5000 }); // back, and preempts with 200 > 100
  await r2.waitState("backup", { timeoutMs: 5000 });
  expect(get(l, "r1", "/health")).toEqual({ code: 200, body: { status: "ok" } });
  expect(code(l, "r1", "/health/master")).toBe("200");
}, 30_000);

test("/status JSON has the documented fields; `vigil status` in the namespace prints the instance, state and VIP", async () => {
  const [, r2] = await pair();
  const l = lab!;
  const s1 = get<DaemonStatus>(l, "r1", "/status");
  expect(s1.code).toBe(200);
  const st = s1.body;
  expect(copy(st)).toMatchObject({ version: expect.any(String), routerId: null, startedAtWallMs: expect.any(Number), lastReload: null });
  expect(st.configFile).toEndWith("/vigil.conf");
  expect(st.instances).toHaveLength(1);
  const i = st.instances[0]!;
  expect(copy(i)).toMatchObject({
    name: "VI_1",
    interface: "eth0",
    vrid: 51,
    version: 3,
    family: 4,
    state: "master",
    basePriority: 200,
    effectivePriority: 200,
    masterAddress: "10.99.0.1",
    advertIntervalCs: 10,
    masterAdvertIntervalCs: 10,
    virtualIps: [VIP],
    faults: [],
    lastTransition: { from: "backup", to: "master", reason: "master-down-timeout", atWallMs: expect.any(Number) },
  });
  expect(i.advertsSent).toBeGreaterThan(0);
  expect(Math.abs(i.lastTransition!.atWallMs - Date.now())).toBeLessThan(60_000); // wall clock, not monotonic
  const b = get<DaemonStatus>(l, "r2", "/status").body.instances[0]!;
  expect(b).toMatchObject({ state: "backup", basePriority: 100, effectivePriority: 100, masterAddress: "10.99.0.1" });
  expect(b.lastTransition).toMatchObject({ from: "init", to: "backup", reason: "startup" });
  expect(b.advertsReceived).toBeGreaterThan(0);

  // The operator's view: `vigil status` (table) run inside each namespace against its own daemon.
  for (const [node, state, prio] of [["r1", "MASTER", "200/200"], ["r2", "BACKUP", "100/100"]] as const) {
    const r = nodes.find((n) => n.node === node)!.cli(["status"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^vigil \S+, up \S+, config \S+\/vigil\.conf$/);
    const header = lines.findIndex((x) => x.startsWith("INSTANCE"));
    expect(header).toBeGreaterThan(0);
    expect(lines[header]!.split(/\s{2,}/)).toEqual(["INSTANCE", "INTERFACE", "VRID", "VER", "STATE", "PRIO EFF/BASE", "MASTER", "VIPS", "LAST TRANSITION"]);
    const row = lines[header + 1]!.split(/\s{2,}/);
    expect(row.slice(0, 8)).toEqual(["VI_1", "eth0", "51", "v3", state, prio, "10.99.0.1", VIP]);
    expect(lines).toHaveLength(header + 2);
  }
  expect(r2.cli(["status", "--url", "http://127.0.0.1:9651"]).code).toBe(1); // nothing listens there
}, 30_000);
