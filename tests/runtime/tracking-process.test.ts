// track_process on the real /proc: a process we start and kill moves the priority by its weight;
// enable_script_security refuses a script in a world-writable directory; children run SCHED_OTHER.
import { expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkScript } from "../../src/runtime/spawn.ts";
import { processMatches, scanProc } from "../../src/runtime/track-process.ts";
import { config, Lab, seedConf, stateOf } from "./harness.ts";
import { trackProcessConfig } from "../fakes/track-process-config.ts";

const tp = trackProcessConfig;

test("track_process: killing the tracked process lowers the priority by its weight; starting it again restores it", async () => {
  const dir = mkdtempSync("/tmp/vigil-tp-");
  const name = `vtp${process.pid % 100000}`; // comm is at most 15 bytes
  const bin = join(dir, name);
  copyFileSync("/bin/sleep", bin);
  chmodSync(bin, 0o755);
  let proc = Bun.spawn([bin, "1000"], { stdio: ["ignore", "ignore", "ignore"] });
  try {
    const cfg = config(seedConf(200));
    cfg.trackProcesses = [tp({ name: "app", process: name, weight: -50, terminateDelayMs: 1500 })];
    cfg.instances[0]!.trackProcesses = [{ name: "app", pos: cfg.instances[0]!.pos }];
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", cfg);
    r1.daemon.start();
    lab.advance(4000);
    expect(stateOf(r1)).toBe("master");
    expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(200);
    proc.kill("SIGKILL");
    await proc.exited;
    lab.advance(1000); // seen gone; terminate_delay holds the verdict
    expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(200);
    lab.advance(2000);
    expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(150);
    proc = Bun.spawn([bin, "1000"], { stdio: ["ignore", "ignore", "ignore"] });
    lab.advance(1000);
    expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(200);
    const stopped = r1.daemon.shutdown();
    lab.advance(10_000);
    await stopped;
  } finally {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

test("track_process matching: comm exact (not a prefix), cmdline parameters exact/partial/initial", () => {
  const p = { pid: 1, comm: "haproxy", argv: ["/usr/sbin/haproxy", "-f", "/etc/haproxy.cfg", "-Ds"] };
  expect(processMatches(tp({ process: "haproxy" }), p)).toBe(true);
  expect(processMatches(tp({ process: "haprox" }), p)).toBe(false);
  const full = { fullCommand: true, process: "/usr/sbin/haproxy" };
  expect(processMatches(tp({ ...full, params: ["-f", "/etc/haproxy.cfg", "-Ds"], paramMatch: "exact" }), p)).toBe(true);
  expect(processMatches(tp({ ...full, params: ["-f"], paramMatch: "exact" }), p)).toBe(false);
  expect(processMatches(tp({ ...full, params: ["-f", "/etc/haproxy.cfg"], paramMatch: "partial" }), p)).toBe(true);
  expect(processMatches(tp({ ...full, params: ["-f", "/etc/hap"], paramMatch: "partial" }), p)).toBe(false);
  expect(processMatches(tp({ ...full, params: ["-f", "/etc/hap"], paramMatch: "initial" }), p)).toBe(true);
  expect(scanProc(false).some((e) => e.pid === process.pid)).toBe(true);
});

test("enable_script_security: a root script in a world-writable directory is refused with the reason; without it, it runs and is flagged", () => {
  const dir = mkdtempSync("/tmp/vigil-sec-");
  try {
    mkdirSync(join(dir, "ww"));
    chmodSync(join(dir, "ww"), 0o777);
    writeFileSync(join(dir, "ww", "chk.sh"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(dir, "ww", "chk.sh"), 0o755);
    const refused = checkScript([join(dir, "ww", "chk.sh")], { uid: 0, gid: 0 }, true);
    expect(refused.run).toBe(false);
    expect(refused.reason).toContain(`${dir}/ww is writable by every user`);
    const flagged = checkScript([join(dir, "ww", "chk.sh")], { uid: 0, gid: 0 }, false);
    expect(flagged).toMatchObject({ run: true, insecure: true });
    expect(checkScript(["/bin/true"], { uid: 0, gid: 0 }, true)).toEqual({ run: true, insecure: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a script started by a realtime vigil runs SCHED_OTHER, as the given user, in its own process group", () => {
  const dir = mkdtempSync("/tmp/vigil-sched-");
  try {
    chmodSync(dir, 0o777);
    const out = join(dir, "out");
    const prog = `const { BunScriptRunner } = await import(${JSON.stringify(`${process.cwd()}/src/runtime/spawn.ts`)});
      const r = new BunScriptRunner({ log() {} });
      const code = await r.run(["/bin/sh", "-c", "grep -E '^policy' /proc/$$/sched | tr -s ' ' > ${out}; id -u >> ${out}; ps -o pgid= -p $$ | tr -d ' ' >> ${out}; echo $$ >> ${out}"], 5000, { user: { name: "nobody", uid: 65534, gid: 65534 } });
      process.exit(code ?? 9);`;
    // Control: a plain child of a SCHED_RR parent inherits SCHED_RR (policy 2) — what the runner prevents.
    const plain = Bun.spawnSync(["chrt", "-r", "5", "sh", "-c", "grep -E '^policy' /proc/$$/sched"]);
    expect(plain.stdout.toString()).toMatch(/policy\s*:\s*2/);
    const r = Bun.spawnSync(["chrt", "-r", "5", process.execPath, "-e", prog], { cwd: process.cwd() });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
    const [policy, uid, pgid, pid] = readFileSync(out, "utf8").trim().split("\n");
    expect(policy).toMatch(/policy : 0$/);
    expect(uid).toBe("65534");
    expect(pgid).toBe(pid); // its own process group
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
