// What vrrp_track_process costs, both ways vigil knows the processes:
// - the /proc scan (the fallback, once a second for all trackers): stat only (comm), and stat +
//   cmdline with the per-pid cache (full_command / param_match);
// - the proc connector (host network namespace): a fork storm of N `/bin/true` run by sh, with one
//   tracker on "true" (each exec matches, each exit unmatches: the monitor works on every event).
//   CPU per event counts this whole process (the io thread's recvmsg and post included) minus its
//   idle CPU over the same time; main-thread µs/event is the tracker's own handling.
//   bun bench/track-process.ts [--storm=1000]
import { readdirSync, readFileSync } from "node:fs";
import { LinuxProcessEvents } from "../src/os/linux/proc-connector.ts";
import { RxLoop } from "../src/os/linux/rx.ts";
import type { Clock, ProcessEventHandlers, ProcessEvents } from "../src/runtime/ports.ts";
import { ProcessMonitor, ProcScanner, scanProc } from "../src/runtime/track-process.ts";
import { trackProcessConfig } from "../tests/fakes/track-process-config.ts";

const N = 200;
const storm = Number(process.argv.find((a) => a.startsWith("--storm="))?.slice(8) ?? 1000);
const procs = scanProc(false).length;
for (const [label, withArgv] of [["comm only", false], ["comm + cmdline (cached)", true]] as const) {
  const cache = new Map<number, { start: string; argv: string[] }>();
  scanProc(withArgv, cache);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) scanProc(withArgv, cache);
  const ms = (performance.now() - t0) / N;
  console.log(`scan, ${label}: ${procs} processes, ${ms.toFixed(3)} ms per scan (${((ms / 1000) * 100).toFixed(3)} % of one CPU at 1 scan/s)`);
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU ms of each thread of this process so far (/proc/self/task/TID/schedstat: ns on CPU). */
function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      out.set(Number(tid), Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "latin1").split(" ")[0]) / 1e6);
    } catch {
      // thread gone
    }
  }
  return out;
}
const clock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
  setTimer: (at, fn) => ({ id: Number(setTimeout(fn, Math.max(0, at - performance.now()))) }),
  clearTimer: (h) => clearTimeout(h.id),
};
const rx = new RxLoop();
await rx.ready();
const linux = new LinuxProcessEvents(rx);
let handlingMs = 0;
let lastEventAt = 0;
let sawStormExit = false;
let stormPid = -1;
// The port, timed: the main thread's share of each batch.
const timed: ProcessEvents = {
  listen: (h: ProcessEventHandlers) =>
    linux.listen({
      ...h,
      events: (evs) => {
        const t = performance.now();
        h.events(evs);
        handlingMs += performance.now() - t;
        lastEventAt = performance.now();
        if (evs.some((e) => e.type === "exit" && e.pid === stormPid)) sawStormExit = true;
      },
    }),
};
const scanner = new ProcScanner(clock, { events: timed });
const quiet = { log: () => {} };
const m = new ProcessMonitor(
  trackProcessConfig({ name: "true", process: "true", weight: 0, pos: { file: "bench", line: 1, col: 1 } }),
  clock,
  quiet,
  scanner,
);
m.start();
if (scanner.source !== "proc-connector") {
  console.log(`proc connector: not available here (${scanner.source}); run in the host network namespace as root`);
} else {
  // Idle CPU of this process (io thread polling, timers) over a second, as the baseline.
  const idle0 = cpuMs();
  const idleT = performance.now();
  await Bun.sleep(1000);
  const idleCpuPerMs = (cpuMs() - idle0) / (performance.now() - idleT);
  const ev0 = scanner.eventsHandled;
  const th0 = threadCpuMs();
  const c0 = cpuMs();
  const t0 = performance.now();
  const sh = Bun.spawn(["sh", "-c", `i=0; while [ $i -lt ${storm} ]; do /bin/true; i=$((i+1)); done`]);
  stormPid = sh.pid;
  await sh.exited;
  for (let i = 0; i < 1000 && !sawStormExit; i++) await Bun.sleep(5);
  const wallMs = lastEventAt - t0;
  const events = scanner.eventsHandled - ev0;
  const cpu = cpuMs() - c0 - idleCpuPerMs * (performance.now() - t0);
  const th1 = threadCpuMs();
  const spent = (tid: number) => (th1.get(tid) ?? 0) - (th0.get(tid) ?? 0);
  let others = 0;
  for (const tid of th1.keys()) if (tid !== process.pid && tid !== rx.tid) others += spent(tid);
  const us = (ms: number) => (ms * 1000 / events).toFixed(1);
  console.log(
    `proc connector, storm of ${storm} /bin/true: ${events} events in ${wallMs.toFixed(0)} ms (${(events / (wallMs / 1000)).toFixed(0)} events/s, ` +
      `the storm's pace), ${(cpu * 1000 / events).toFixed(1)} µs CPU per event (whole process, io thread included), ` +
      `${(handlingMs * 1000 / events).toFixed(1)} µs per event in the tracker; scans ${scanner.scans}, rescans after loss ${scanner.lostRescans}`,
  );
  console.log(
    `  by thread, µs per event: main ${us(spent(process.pid))} (tracker + receiving the io thread's posts), ` +
      `io thread ${us(spent(rx.tid))} (poll, recvmsg, post), others ${us(others)} (GC, JIT, spawn of sh)`,
  );
}
m.stop();
await rx.stop();
