// vigil as the systemd unit runs it: a non-root user holding exactly CAP_NET_RAW + CAP_NET_ADMIN
// (ambient, bounding set reduced, no_new_privs), with the unit's LimitRTPRIO / LimitMEMLOCK. In a
// namespace it must take the VIP, write its state dir, serve /health — and get SCHED_RR from the
// rlimits alone, which is why the unit grants no CAP_SYS_NICE / CAP_IPC_LOCK.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLab, type Lab } from "../netns/lab.ts";
import { threadPolicies } from "../netns/threads.ts";
import { ensureBinary, IS_ROOT, requireTool } from "./binary.ts";

const NOBODY = 65534;
const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;
const TWO_CAPS = (1n << BigInt(CAP_NET_ADMIN)) | (1n << BigInt(CAP_NET_RAW));
const VIP = "10.99.0.254";
/** Raising a hard rlimit needs CAP_SYS_RESOURCE, which systemd has; some sandboxes' root does not. */
const CAN_RAISE_RLIMITS = Bun.spawnSync(["prlimit", "--rtprio=10:10", "true"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;

let dir = "";
let bin = "";

beforeAll(() => {
  requireTool("setpriv", "util-linux");
  requireTool("prlimit", "util-linux");
  dir = mkdtempSync(join(tmpdir(), "vigil-caps-"));
  chmodSync(dir, 0o755); // the unprivileged user must reach the binary and configs
  bin = join(dir, "vigil");
  copyFileSync(ensureBinary(), bin);
  chmodSync(bin, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, advertInt: string, version: number): string {
  const path = join(dir, `${name}.toml`);
  writeFileSync(
    path,
    `[[instance]]\nname = "VI_1"\ninterface = "eth0"\nvirtual_router_id = 51\npriority = 255\nadvert_int = ${advertInt}\nversion = ${version}\nvirtual_ipaddress = ["${VIP}/24"]\n`,
  );
  return path;
}

function stateDir(name: string): string {
  const d = join(dir, `${name}-state`);
  mkdirSync(d);
  chownSync(d, NOBODY, NOBODY);
  return d;
}

/** Root enters the namespace, then prlimit and setpriv drop to the unit's privileges; each execs. */
function startUnprivileged(lab: Lab, conf: string, state: string, rlimits: boolean) {
  const limits = rlimits ? ["prlimit", "--rtprio=10:10", "--memlock=unlimited:unlimited"] : [];
  const caps = "-all,+net_raw,+net_admin";
  return lab.spawn("r1", [
    ...limits,
    "setpriv",
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    "--clear-groups",
    `--inh-caps=${caps}`,
    `--ambient-caps=${caps}`,
    `--bounding-set=${caps}`,
    "--no-new-privs",
    bin,
    "run",
    "--config",
    conf,
    "--state-dir",
    state,
    "--http",
    "127.0.0.1:9650",
  ]);
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

function procStatus(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const [k, v] = line.split(":\t");
    if (k && v !== undefined) out[k] = v.trim();
  }
  return out;
}

/** Scheduling policy of the process's main thread: 0 SCHED_OTHER, 2 SCHED_RR. */
/** The policies of `pid`'s threads, sorted: [0, …] all SCHED_OTHER, [0, …, 2] one SCHED_RR (the io thread). */
function policies(pid: number): number[] {
  return threadPolicies(pid).map((t) => t.policy).sort();
}

async function stop(p: ReturnType<Lab["spawn"]>): Promise<string> {
  p.kill("SIGTERM");
  await Promise.race([p.exited, Bun.sleep(5000)]);
  p.kill("SIGKILL");
  return (await new Response(p.stdout).text()) + (await new Response(p.stderr).text());
}

describe.skipIf(!IS_ROOT)("vigil with only CAP_NET_RAW + CAP_NET_ADMIN as a non-root user", () => {
  test("takes the VIP, writes its state dir, serves /health; nothing else", async () => {
    const lab = createLab({ nodes: ["r1"], prefix: "vgpk" });
    try {
      const state = stateDir("seed");
      const p = startUnprivileged(lab, config("seed", "1", 2), state, false);
      await waitFor(`${VIP} on r1's eth0`, () => lab.addrs("r1").some((l) => l.addresses.includes(`${VIP}/24`)));
      const st = procStatus(p.pid);
      expect(st.Uid!.split(/\s+/)).toEqual(Array(4).fill(String(NOBODY)));
      expect(BigInt(`0x${st.CapEff}`)).toBe(TWO_CAPS);
      expect(BigInt(`0x${st.CapBnd}`)).toBe(TWO_CAPS);
      expect(BigInt(`0x${st.CapAmb}`)).toBe(TWO_CAPS);
      expect(st.NoNewPrivs).toBe("1");
      // The state file is written once the task that added the VIP ends (journal.ts batches the
      // writes of one task), so it may trail the VIP on the interface by a moment.
      await waitFor("the state file", () => readdirSync(state).some((f) => f.startsWith("owned-")));
      const health = lab.exec("r1", ["curl", "-s", "http://127.0.0.1:9650/health"]);
      expect(JSON.parse(health.stdout)).toEqual({ status: "ok" });
      const log = await stop(p);
      expect(log).not.toMatch(/EPERM|EACCES|permission/i);
      expect(lab.addrs("r1").some((l) => l.addresses.includes(`${VIP}/24`))).toBe(false);
    } finally {
      await lab.cleanup();
    }
  }, 30_000);

  test("sub-second adverts without LimitRTPRIO: vigil warns, stays SCHED_OTHER, still holds the VIP", async () => {
    const lab = createLab({ nodes: ["r1"], prefix: "vgpk" });
    try {
      const p = startUnprivileged(lab, config("fast", "0.1", 3), stateDir("fast-nort"), false);
      await waitFor("VIP", () => lab.addrs("r1").some((l) => l.addresses.includes(`${VIP}/24`)));
      await Bun.sleep(200);
      expect(policies(p.pid).filter((x) => x !== 0)).toEqual([]); // no thread got it
      expect(await stop(p)).toContain("could not enable realtime");
    } finally {
      await lab.cleanup();
    }
  }, 30_000);

  // The unit's LimitRTPRIO=10 / LimitMEMLOCK=infinity, applied by prlimit as systemd would.
  test.skipIf(!CAN_RAISE_RLIMITS)("sub-second adverts get SCHED_RR and locked memory from the unit's rlimits alone", async () => {
    const lab = createLab({ nodes: ["r1"], prefix: "vgpk" });
    try {
      const p = startUnprivileged(lab, config("fast", "0.1", 3), stateDir("fast-rt"), true);
      await waitFor("VIP", () => lab.addrs("r1").some((l) => l.addresses.includes(`${VIP}/24`)));
      await waitFor("a SCHED_RR thread", () => policies(p.pid).includes(2));
      expect(policies(p.pid).filter((x) => x !== 0)).toEqual([2]); // the io thread alone
      expect(BigInt(`0x${procStatus(p.pid).CapEff}`)).toBe(TWO_CAPS);
      const log = await stop(p);
      expect(log).not.toContain("could not enable realtime");
      expect(log).not.toContain("could not lock memory");
    } finally {
      await lab.cleanup();
    }
  }, 30_000);
});
