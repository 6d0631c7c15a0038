// The proc connector on the real kernel (host network namespace: it only observes process events
// and sends nothing on any network), and vrrp_track_process over it: one scan at start, then
// events only; inside another network namespace the kernel refuses it and the tracker scans.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LinuxProcessEvents } from "../../src/os/linux/proc-connector.ts";
import { RxLoop } from "../../src/os/linux/rx.ts";
import type { ProcessEvent } from "../../src/runtime/ports.ts";
import { PROC_SCAN_MS } from "../../src/runtime/track-process.ts";
import { BUN, createLab } from "./lab.ts";
import { CAN_NETNS } from "./os-common.ts";
import { BINARY } from "./vigil-node.ts";

const DRIVER = join(import.meta.dir, "track-process-driver.ts");
const dir = mkdtempSync("/tmp/vigil-pc-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of sleep with a name of our own (comm is at most 15 bytes). */
function program(tag: string): string {
  const bin = join(dir, `v${tag}${process.pid % 100000}`);
  copyFileSync("/bin/sleep", bin);
  chmodSync(bin, 0o755);
  return bin;
}

interface DriverOut {
  source: string;
  started: boolean;
  stopped: boolean;
  verdicts: (boolean | null)[];
  scansWhileRunning: number;
  scans: number;
  events: number;
  logs: { level: string; msg: string; reason?: string }[];
}

async function drive(cmd: string[]): Promise<DriverOut> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`driver exit ${code}: ${err}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as DriverOut;
}

describe.skipIf(!CAN_NETNS)("proc connector", () => {
  test("a spawned sleep is seen forked, exec'ed and exited, in that order", async () => {
    const rx = new RxLoop();
    await rx.ready();
    const seen: ProcessEvent[] = [];
    const stop = new LinuxProcessEvents(rx).listen({
      events: (evs) => seen.push(...evs),
      lost: () => {},
      failed: (e) => {
        throw e;
      },
    });
    try {
      const p = Bun.spawn(["sleep", "0.05"]);
      await p.exited;
      for (let i = 0; i < 1000 && !seen.some((e) => e.type === "exit" && e.pid === p.pid); i++) await Bun.sleep(10);
      const mine = seen.filter((e) => e.pid === p.pid);
      expect(mine.map((e) => e.type)).toEqual(["fork", "exec", "exit"]);
      const fork = mine[0] as Extract<ProcessEvent, { type: "fork" }>;
      expect(fork.parentPid === null || fork.parentPid === process.pid).toBe(true);
    } finally {
      stop();
      await rx.stop();
    }
  });

  test("outside the initial network namespace, listen() throws ECONNREFUSED", async () => {
    const lab = createLab({ nodes: ["r1"], prefix: "vgpc" });
    try {
      const code = `import { LinuxProcessEvents } from ${JSON.stringify(join(import.meta.dir, "../../src/os/linux/proc-connector.ts"))};
import { RxLoop } from ${JSON.stringify(join(import.meta.dir, "../../src/os/linux/rx.ts"))};
const rx = new RxLoop();
try { new LinuxProcessEvents(rx).listen({ events() {}, lost() {}, failed() {} }); console.log("listening"); }
catch (e) { console.log(JSON.stringify({ syscall: e.syscall, errno: e.errno })); }
await rx.stop();`;
      const file = join(dir, "refused.ts");
      await Bun.write(file, code);
      const r = lab.exec("r1", [BUN, file]);
      expect(JSON.parse(r.stdout.trim())).toEqual({ syscall: "sendto", errno: 111 });
    } finally {
      await lab.cleanup();
    }
  }, 60_000);

  test("track_process with the connector: start and kill change the verdict after one scan, none periodic", async () => {
    const r = await drive([BUN, DRIVER, program("pc"), String(PROC_SCAN_MS + 500)]);
    expect(r.source).toBe("proc-connector");
    expect([r.started, r.stopped]).toEqual([true, true]);
    expect(r.verdicts).toEqual([false, true, false]);
    expect(r.scans).toBe(1); // the initial scan, and no other over 1.5 scan intervals of idling
    expect(r.events).toBeGreaterThanOrEqual(3);
    expect(r.logs.filter((l) => l.msg.includes("proc connector")).length).toBe(1);
  }, 60_000);

  test("track_process inside a network namespace: refused connector, the scan still tracks it and says why once", async () => {
    const lab = createLab({ nodes: ["r1"], prefix: "vgpc" });
    try {
      const r = await drive(["ip", "netns", "exec", lab.ns("r1"), BUN, DRIVER, program("ns")]);
      expect(r.source).toBe("proc-scan");
      expect([r.started, r.stopped]).toEqual([true, true]);
      expect(r.verdicts).toEqual([false, true, false]);
      expect(r.scans).toBeGreaterThan(1);
      const said = r.logs.filter((l) => l.msg.includes("scanning /proc"));
      expect(said.length).toBe(1);
      expect(said[0]!.reason).toContain("ECONNREFUSED");
    } finally {
      await lab.cleanup();
    }
  }, 60_000);

  // The compiled daemon in the host namespace with its only instance on an interface that does not
  // exist: the instance waits in Fault and sends nothing; only the tracker runs.
  test.skipIf(!existsSync(BINARY))("vigil run: the compiled daemon listens to the proc connector and tracks a process started and killed", async () => {
    const bin = program("run");
    const name = bin.slice(bin.lastIndexOf("/") + 1);
    const conf = join(dir, "run.conf");
    writeFileSync(
      conf,
      `vrrp_track_process app {\n  process ${name}\n  weight -50\n}\n` +
        `vrrp_instance VI_1 {\n  interface vgnone${process.pid % 10000}\n  virtual_router_id 51\n  priority 200\n  advert_int 1\n` +
        `  virtual_ipaddress {\n    10.99.7.254/24\n  }\n  track_process {\n    app\n  }\n}\n`,
    );
    const log = join(dir, "run.log");
    const vigil = Bun.spawn([BINARY, "run", "-f", conf, "--state-dir", join(dir, "state"), "--http", "", "--realtime-priority", "0"], {
      stdout: "ignore",
      stderr: Bun.file(log), // the log
    });
    const lines = () => (existsSync(log) ? readFileSync(log, "utf8") : "");
    const until = async (re: RegExp, count = 1) => {
      for (let i = 0; i < 2000 && (lines().match(re)?.length ?? 0) < count; i++) await Bun.sleep(10);
      return lines().match(re)?.length ?? 0;
    };
    let tracked: ReturnType<typeof Bun.spawn> | null = null;
    try {
      expect(await until(/vigil started/g)).toBe(1);
      expect(lines()).toContain("track process: process events from the kernel's proc connector");
      expect(lines()).toContain("quorum lost");
      tracked = Bun.spawn([bin, "1000"], { stdio: ["ignore", "ignore", "ignore"] });
      expect(await until(/quorum gained/g)).toBe(1);
      tracked.kill("SIGKILL");
      await tracked.exited;
      expect(await until(/quorum lost/g, 2)).toBe(2);
      expect(lines()).not.toContain("scanning /proc");
    } finally {
      tracked?.kill("SIGKILL");
      vigil.kill("SIGTERM");
      await vigil.exited;
    }
  }, 60_000);
});
