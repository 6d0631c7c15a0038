// Where an advert's lateness comes from, from the kernel's own trace: one master at 20 ms (vigil's
// io thread, or the C floor sender of bench/lib/floor-sender.c) under two CPU hogs, recorded with
// `perf record -a` (scheduler and syscall tracepoints). Each advert's path is split in two:
//   wake → on CPU      the timer fired and the thread was woken, until it runs (the scheduler's share)
//   on CPU → sendmsg   the thread's own path: the return from poll/clock_nanosleep, then its code
// and the adverts are grouped by whether a kdamond (the kernel's DAMON monitor) pass ran since the
// previous advert. Not a test: figures, no assertions.
//
// Run as root from the repository root (needs `perf`: apt-get install linux-perf):
//   ./node_modules/.bin/bun bench/jitter-trace.ts [--seconds=20] [--binary=PATH] [--hogs=2]
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupAll, onCleanup } from "./lib/cleanup.ts";
import { benchBinary, buildFloorSender, type Daemon, keepalivedConf, startFloorSender, startVigil } from "./lib/daemons.ts";
import { startHogs } from "./lib/hogs.ts";
import { benchLab } from "./lib/lab.ts";
import { fmt, quantile, table } from "./lib/stats.ts";
import { threadPolicies } from "../tests/netns/threads.ts";

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const SECONDS = Number(opt("seconds", "20"));
const HOGS = Number(opt("hogs", "2"));
const VIP = "10.99.0.254";
const TRACING = "/sys/kernel/tracing";

interface Event {
  tMs: number;
  tid: number;
  name: string;
  rest: string;
}

/** `perf script -F tid,time,event,trace` lines → events (times in ms). */
function parse(text: string): Event[] {
  const out: Event[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)$/.exec(line);
    if (m) out.push({ tid: Number(m[1]), tMs: Number(m[2]) * 1000, name: m[3]!, rest: m[4]! });
  }
  return out;
}

interface Tick {
  wakeToCpuMs: number;
  cpuToSendMs: number;
  /** A kdamond pass ran between the previous advert and this one. */
  afterKdamond: boolean;
}

/** One advert per wake-up of `tid`: its wake-up, its switch-in, its send. */
function ticks(events: Event[], tid: number): Tick[] {
  const out: Tick[] = [];
  let wake = -1;
  let onCpu = -1;
  let kdamondSince = false;
  for (const e of events) {
    if (e.name === "sched:sched_switch" && /next_comm=kdamond/.test(e.rest)) kdamondSince = true;
    if (e.name === "sched:sched_wakeup" && e.rest.includes(` pid=${tid} `)) [wake, onCpu] = [e.tMs, -1];
    else if (e.name === "sched:sched_switch" && e.rest.includes(`next_pid=${tid} `) && wake >= 0 && onCpu < 0) onCpu = e.tMs;
    else if (e.tid === tid && /sys_enter_send(msg|to)$/.test(e.name) && wake >= 0 && onCpu >= 0) {
      out.push({ wakeToCpuMs: onCpu - wake, cpuToSendMs: e.tMs - onCpu, afterKdamond: kdamondSince });
      kdamondSince = false;
      wake = -1;
    }
  }
  return out;
}

/** The realtime thread of a process (the io thread for vigil; the C sender's only thread). */
function realtimeThread(pid: number): number {
  const rt = threadPolicies(pid).find((t) => t.policy === 2); // SCHED_RR
  if (!rt) throw new Error(`no SCHED_RR thread in ${pid}`);
  return rt.tid;
}

async function trace(label: string, start: (lab: ReturnType<typeof benchLab>) => Daemon): Promise<string[][]> {
  const lab = benchLab({ nodes: ["r1", "c"] });
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-trace-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const d = start(lab);
    await Bun.sleep(2000); // vigil: master after Master_Down; both: the realtime thread exists
    const tid = realtimeThread(d.pids()[0]!);
    const stopHogs = startHogs(HOGS);
    await Bun.sleep(1000);
    console.error(`tracing ${label} (${SECONDS} s) …`);
    const data = join(dir, "perf.data");
    const events = ["sched:sched_switch", "sched:sched_wakeup", "syscalls:sys_enter_sendmsg", "syscalls:sys_enter_sendto"];
    const rec = Bun.spawnSync(["perf", "record", "-q", "-a", "-o", data, ...events.flatMap((e) => ["-e", e]), "--", "sleep", String(SECONDS)]);
    await stopHogs();
    d.kill("SIGTERM");
    await d.exited(5000);
    if (rec.exitCode !== 0) throw new Error(`perf record: ${rec.stderr.toString()}`);
    const script = Bun.spawnSync(["perf", "script", "-i", data, "-F", "tid,time,event,trace"], { stdout: "pipe", stderr: "ignore" });
    const all = ticks(parse(script.stdout.toString()), tid);
    const row = (what: string, list: Tick[]) => [
      `${label}, ${what}`,
      String(list.length),
      fmt(quantile(list.map((t) => t.wakeToCpuMs), 0.99), 3),
      fmt(quantile(list.map((t) => t.cpuToSendMs), 0.5), 3),
      fmt(quantile(list.map((t) => t.cpuToSendMs), 0.99), 3),
      fmt(Math.max(...list.map((t) => t.cpuToSendMs)), 3),
    ];
    return [
      row("all adverts", all),
      row("first after a kdamond pass", all.filter((t) => t.afterKdamond)),
      row("the others", all.filter((t) => !t.afterKdamond)),
    ];
  } finally {
    await lab.cleanup();
  }
}

async function main(): Promise<void> {
  if (Bun.spawnSync(["sh", "-c", "command -v perf"]).exitCode !== 0) throw new Error("perf is not installed (apt-get install linux-perf)");
  let mounted = false;
  if (!existsSync(join(TRACING, "events"))) {
    mounted = Bun.spawnSync(["mount", "-t", "tracefs", "nodev", TRACING]).exitCode === 0;
    if (mounted) onCleanup(() => void Bun.spawnSync(["umount", TRACING]));
  }
  const binary = benchBinary(argv);
  const conf = keepalivedConf([{ vrid: 51, priority: 255, version: 3, advertSec: 0.02, vips: [`${VIP}/24`] }]);
  const rows = await trace("vigil", (lab) => startVigil(lab, "r1", conf, { binary }));
  const floor = buildFloorSender();
  if (floor) rows.push(...await trace("C floor", (lab) => startFloorSender(lab, "r1", floor, 20, 10, VIP)));
  const kdamond = Bun.spawnSync(["sh", "-c", "cat /sys/kernel/mm/damon/admin/kdamonds/*/contexts/*/monitoring_attrs/intervals/sample_us 2>/dev/null"]).stdout
    .toString().trim();
  console.log(`\nOne master at 20 ms, SCHED_RR 10, ${HOGS} CPU hogs, ${SECONDS} s traced; DAMON sampling interval: ${kdamond ? `${kdamond} µs` : "none"}`);
  console.log(table(["thread, adverts", "n", "wake → on CPU p99 ms", "on CPU → sendmsg p50 ms", "p99 ms", "max ms"], rows));
}

try {
  await main();
} finally {
  await cleanupAll();
}
