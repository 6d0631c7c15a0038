// Main-thread side of the io thread (rx-worker.ts): owns the Worker, the shared fd table, the eventfd
// and the command port; dispatches what the worker reads to the handler registered for each fd,
// expires timers armed through it and reports the paced adverts it sent.
//
// Event time: while a message of the worker is handled, `eventMs` is when it happened (a datagram:
// when recvmsg returned; a timer or a paced advert: its deadline, or the wake-up if later). The
// LinuxClock answers nowMs() with it, as keepalived's time_now is the time epoll returned: a
// master-down deadline then counts from the advert's arrival, not from when the main thread got to it.

import * as C from "./consts.ts";
import { OsError } from "./errors.ts";
import { check, closeFd, libc, perfToMonotonicOffsetMs } from "./libc.ts";
import { drainSentRing } from "./sent-ring.ts";
import { alloc, view } from "./structs.ts";
import {
  CTL_COUNT,
  CTL_ENTRIES,
  CTL_GEN,
  CTL_INFLIGHT,
  CTL_INTS,
  CTL_OVERFLOW,
  CTL_QUEUE_CAP,
  CTL_STOP,
  type IoCommand,
  KIND_CODE,
  MAX_FDS,
  MAX_SLOTS,
  type PacedPacket,
  type RxFdMsg,
  type RxKind,
  type RxWorkerMsg,
  SENT_ENTRY_F64,
  SENT_RING_ENTRIES,
  SLOT_ARMED,
  SLOT_IDLE,
  SLOT_SENDING,
} from "./rx-protocol.ts";

export type { PacedPacket, RxFdMsg, RxKind } from "./rx-protocol.ts";

/** Default bound of the receive queue (datagrams read, posted, not yet handled by the main thread). */
export const DEFAULT_QUEUE_CAP = 2048;

/** A paced advert as the io thread sent it (times in this thread's performance.now() base). */
export interface PacedResult {
  atMs: number;
  nextAtMs: number;
  /** One per packet: 0 sent, else the errno of sendmsg. */
  errnos: number[];
}

export interface RealtimeReport {
  ok: boolean;
  errno: number;
  /** Kernel thread id of the io thread. */
  tid: number;
}

export interface RxLoopOptions {
  /** Where the worker module lives; defaults to ./rx-worker.ts beside this file. */
  workerUrl?: string;
  /** How long stop() waits for the worker to leave poll() before terminating it. */
  stopTimeoutMs?: number;
  /** The worker failed (could not load, or poll() failed). Default: print to stderr. */
  onFatal?: (e: Error) => void;
  /** Bound of the receive queue (default DEFAULT_QUEUE_CAP). */
  queueCap?: number;
}

interface TimerEntry {
  at: number;
  fn: () => void;
}

interface PaceEntry {
  word: number;
  at: number;
  interval: number;
  onSent: (r: PacedResult) => void;
}

interface Entry {
  kind: RxKind;
  handler: (m: RxFdMsg) => void;
}

/**
 * From sources, the worker sits beside this file. In a `bun build --compile` executable every
 * bundled module's import.meta.url is the executable itself (file:///$bunfs/root/<outfile>), so a
 * URL relative to it misses; the second entry point lives at its path relative to the common
 * root of the entry points, which a relative specifier reaches. That root is the repository root
 * for `bun build --compile main.ts src/os/linux/rx-worker.ts`.
 */
export function defaultWorkerUrl(): string {
  if (import.meta.url.includes("/$bunfs/")) return "./src/os/linux/rx-worker.ts";
  return new URL("./rx-worker.ts", import.meta.url).href;
}

/** How long the results of a stopped schedule are still delivered (the worker reports within 100 ms). */
const RETIRED_KEEP_MS = 2000;

export class RxLoop {
  private readonly control = new SharedArrayBuffer(CTL_INTS * 4);
  private readonly ctl = new Int32Array(this.control);
  private readonly slotsBuf = new SharedArrayBuffer(MAX_SLOTS * 4);
  private readonly slotWords = new Int32Array(this.slotsBuf);
  private readonly sentRingBuf = new SharedArrayBuffer(SENT_RING_ENTRIES * SENT_ENTRY_F64 * 8);
  private readonly sentRing = new Float64Array(this.sentRingBuf);
  private readonly channel = new MessageChannel();
  private readonly timers = new Map<number, TimerEntry>();
  private nextTimerId = 1;
  private readonly paces = new Map<number, PaceEntry>();
  /**
   * Stopped schedules, by "key:word", for the results still in the ring or in flight when they
   * stopped (reported late, at most RING_FLUSH_MS after): kept RETIRED_KEEP_MS.
   */
  private readonly retired = new Map<string, PaceEntry & { sinceMs: number }>();
  private readonly freeKeys: number[] = [];
  private nextKey = 0;
  private rtWaiters: ((r: RealtimeReport) => void)[] = [];
  /** See the file comment: when the message being handled happened, else null. */
  eventMs: number | null = null;
  /** Kernel thread id of the io thread once it runs (0 before). */
  tid = 0;
  private readonly entries = new Map<number, Entry>();
  private worker: Worker | null = null;
  private eventFd = -1;
  private stopped = false;
  private stoppedWaiter: (() => void) | null = null;
  private readonly wakeBuf = alloc(8);
  /** performance.now() + offset = CLOCK_MONOTONIC ms. */
  private readonly offsetMs = perfToMonotonicOffsetMs();
  private readonly opts: RxLoopOptions;
  private readyState: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void };

  constructor(opts: RxLoopOptions = {}) {
    this.opts = opts;
    view(this.wakeBuf).setBigUint64(0, 1n, true);
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => {}); // observed through ready() or onFatal
    this.readyState = { promise, resolve, reject };
    Atomics.store(this.ctl, CTL_QUEUE_CAP, opts.queueCap ?? DEFAULT_QUEUE_CAP);
  }

  /** Datagrams dropped because the receive queue was full, since start. */
  get overflowCount(): number {
    return Atomics.load(this.ctl, CTL_OVERFLOW);
  }

  /** Datagrams read by the io thread and not yet handled here. */
  get queued(): number {
    return Atomics.load(this.ctl, CTL_INFLIGHT);
  }

  /** Whether timers and pacing go through the io thread (false once stopped). */
  get available(): boolean {
    return !this.stopped;
  }

  /** A timer expired by the io thread's timerfd at `atMs` (performance.now() base); fn runs here. */
  setTimer(atMs: number, fn: () => void): number {
    const id = this.nextTimerId++;
    this.timers.set(id, { at: atMs, fn });
    this.command({ c: "timer", id, at: atMs + this.offsetMs }, true);
    return id;
  }

  clearTimer(id: number): void {
    if (this.timers.delete(id)) this.command({ c: "clear", id }, false);
  }

  /**
   * Sends `packets` from the io thread at `atMs` and every `intervalMs` after, until stopPace();
   * onSent runs here once per advert sent. Returns the schedule's key.
   */
  pace(packets: PacedPacket[], atMs: number, intervalMs: number, onSent: (r: PacedResult) => void): number {
    if (this.stopped) throw new Error("RxLoop: stopped");
    const key = this.freeKeys.pop() ?? this.nextKey++;
    if (key >= MAX_SLOTS) throw new Error(`RxLoop: more than ${MAX_SLOTS} paced adverts`);
    const word = this.bump(key, SLOT_ARMED);
    this.paces.set(key, { word, at: atMs, interval: intervalMs, onSent });
    this.command({ c: "pace", key, word, at: atMs + this.offsetMs, interval: intervalMs, packets }, true);
    return key;
  }

  /** Stops a paced schedule; once this returns, the io thread sends no advert of it any more. */
  stopPace(key: number): void {
    const p = this.paces.get(key);
    if (!p) return;
    this.paces.delete(key);
    this.pruneRetired();
    this.retired.set(`${key}:${p.word}`, { ...p, sinceMs: performance.now() });
    this.bump(key, SLOT_IDLE);
    this.freeKeys.push(key);
    this.command({ c: "unpace", key }, false);
  }

  /**
   * SCHED_RR at `priority` (0: SCHED_OTHER) for the io thread alone, with SCHED_RESET_ON_FORK so
   * nothing it creates inherits it. Resolves with what the kernel said.
   */
  setRealtime(priority: number): Promise<RealtimeReport> {
    this.ensureWorker();
    return new Promise((resolve) => {
      this.rtWaiters.push(resolve);
      this.command({ c: "rt", priority }, true);
    });
  }

  /**
   * Back to SCHED_OTHER from this thread, by thread id: for SIGXCPU (RLIMIT_RTTIME), when the io
   * thread may be spinning and would never read a command.
   */
  dropRealtime(): boolean {
    if (this.tid <= 0) return false;
    return libc.sched_setscheduler(this.tid, C.SCHED_OTHER, new Uint8Array(4)) === 0;
  }

  /** New generation of a slot word with `state`; spins while the io thread is sending it (µs). */
  private bump(key: number, state: number): number {
    for (;;) {
      const w = Atomics.load(this.slotWords, key);
      if ((w & 3) === SLOT_SENDING) continue;
      const next = ((((w >>> 2) + 1) & 0x1fffffff) << 2) | state;
      if (Atomics.compareExchange(this.slotWords, key, w, next) === w) return next;
    }
  }

  private command(c: IoCommand, wake: boolean): void {
    if (this.stopped) return;
    this.ensureWorker();
    this.channel.port1.postMessage(c);
    if (wake) this.wake();
  }

  /**
   * Resolves once the worker runs its poll loop (starting it if needed); rejects when it cannot
   * load — e.g. an executable compiled without the rx-worker.ts entry. Await it at start-up.
   */
  ready(timeoutMs = 5000): Promise<void> {
    this.ensureWorker();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`rx worker not ready after ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([this.readyState.promise, timeout]).finally(() => clearTimeout(timer));
  }

  /** Registers a socket; starts the worker on first use. The handler runs on the main thread. */
  add(fd: number, kind: RxKind, handler: (m: RxFdMsg) => void): void {
    if (this.stopped) throw new Error("RxLoop: stopped");
    if (!this.entries.has(fd) && this.entries.size >= MAX_FDS) throw new Error(`RxLoop: more than ${MAX_FDS} sockets`);
    this.entries.set(fd, { kind, handler });
    this.publish();
    this.ensureWorker();
    this.wake();
  }

  /** Unregisters a socket. Close the fd only after this returns. */
  remove(fd: number): void {
    if (!this.entries.delete(fd)) return;
    this.publish();
    this.wake();
  }

  /** Converts a worker CLOCK_MONOTONIC stamp to this thread's performance.now() time base. */
  toPerfMs(mono: number): number {
    return mono - this.offsetMs;
  }

  get running(): boolean {
    return this.worker !== null && !this.stopped;
  }

  /** Leaves poll(), joins the worker and closes the eventfd. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.entries.clear();
    const w = this.worker;
    if (!w) return;
    const done = new Promise<void>((resolve) => {
      this.stoppedWaiter = resolve;
    });
    Atomics.store(this.ctl, CTL_STOP, 1);
    this.wake();
    this.timers.clear();
    this.paces.clear();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, this.opts.stopTimeoutMs ?? 2000)))]);
    clearTimeout(timer);
    w.terminate();
    this.worker = null;
    closeFd(this.eventFd);
    this.eventFd = -1;
    this.channel.port1.close();
  }

  private publish(): void {
    const c = this.ctl;
    Atomics.add(c, CTL_GEN, 1); // odd: writing
    let i = 0;
    for (const [fd, e] of this.entries) {
      Atomics.store(c, CTL_ENTRIES + 2 * i, fd);
      Atomics.store(c, CTL_ENTRIES + 2 * i + 1, KIND_CODE[e.kind]);
      i++;
    }
    Atomics.store(c, CTL_COUNT, i);
    Atomics.add(c, CTL_GEN, 1); // even: stable
  }

  private wake(): void {
    if (this.eventFd >= 0) libc.write(this.eventFd, this.wakeBuf, 8);
  }

  private ensureWorker(): void {
    if (this.worker || this.stopped) return;
    this.eventFd = check(libc.eventfd(0, C.EFD_NONBLOCK | C.EFD_CLOEXEC), "eventfd");
    const url = this.opts.workerUrl ?? defaultWorkerUrl();
    const w = new Worker(url);
    w.onmessage = (e: MessageEvent) => this.onWorkerMessage(e.data as RxWorkerMsg);
    w.onerror = (e) => {
      // A worker that cannot load (e.g. compiled without the second entry) must not fail silently.
      this.fatal(new Error(`rx worker failed: ${e.message} (compiled without src/os/linux/rx-worker.ts as an entry point?)`));
    };
    w.postMessage({ t: "init", control: this.control, slots: this.slotsBuf, sentRing: this.sentRingBuf, eventFd: this.eventFd, port: this.channel.port2 }, [
      this.channel.port2 as never,
    ]);
    this.worker = w;
  }

  private fatal(e: Error): void {
    this.readyState.reject(e);
    if (this.opts.onFatal) this.opts.onFatal(e);
    else console.error(`vigil: ${e.message}`);
  }

  private onWorkerMessage(m: RxWorkerMsg): void {
    switch (m.t) {
      case "ready":
        this.tid = m.tid;
        return this.readyState.resolve();
      case "stopped":
        this.stoppedWaiter?.();
        return;
      case "rt":
        if (m.ok) this.tid = m.tid;
        this.rtWaiters.shift()?.({ ok: m.ok, errno: m.errno, tid: m.tid });
        return;
      case "fire": {
        const t = this.timers.get(m.id);
        if (!t) return; // cleared meanwhile
        this.timers.delete(m.id);
        return this.atEvent(Math.max(this.toPerfMs(m.mono), t.at), t.fn);
      }
      case "sent":
        return this.onSent(m.key, m.word, m.at, m.mono, m.next, m.errnos);
      case "sent-ring":
        return drainSentRing(this.sentRing, this.ctl, (e) => this.onSent(e.key, e.word, e.at, e.mono, e.next, e.errnos));
    }
    const e = this.entries.get(m.fd);
    const counted = m.t === "dgram" || m.t === "netlink";
    try {
      if (e) this.atEvent(counted ? this.toPerfMs(m.rxMono) : null, () => e.handler(m));
      else if (m.t === "error" && m.fd === -1) this.fatal(new OsError(m.syscall, m.errno, "rx worker stopped"));
    } finally {
      if (counted) Atomics.sub(this.ctl, CTL_INFLIGHT, 1);
    }
  }

  private pruneRetired(): void {
    const old = performance.now() - RETIRED_KEEP_MS;
    for (const [k, r] of this.retired) if (r.sinceMs < old) this.retired.delete(k);
  }

  private onSent(key: number, word: number, atMono: number, mono: number, nextMono: number, errnos: number[]): void {
    let p = this.paces.get(key);
    if (!p || p.word !== word) p = this.retired.get(`${key}:${word}`); // sent before it stopped
    if (!p) return;
    const at = p.at;
    // The io thread's next deadline, in this thread's time base: exactly at + interval (as the
    // FSM computes it) unless it restarted from the wake-up after a stall.
    const next = nextMono === atMono + p.interval ? at + p.interval : this.toPerfMs(nextMono);
    p.at = next;
    const r: PacedResult = { atMs: at, nextAtMs: next, errnos };
    this.atEvent(Math.max(this.toPerfMs(mono), at), () => p.onSent(r));
  }

  private atEvent(ms: number | null, fn: () => void): void {
    const outer = this.eventMs;
    this.eventMs = ms;
    try {
      fn();
    } finally {
      this.eventMs = outer;
    }
  }
}
