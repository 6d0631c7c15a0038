// `vigil run` start-up failures on a real kernel: the right exit code, a message an operator can
// act on (file:line:col where a config line is at fault), and nothing half-applied — no address
// added, nothing left behind.
import { afterEach, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLab, type Lab } from "./lab.ts";
import { allAddrs, runToExit, v3Conf } from "./scenario-kit.ts";
import { ensureBinary, vigilArgv, type VigilFlavour } from "./vigil-node.ts";

let lab: Lab | undefined;
let dir: string | undefined;

afterEach(async () => {
  await lab?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  lab = undefined;
  dir = undefined;
});

const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/** A lab with one router and a world-readable temp dir (the non-root case must read the config). */
function setup(): { l: Lab; d: string } {
  ensureBinary();
  lab = createLab({ nodes: ["r1"], prefix: "vgd" });
  dir = mkdtempSync("/tmp/vigil-errors-");
  chmodSync(dir, 0o755);
  return { l: lab, d: dir };
}

function writeConf(d: string, name: string, text: string): string {
  const f = join(d, name);
  writeFileSync(f, text);
  chmodSync(f, 0o644);
  return f;
}

function vigilRun(l: Lab, config: string, stateDir: string, o: { flavour?: VigilFlavour; prefix?: string[]; http?: string } = {}) {
  const argv = [...(o.prefix ?? []), ...vigilArgv(o.flavour ?? "compiled"), "run", "--config", config, "--http", o.http ?? "127.0.0.1:9650", "--state-dir", stateDir];
  return runToExit(l, "r1", argv);
}

test("unknown interface: exit 1, file:line:col of the instance, and the valid owner instance beside it never added its VIP", async () => {
  const { l, d } = setup();
  const before = allAddrs(l, "r1");
  // VI_1 alone would become master at once (priority 255); VI_2 names a missing interface.
  const text = v3Conf({ priority: 255, vips: ["10.99.0.100/24"] }) + v3Conf({ name: "VI_2", vrid: 52, priority: 100, vips: ["10.99.0.101/24"], interface: "eth9" });
  const f = writeConf(d, "vigil.conf", text);
  const line = text.split("\n").findIndex((x) => x.startsWith("vrrp_instance VI_2")) + 1;
  const r = vigilRun(l, f, join(d, "state"));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`${f}:${line}:1: instance VI_2: interface eth9 not found`);
  expect(r.stderr).toContain("nothing started");
  expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  expect(allAddrs(l, "r1")).toBe(before);

  // Same for a VIP whose `dev` names a missing interface: positioned at that address.
  const text2 = v3Conf({ priority: 255, vips: ["10.99.0.100/24", "10.99.0.102/24 dev eth9"] });
  const f2 = writeConf(d, "dev.conf", text2);
  const line2 = text2.split("\n").findIndex((x) => x.includes("10.99.0.102/24")) + 1;
  const r2 = vigilRun(l, f2, join(d, "state"));
  expect(r2.code).toBe(1);
  expect(r2.stderr).toMatch(new RegExp(`${f2}:${line2}:\\d+: interface eth9 not found`));
  expect(allAddrs(l, "r1")).toBe(before);
}, 20_000);

test("interface without an IPv4 address (IPv4 instance): exit 1 with a clear message, nothing added", async () => {
  const { l, d } = setup();
  l.exec("r1", ["ip", "addr", "del", "10.99.0.1/24", "dev", "eth0"]);
  const before = allAddrs(l, "r1");
  const f = writeConf(d, "vigil.conf", v3Conf({ priority: 255, vips: ["10.99.0.100/24"] }));
  const r = vigilRun(l, f, join(d, "state"));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`${f}:1:1: instance VI_1: interface eth0 has no IPv4 address to send adverts from`);
  expect(r.stderr).toContain("nothing started");
  expect(allAddrs(l, "r1")).toBe(before);
}, 20_000);

test("invalid config: exit 2, every error with its position, nothing touched (compiled and source)", async () => {
  const { l, d } = setup();
  const before = allAddrs(l, "r1");
  const text = v3Conf({ priority: 300, vips: ["10.99.0.100/33"] });
  const f = writeConf(d, "vigil.conf", text);
  const lines = text.split("\n");
  const prioLine = lines.findIndex((x) => x.includes("priority 300")) + 1;
  const vipLine = lines.findIndex((x) => x.includes("10.99.0.100/33")) + 1;
  for (const flavour of ["compiled", "source"] as const) {
    const r = vigilRun(l, f, join(d, `state-${flavour}`), { flavour });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${f}:${prioLine}:\\d+: priority 300 is out of range`));
    expect(r.stderr).toMatch(new RegExp(`${f}:${vipLine}:\\d+: .*/33`));
    expect(r.stderr).toContain("2 error(s)");
    expect(r.stderr).toContain("nothing started");
  }
  expect(allAddrs(l, "r1")).toBe(before);
}, 20_000);

test("not root (writable state dir): exit 1 naming CAP_NET_RAW, nothing added (compiled and source)", async () => {
  const { l, d } = setup();
  const before = allAddrs(l, "r1");
  const state = join(d, "state");
  mkdirSync(state);
  chmodSync(state, 0o777);
  const f = writeConf(d, "vigil.conf", v3Conf({ priority: 255, vips: ["10.99.0.100/24"] }));
  for (const flavour of ["compiled", "source"] as const) {
    const r = vigilRun(l, f, state, { flavour, prefix: NOBODY });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("CAP_NET_RAW");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }
  expect(allAddrs(l, "r1")).toBe(before);
}, 20_000);

test("not root with the state dir not writable (as /run/vigil is for a user): still exit 1 naming CAP_NET_RAW, no stack trace", async () => {
  const { l, d } = setup();
  const before = allAddrs(l, "r1");
  mkdirSync(join(d, "locked"), { mode: 0o700 }); // root's; a user cannot create the state dir inside
  const f = writeConf(d, "vigil.conf", v3Conf({ priority: 255, vips: ["10.99.0.100/24"] }));
  const r = vigilRun(l, f, join(d, "locked", "state"), { prefix: NOBODY });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).toContain("CAP_NET_RAW");
  expect(r.code).toBe(1);
  expect(allAddrs(l, "r1")).toBe(before);
}, 20_000);

test("--http port already taken: exit 1 with a clear message, no VIP added or left", async () => {
  const { l, d } = setup();
  const before = allAddrs(l, "r1");
  const squatter = l.spawn("r1", [
    "python3",
    "-c",
    "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',9650))\ns.listen()\nprint('ready',flush=True)\ntime.sleep(60)",
  ]);
  const reader = squatter.stdout.getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toContain("ready");
  const f = writeConf(d, "vigil.conf", v3Conf({ priority: 255, vips: ["10.99.0.100/24"] }));
  const r = vigilRun(l, f, join(d, "state"));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('cannot listen on "127.0.0.1:9650"');
  expect(r.stderr).toContain("address already in use");
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(allAddrs(l, "r1")).toBe(before);
  squatter.kill();
}, 20_000);
