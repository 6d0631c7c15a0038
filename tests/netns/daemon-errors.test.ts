// `vigil run` start-up failures on a real kernel: the right exit code, a message an operator can
// act on (file:line:col where a config line is at fault), and nothing half-applied — no address
// added, nothing left behind. (What start-up waits for instead of failing — a missing interface,
// a taken HTTP port — is in tests/faults/startup.test.ts.)
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
  const argv = [
    ...(o.prefix ?? []),
    ...vigilArgv(o.flavour ?? "compiled"),
    "run",
    "--config",
    config,
    "--http",
    o.http ?? "127.0.0.1:9650",
    "--state-dir",
    stateDir,
  ];
  return runToExit(l, "r1", argv);
}

test("invalid config (what keepalived refuses too): exit 2, every error with its position, nothing touched (compiled and source)", async () => {
  const { l, d } = setup();
  const before = allAddrs(l, "r1");
  const text =
    `[[instance]]\nname = "VI_1"\ninterface = "eth0"\nvirtual_router_id = 300\npriority = "high"\nversion = 3\nadvert_int = 0.05\nvirtual_ipaddress = ["10.99.0.100/24"]\n`;
  const f = writeConf(d, "vigil.toml", text);
  for (const flavour of ["compiled", "source"] as const) {
    const r = vigilRun(l, f, join(d, `state-${flavour}`), { flavour });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:4:21: virtual_router_id 300 is out of range`);
    expect(r.stderr).toContain(`${f}:5:12: priority: expected an integer`);
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
