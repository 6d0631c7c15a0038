// CPU and memory of processes from /proc: utime+stime (all threads) over a wall-clock window, VmRSS
// and VmHWM, and a per-thread split (to see whether the main thread or the rx Worker burns it).
import { readdirSync, readFileSync } from "node:fs";

const CLK_TCK = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** utime + stime in seconds from a /proc/…/stat file (fields 14, 15; comm may hold spaces). */
function cpuSeconds(statPath: string): { comm: string; cpu: number; sys: number; policy: number; rtprio: number } {
  const s = readFileSync(statPath, "utf8");
  const close = s.lastIndexOf(")");
  const comm = s.slice(s.indexOf("(") + 1, close);
  const f = s.slice(close + 2).split(" "); // f[0] is field 3 (state)
  return { comm, cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK, sys: Number(f[12]) / CLK_TCK, rtprio: Number(f[37]), policy: Number(f[38]) };
}

function statusKiB(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : Number.NaN;
}

export interface Usage {
  /** % of one core over the window (all PIDs, all threads). */
  cpuPct: number;
  /** The part of cpuPct spent in the kernel (stime). */
  sysPct: number;
  seconds: number;
  /** Sum over PIDs, MiB. */
  rssMiB: number;
  hwmMiB: number;
  /** VmRSS split: private anonymous memory, and file pages (mostly the executable's own code). */
  anonMiB: number;
  fileMiB: number;
  /** Per thread "pid/comm": % of one core. */
  threads: Map<string, number>;
}

function snapshot(pids: number[]): { total: number; sys: number; threads: Map<string, number> } {
  let total = 0;
  let sys = 0;
  const threads = new Map<string, number>();
  for (const pid of pids) {
    const p = cpuSeconds(`/proc/${pid}/stat`);
    total += p.cpu;
    sys += p.sys;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const t = cpuSeconds(`/proc/${pid}/task/${tid}/stat`);
        threads.set(`${pid}/${tid} ${t.comm}`, t.cpu);
      } catch {
        // thread ended
      }
    }
  }
  return { total, sys, threads };
}

/** Measures `pids` over `seconds` of wall time (they must live throughout). */
export async function measure(pids: number[], seconds: number): Promise<Usage> {
  const a = snapshot(pids);
  const t0 = performance.now();
  await Bun.sleep(seconds * 1000);
  const b = snapshot(pids);
  const wall = (performance.now() - t0) / 1000;
  const threads = new Map<string, number>();
  for (const [k, v] of b.threads) threads.set(k, ((v - (a.threads.get(k) ?? 0)) / wall) * 100);
  return {
    cpuPct: ((b.total - a.total) / wall) * 100,
    sysPct: ((b.sys - a.sys) / wall) * 100,
    seconds: wall,
    rssMiB: pids.reduce((s, p) => s + statusKiB(p, "VmRSS"), 0) / 1024,
    hwmMiB: pids.reduce((s, p) => s + statusKiB(p, "VmHWM"), 0) / 1024,
    anonMiB: pids.reduce((s, p) => s + statusKiB(p, "RssAnon"), 0) / 1024,
    fileMiB: pids.reduce((s, p) => s + statusKiB(p, "RssFile"), 0) / 1024,
    threads,
  };
}

/** Scheduling policy of a process's main thread, e.g. "SCHED_RR 10" or "SCHED_OTHER". */
export function schedPolicy(pid: number): string {
  // Per thread: vigil runs only its io thread realtime, so the process's main thread says little.
  const names = ["SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "", "SCHED_IDLE"];
  try {
    const all = readdirSync(`/proc/${pid}/task`).map((tid) => cpuSeconds(`/proc/${pid}/task/${tid}/stat`));
    const rt = all.filter((t) => t.rtprio > 0);
    const fmt = (t: { policy: number; rtprio: number }) => {
      const name = names[t.policy] ?? `policy ${t.policy}`;
      return t.rtprio > 0 ? `${name} ${t.rtprio}` : name;
    };
    if (rt.length === 0) return fmt(all[0]!);
    return rt.length === all.length ? `${fmt(rt[0]!)} (all)` : `${fmt(rt[0]!)} (${rt.length}/${all.length} thr)`;
  } catch {
    return "?";
  }
}
