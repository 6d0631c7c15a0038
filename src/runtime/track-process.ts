// keepalived vrrp_track_process: is a process (haproxy, nginx …) running, and how many of it?
// Good while quorum <= count <= quorum_max; fork_delay holds back "good" after the count came
// into range, terminate_delay holds back "bad" after it left it (a restart does not flap the VIP).
//
// Matching as keepalived (track_process.c): without parameters or full_command, the process name
// (/proc/PID/comm, 15 bytes) equals `process` exactly (pgrep "^name$", not a regex); with
// parameters or full_command, argv[0] of /proc/PID/cmdline equals it and the parameters match
// per param_match (exact, partial: the first n equal, initial: the last may be longer).
// Zombies do not count.
//
// keepalived learns of forks and exits from the kernel's proc connector; vigil scans /proc once a
// second for all tracked processes together: /proc/PID/stat only (comm and state, one small read
// per process), and /proc/PID/cmdline once per new process only when a tracker needs it.
// bench/track-process.ts measures the scan.
import { closeSync, openSync, readdirSync, readSync } from "node:fs";
import type { TrackProcessConfig } from "../config/schema.ts";
import type { Clock, Logger, TimerHandle } from "./ports.ts";
import { goodBadEffect, type TrackEffect, type TrackerMonitor } from "./trackers/tracker.ts";

export const PROC_SCAN_MS = 1000;
const COMM_LEN = 15;

export interface ProcEntry {
  pid: number;
  comm: string;
  /** argv, read only when asked (full_command trackers). */
  argv?: string[];
}

const buf = Buffer.alloc(4096);

function readSmall(path: string, size: number): string | null {
  let fd: number | null = null;
  try {
    fd = openSync(path, "r");
    const n = readSync(fd, buf, 0, Math.min(size, buf.length), 0);
    return buf.toString("latin1", 0, n);
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * One pass over /proc. `withArgv` reads cmdline too; `cache` (pid → "starttime argv") spares
 * re-reading the cmdline of a process already seen.
 */
export function scanProc(withArgv: boolean, cache?: Map<number, { start: string; argv: string[] }>, root = "/proc"): ProcEntry[] {
  const out: ProcEntry[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return out;
  }
  const alive = cache ? new Set<number>() : null;
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 49 || c > 57) continue; // [1-9]
    const stat = readSmall(`${root}/${name}/stat`, 512);
    if (stat === null) continue; // gone meanwhile
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    if (open < 0 || close < 0) continue;
    if (stat.charCodeAt(close + 2) === 90 /* Z */) continue;
    const pid = Number(name);
    const e: ProcEntry = { pid, comm: stat.slice(open + 1, close) };
    if (withArgv) {
      const start = stat.slice(close + 2).split(" ", 20)[19] ?? "";
      alive?.add(pid);
      const hit = cache?.get(pid);
      if (hit && hit.start === start) e.argv = hit.argv;
      else {
        const raw = readSmall(`${root}/${name}/cmdline`, 4096) ?? "";
        e.argv = raw.length === 0 ? [] : raw.replace(/\0$/, "").split("\0");
        cache?.set(pid, { start, argv: e.argv });
      }
    }
    out.push(e);
  }
  if (cache && alive) { for (const pid of cache.keys()) if (!alive.has(pid)) cache.delete(pid); }
  return out;
}

/** Does this process count for the tracker (keepalived's name and check_params rules)? */
export function processMatches(cfg: TrackProcessConfig, p: ProcEntry): boolean {
  if (!cfg.fullCommand && cfg.paramMatch === "none") return p.comm === cfg.process.slice(0, COMM_LEN);
  const argv = p.argv ?? [];
  if (argv[0] !== cfg.process) return false;
  if (cfg.paramMatch === "none") return true;
  const actual = argv.slice(1);
  const want = cfg.params;
  if (cfg.paramMatch === "exact") return actual.length === want.length && want.every((w, i) => actual[i] === w);
  if (want.length === 0) return true;
  const joined = actual.join("\0") + "\0";
  const wanted = want.join("\0") + "\0";
  // partial: the first n parameters equal; initial: the last configured one may be a prefix.
  return cfg.paramMatch === "partial" ? joined.startsWith(wanted) : joined.startsWith(wanted.slice(0, -1));
}

/** A scan shared by every process monitor of a daemon: one pass over /proc per interval. */
export class ProcScanner {
  private readonly monitors = new Set<ProcessMonitor>();
  private timer: TimerHandle | null = null;
  private readonly argvCache = new Map<number, { start: string; argv: string[] }>();
  scans = 0;

  constructor(
    private readonly clock: Clock,
    private readonly scan: (withArgv: boolean, cache: Map<number, { start: string; argv: string[] }>) => ProcEntry[] = scanProc,
  ) {}

  add(m: ProcessMonitor): void {
    this.monitors.add(m);
    m.update(this.once([m]));
    if (!this.timer) this.schedule(this.clock.nowMs());
  }

  remove(m: ProcessMonitor): void {
    this.monitors.delete(m);
    if (this.monitors.size === 0 && this.timer) {
      this.clock.clearTimer(this.timer);
      this.timer = null;
    }
  }

  private once(ms: Iterable<ProcessMonitor>): ProcEntry[] {
    const list = [...ms];
    this.scans++;
    return this.scan(
      list.some((m) => m.cfg.fullCommand || m.cfg.paramMatch !== "none"),
      this.argvCache,
    );
  }

  private schedule(fromMs: number): void {
    this.timer = this.clock.setTimer(fromMs + PROC_SCAN_MS, () => {
      this.timer = null;
      if (this.monitors.size === 0) return;
      const procs = this.once(this.monitors);
      for (const m of [...this.monitors]) m.update(procs);
      if (this.monitors.size > 0 && !this.timer) this.schedule(fromMs + PROC_SCAN_MS);
    });
  }
}

export class ProcessMonitor implements TrackerMonitor<TrackProcessConfig> {
  /** null until the first scan; then whether the count is within quorum (after the delays). */
  ok: boolean | null = null;
  count = 0;
  private delayTimer: TimerHandle | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly cfg: TrackProcessConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly scanner: ProcScanner,
  ) {}

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    this.scanner.add(this);
  }

  stop(): void {
    this.scanner.remove(this);
    this.clearDelay();
  }

  sameDefinition(next: TrackProcessConfig): boolean {
    const { pos: _a, ...a } = this.cfg;
    const { pos: _b, ...b } = next;
    return JSON.stringify(a) === JSON.stringify(b);
  }

  /** The processes seen by a scan. */
  update(procs: ProcEntry[]): void {
    let n = 0;
    for (const p of procs) if (processMatches(this.cfg, p)) n++;
    const changed = n !== this.count;
    this.count = n;
    const inRange = n >= this.cfg.quorum && n <= this.cfg.quorumMax;
    if (this.ok === null) return this.set(inRange, n); // the first scan decides at once (keepalived)
    if (changed) this.logger.log("debug", "track process count", { track_process: this.cfg.name, count: n });
    if (inRange === this.ok) return this.clearDelay();
    if (this.delayTimer) return; // already waiting for this change
    const delay = inRange ? this.cfg.forkDelayMs : this.cfg.terminateDelayMs;
    if (delay <= 0) return this.set(inRange, n);
    this.delayTimer = this.clock.setTimer(this.clock.nowMs() + delay, () => {
      this.delayTimer = null;
      const now = this.count >= this.cfg.quorum && this.count <= this.cfg.quorumMax;
      if (now !== this.ok) this.set(now, this.count);
    });
  }

  private clearDelay(): void {
    if (this.delayTimer) this.clock.clearTimer(this.delayTimer);
    this.delayTimer = null;
  }

  private set(ok: boolean, count: number): void {
    this.clearDelay();
    if (this.ok === ok) return;
    this.ok = ok;
    this.logger.log(ok ? "info" : "warn", `track process ${ok ? "quorum gained" : "quorum lost"}`, {
      track_process: this.cfg.name,
      count,
      quorum: this.cfg.quorum,
      quorum_max: this.cfg.quorumMax,
    });
    for (const fn of this.listeners) fn();
  }
}

/**
 * keepalived's good/bad weight rules on "in quorum"; `reverse` (the reference's, else the
 * definition's) subtracts the weight instead, or with weight 0 faults while in quorum (vrrp_track.c).
 */
export function processEffect(m: ProcessMonitor, weight: number, inGroup: boolean, reverse = m.cfg.reverse): TrackEffect | null {
  if (m.ok === null) return null;
  return goodBadEffect(m.ok, inGroup ? 0 : weight, reverse);
}
