// keepalived vrrp_track_process: is a process (haproxy, nginx …) running, and how many of it?
// Good while quorum <= count <= quorum_max; fork_delay holds back "good" after the count came
// into range, terminate_delay holds back "bad" after it left it (a restart does not flap the VIP).
//
// Reading /proc and matching a process (keepalived's rules) are in proc-table.ts.
//
// Two ways to know the processes, shared by every process monitor of a daemon (ProcScanner):
// - the kernel's process events (ProcessEvents port: the proc connector, as keepalived): one full
//   scan at start, then per event only the pid concerned — a fork copies its parent's entry (same
//   name and command line until exec), an exec or comm change re-reads /proc/PID/stat (and cmdline
//   when a tracker needs argv), an exit drops the pid; events lost (ENOBUFS) mean a full rescan;
// - where the kernel refuses them (outside the initial network namespace, no CAP_NET_ADMIN, no
//   connector), a scan of /proc once a second: /proc/PID/stat only (comm and state, one small read
//   per process), and /proc/PID/cmdline once per new process only when a tracker needs it.
// The port comes from the daemon (DaemonDeps.processEvents: `vigil run` passes the Linux proc
// connector, tests a fake); without one, the scan. Which one runs is logged once and shown in
// /status and `vigil status` (TrackerStatus.source). bench/track-process.ts measures both.
import type { TrackProcessConfig } from "../config/schema.ts";
import type { Clock, Logger, ProcessEvent, ProcessEvents, TimerHandle } from "./ports.ts";
import { type ArgvCache, type ProcEntry, processMatches, readProc, scanProc } from "./proc-table.ts";
import { goodBadEffect, type TrackEffect, type TrackerMonitor } from "./trackers/tracker.ts";

export { type ProcEntry, processMatches, scanProc } from "./proc-table.ts";

export const PROC_SCAN_MS = 1000;
/** After the event stream broke, how long the scan stands in before listening again. */
export const PROC_EVENTS_RETRY_MS = 30_000;

/** How a ProcScanner learns of processes. */
export type ProcSource = "proc-connector" | "proc-scan";

/** Why a scanner without a ProcessEvents port scans. */
export const NO_EVENT_SOURCE = "no process event source";

export interface ProcScannerOptions {
  logger?: Logger;
  /** Process events (the daemon's ProcessEvents port); absent or null: scan every PROC_SCAN_MS. */
  events?: ProcessEvents | null;
  scan?: (withArgv: boolean, cache: ArgvCache) => ProcEntry[];
  /** One process after an event (null: gone or a zombie). */
  read?: (pid: number, withArgv: boolean) => ProcEntry | null;
}

/** What every process monitor of a daemon shares: the process events, else one /proc scan per interval. */
export class ProcScanner {
  private readonly monitors = new Set<ProcessMonitor>();
  private timer: TimerHandle | null = null;
  private readonly argvCache: ArgvCache = new Map();
  private readonly logger: Logger | undefined;
  private readonly events: ProcessEvents | null;
  private readonly scan: (withArgv: boolean, cache: ArgvCache) => ProcEntry[];
  private readonly read: (pid: number, withArgv: boolean) => ProcEntry | null;
  /** With events: every live process by pid, argv included when `tableArgv`. */
  private table: Map<number, ProcEntry> | null = null;
  private tableArgv = false;
  private stopEvents: (() => void) | null = null;
  private retryTimer: TimerHandle | null = null;
  private logged: string | null = null;
  /** How processes are learnt of while a monitor runs (null: none runs). */
  source: ProcSource | null = null;
  /** While scanning: why not the proc connector (its refusal or break, or NO_EVENT_SOURCE). */
  sourceReason: string | null = null;
  /** Full passes over /proc; process events handled; rescans after lost events. */
  scans = 0;
  eventsHandled = 0;
  lostRescans = 0;

  constructor(private readonly clock: Clock, opts: ProcScannerOptions = {}) {
    this.logger = opts.logger;
    this.events = opts.events ?? null;
    this.scan = opts.scan ?? scanProc;
    this.read = opts.read ?? readProc;
  }

  add(m: ProcessMonitor): void {
    this.monitors.add(m);
    if (this.monitors.size === 1) this.begin();
    if (this.table) {
      // A monitor that needs argv after a table without it: one rescan, else no scan at all.
      if (needsArgv(m) && !this.tableArgv) this.rescan();
      else m.update(this.table.values());
      return;
    }
    m.update(this.once([m]));
    if (!this.timer) this.schedule(this.clock.nowMs());
  }

  remove(m: ProcessMonitor): void {
    this.monitors.delete(m);
    if (this.monitors.size > 0) return;
    if (this.timer) this.clock.clearTimer(this.timer);
    if (this.retryTimer) this.clock.clearTimer(this.retryTimer);
    this.timer = null;
    this.retryTimer = null;
    this.stopEvents?.();
    this.stopEvents = null;
    this.table = null;
    this.source = null;
    this.sourceReason = null;
  }

  /** The first monitor: listen to process events if the kernel lets us, then one full scan. */
  private begin(): void {
    if (this.events) {
      this.listen();
      return;
    }
    this.source = "proc-scan";
    this.sourceReason = NO_EVENT_SOURCE;
    this.announce("info", `track process: scanning /proc every ${PROC_SCAN_MS} ms`, { reason: NO_EVENT_SOURCE });
  }

  /** Subscribes to process events and fills the table; on a refusal, scans instead. */
  private listen(): boolean {
    try {
      this.stopEvents = this.events!.listen({
        events: (evs) => this.onEvents(evs),
        lost: () => {
          this.lostRescans++;
          this.logger?.log("warn", "track process: process events lost, rescanning /proc", {});
          this.rescan();
        },
        failed: (e) => this.fallBack(e, true),
      });
    } catch (e) {
      this.fallBack(e, false);
      return false;
    }
    this.source = "proc-connector";
    this.sourceReason = null;
    this.announce("info", "track process: process events from the kernel's proc connector", {});
    this.fill();
    return true;
  }

  /**
   * Events refused, or the stream broke (a backlog that would crowd out the adverts): scan
   * instead; after a break, try the events again PROC_EVENTS_RETRY_MS later.
   */
  private fallBack(e: unknown, retry: boolean): void {
    this.stopEvents?.();
    this.stopEvents = null;
    const wasTable = this.table !== null;
    this.table = null;
    this.source = "proc-scan";
    const reason = e instanceof Error ? e.message : String(e);
    this.sourceReason = retry ? `proc connector stopped: ${reason}` : reason;
    const msg = `track process: proc connector ${retry ? "stopped" : "unavailable"}, scanning /proc every ${PROC_SCAN_MS} ms`;
    this.announce(retry ? "warn" : "info", msg, { reason });
    if (wasTable && this.monitors.size > 0 && !this.timer) this.schedule(this.clock.nowMs());
    if (!retry || this.retryTimer) return;
    this.retryTimer = this.clock.setTimer(this.clock.nowMs() + PROC_EVENTS_RETRY_MS, () => {
      this.retryTimer = null;
      if (this.monitors.size === 0 || this.table || !this.listen()) return;
      if (this.timer) this.clock.clearTimer(this.timer);
      this.timer = null;
      for (const m of [...this.monitors]) m.update(this.table!.values());
    });
  }

  /** Logs which source is used, once per change of it. */
  private announce(level: "info" | "warn", msg: string, fields: Record<string, string>): void {
    if (this.logged === this.source) return;
    this.logged = this.source;
    this.logger?.log(level, msg, fields);
  }

  private fill(): void {
    this.tableArgv = [...this.monitors].some(needsArgv);
    const table = new Map<number, ProcEntry>();
    for (const p of this.once(this.monitors)) table.set(p.pid, p);
    this.table = table;
  }

  private rescan(): void {
    if (!this.table) return;
    this.fill();
    for (const m of [...this.monitors]) m.update(this.table.values());
  }

  private onEvents(events: readonly ProcessEvent[]): void {
    const table = this.table;
    if (!table) return;
    const changed = new Map<number, ProcEntry | undefined>();
    for (const e of events) {
      this.eventsHandled++;
      if (e.type === "exit") {
        if (table.delete(e.pid)) changed.set(e.pid, undefined);
        continue;
      }
      const parent = e.type === "fork" && e.parentPid !== null ? table.get(e.parentPid) : undefined;
      // A child is its parent's copy until it execs; otherwise read what the process is now.
      const entry = parent ? { ...parent, pid: e.pid } : this.read(e.pid, this.tableArgv);
      if (entry) table.set(e.pid, entry);
      else table.delete(e.pid);
      changed.set(e.pid, entry ?? undefined);
    }
    if (changed.size === 0) return;
    for (const m of [...this.monitors]) m.apply(changed);
  }

  private once(ms: Iterable<ProcessMonitor>): ProcEntry[] {
    this.scans++;
    return this.scan([...ms].some(needsArgv), this.argvCache);
  }

  private schedule(fromMs: number): void {
    this.timer = this.clock.setTimer(fromMs + PROC_SCAN_MS, () => {
      this.timer = null;
      if (this.monitors.size === 0 || this.table) return;
      const procs = this.once(this.monitors);
      for (const m of [...this.monitors]) m.update(procs);
      if (this.monitors.size > 0 && !this.timer) this.schedule(fromMs + PROC_SCAN_MS);
    });
  }
}

function needsArgv(m: ProcessMonitor): boolean {
  return m.cfg.fullCommand || m.cfg.paramMatch !== "none";
}

export class ProcessMonitor implements TrackerMonitor<TrackProcessConfig> {
  /** null until the first scan; then whether the count is within quorum (after the delays). */
  ok: boolean | null = null;
  count = 0;
  /** The pids that count. */
  private readonly matched = new Set<number>();
  private delayTimer: TimerHandle | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly cfg: TrackProcessConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly scanner: ProcScanner,
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

  /** Every process, as a scan sees them. */
  update(procs: Iterable<ProcEntry>): void {
    this.matched.clear();
    for (const p of procs) if (processMatches(this.cfg, p)) this.matched.add(p.pid);
    this.settle();
  }

  /** The processes that changed after process events (undefined: gone). */
  apply(changed: ReadonlyMap<number, ProcEntry | undefined>): void {
    const before = this.matched.size;
    for (const [pid, p] of changed) {
      if (p && processMatches(this.cfg, p)) this.matched.add(pid);
      else this.matched.delete(pid);
    }
    if (this.matched.size !== before) this.settle();
  }

  /** Where the count stands now against quorum, through fork_delay / terminate_delay. */
  private settle(): void {
    const n = this.matched.size;
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
