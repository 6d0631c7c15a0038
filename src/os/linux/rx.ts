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
import { watchIndex } from "./advert-watch.ts";
import { IoSlots, type PacedResult, type WatchHandlers } from "./io-slots.ts";

export type { PacedResult } from "./io-slots.ts";
import { drainSentRing } from "./sent-ring.ts";
import { publishFdTable } from "./fd-table.ts";
import { adoptPrewarmed, defaultWorkerUrl } from "./io-prewarm.ts";
import { alloc, view } from "./structs.ts";
import {
  CTL_INFLIGHT,
  CTL_INTS,
  CTL_OVERFLOW,
  CTL_PAUSES,
  CTL_QUEUE_CAP,
  CTL_REPEATS,
  CTL_STOP,
  type IoCommand,
  MAX_FDS,
  type PacedPacket,
  type RxFdMsg,
  type RxKind,
  type RxWorkerMsg,
  SENT_ENTRY_F64,
  SENT_RING_ENTRIES,
} from "./rx-protocol.ts";

export type { PacedPacket, RxFdMsg, RxKind } from "./rx-protocol.ts";

/** Default bound of the receive queue (datagrams read, posted, not yet handled by the main thread). */
export const DEFAULT_QUEUE_CAP = 2048;

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

/** A received advert whose repeats the io thread handles (watch()), as it was on the wire. */
export interface WatchedAdvert {
  family: 4 | 6;
  ifindex: number;
  src: Uint8Array;
  dst: Uint8Array;
  ttl: number;
  /** The VRRP message (its second byte is the VRID). */
  payload: Uint8Array;
}

interface Entry {
  kind: RxKind;
  handler: (m: RxFdMsg) => void;
}

export class RxLoop {
  private readonly control = new SharedArrayBuffer(CTL_INTS * 4);
  private readonly ctl = new Int32Array(this.control);
  private readonly sentRingBuf = new SharedArrayBuffer(SENT_RING_ENTRIES * SENT_ENTRY_F64 * 8);
  private readonly sentRing = new Float64Array(this.sentRingBuf);
  private readonly channel = new MessageChannel();
  private readonly timers = new Map<number, TimerEntry>();
  private nextTimerId = 1;
  private readonly slots = new IoSlots({
    toPerfMs: (mono) => this.toPerfMs(mono),
    atEvent: (ms, fn) => this.atEvent(ms, fn),
    watchEnded: (key) => this.command({ c: "unwatch", key }, false),
  });
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

  /** Repeats of watched adverts the io thread handled (not posted), since start. */
  get repeatCount(): number {
    return Atomics.load(this.ctl, CTL_REPEATS);
  }

  /** Sleeps of the io thread inside bursts of adverts (at SCHED_RR only), since start. */
  get burstPauses(): number {
    return Atomics.load(this.ctl, CTL_PAUSES);
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
    const { key, word } = this.slots.addPace(atMs, intervalMs, onSent);
    this.command({ c: "pace", key, word, at: atMs + this.offsetMs, interval: intervalMs, packets }, true);
    return key;
  }

  /**
   * A backup's steady state off this thread (advert-watch.ts): each later datagram identical to `a`
   * moves the Master_Down deadline (`deadlineMs`, performance.now() base) to its arrival + downMs
   * on the io thread and reaches onRepeat here, batched and in order, with its arrival; nothing
   * else about it is posted. down runs when the deadline passes, soon WATCH_WARN_MS before it
   * when no repeat came. `takeover`: the advert the io thread sends at the deadline, before down
   * runs (down hears what it did). Returns the watch's key.
   */
  watch(a: WatchedAdvert, deadlineMs: number, downMs: number, on: WatchHandlers, takeover: PacedPacket[] = []): number {
    if (this.stopped) throw new Error("RxLoop: stopped");
    const { key, word } = this.slots.addWatch(on);
    const index = watchIndex(a.ifindex, a.family === 6, a.payload[1] ?? 0);
    const deadline = deadlineMs + this.offsetMs;
    this.command({ c: "watch", key, word, index, src: a.src, dst: a.dst, ttl: a.ttl, payload: a.payload, deadline, downMs, takeover }, true);
    return key;
  }

  /**
   * Ends a watch: once this returns, every repeat the io thread handled has reached onRepeat, and
   * no other will. True when the io thread had already sent its takeover advert (its deadline
   * passed first): down will not run, the caller takes over.
   */
  unwatch(key: number): boolean {
    const r = this.slots.removeWatch(key, () => this.drainRing());
    if (r !== null) this.command({ c: "unwatch", key }, false);
    return r === "fired";
  }

  /**
   * Stops a paced schedule; once this returns, the io thread sends no advert of it any more, and
   * what it sent is reported (the ring is drained: it may hold a second of reports).
   */
  stopPace(key: number): void {
    if (!this.slots.removePace(key)) return;
    this.command({ c: "unpace", key }, false);
    this.drainRing();
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
    this.slots.clear();
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
    publishFdTable(this.ctl, Array.from(this.entries, ([fd, e]) => [fd, e.kind] as const));
  }

  private wake(): void {
    if (this.eventFd >= 0) libc.write(this.eventFd, this.wakeBuf, 8);
  }

  private ensureWorker(): void {
    if (this.worker || this.stopped) return;
    this.eventFd = check(libc.eventfd(0, C.EFD_NONBLOCK | C.EFD_CLOEXEC), "eventfd");
    const pre = this.opts.workerUrl === undefined ? adoptPrewarmed() : null;
    const w = pre?.worker ?? new Worker(this.opts.workerUrl ?? defaultWorkerUrl());
    w.onmessage = (e: MessageEvent) => this.onWorkerMessage(e.data as RxWorkerMsg);
    // A worker that cannot load (e.g. compiled without the second entry) must not fail silently.
    const failed = (e: ErrorEvent) => this.fatal(new Error(`rx worker failed: ${e.message} (compiled without src/os/linux/rx-worker.ts as an entry point?)`));
    w.onerror = failed;
    if (pre?.error) failed(pre.error);
    w.postMessage({ t: "init", control: this.control, slots: this.slots.buffer, sentRing: this.sentRingBuf, eventFd: this.eventFd, port: this.channel.port2 }, [
      this.channel.port2 as never,
    ]);
    this.worker = w;
  }

  private fatal(e: Error): void {
    this.readyState.reject(e);
    if (this.opts.onFatal) this.opts.onFatal(e);
    else console.error(`vigil: ${e.message}`);
  }

  /** Delivers now what the io thread reported in the ring (it wakes this thread in batches). */
  settle(): void {
    if (!this.stopped) this.drainRing();
  }

  /** The results and repeats the io thread put in the ring, in order. */
  private drainRing(): void {
    drainSentRing(
      this.sentRing,
      this.ctl,
      (e) => this.slots.onSent(e.key, e.word, e.at, e.mono, e.next, e.errnos),
      (key, word, rxMono) => this.slots.onRepeat(key, word, rxMono),
    );
  }

  private onWorkerMessage(m: RxWorkerMsg): void {
    // What the ring holds happened before this message: a watch's repeats before its Master_Down,
    // before another datagram of the same master, a paced advert before a link change.
    this.drainRing();
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
        return this.slots.onSent(m.key, m.word, m.at, m.mono, m.next, m.errnos);
      case "sent-ring":
        return; // drained above
      case "watch-down":
        return this.slots.onWatchDown(m.key, m.word, m.mono, m.errnos);
      case "watch-soon":
        return this.slots.onWatchSoon(m.key, m.word);
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
