// Main-thread side of the receive path: owns the rx Worker, the shared fd table and the eventfd,
// and dispatches what the worker reads to the handler registered for each fd.

import * as C from "./consts.ts";
import { OsError } from "./errors.ts";
import { libc, check, closeFd, perfToMonotonicOffsetMs } from "./libc.ts";
import { alloc, view } from "./structs.ts";
import {
  CTL_COUNT, CTL_ENTRIES, CTL_GEN, CTL_INTS, CTL_STOP, KIND_CODE, MAX_FDS, type RxFdMsg, type RxKind, type RxWorkerMsg,
} from "./rx-protocol.ts";

export type { RxKind, RxFdMsg } from "./rx-protocol.ts";

export interface RxLoopOptions {
  /** Where the worker module lives; defaults to ./rx-worker.ts beside this file. */
  workerUrl?: string;
  /** How long stop() waits for the worker to leave poll() before terminating it. */
  stopTimeoutMs?: number;
  /** The worker failed (could not load, or poll() failed). Default: print to stderr. */
  onFatal?: (e: Error) => void;
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

export class RxLoop {
  private readonly control = new SharedArrayBuffer(CTL_INTS * 4);
  private readonly ctl = new Int32Array(this.control);
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
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, this.opts.stopTimeoutMs ?? 2000)))]);
    clearTimeout(timer);
    w.terminate();
    this.worker = null;
    closeFd(this.eventFd);
    this.eventFd = -1;
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
    w.postMessage({ t: "init", control: this.control, eventFd: this.eventFd });
    this.worker = w;
  }

  private fatal(e: Error): void {
    this.readyState.reject(e);
    if (this.opts.onFatal) this.opts.onFatal(e);
    else console.error(`vigil: ${e.message}`);
  }

  private onWorkerMessage(m: RxWorkerMsg): void {
    if (m.t === "ready") return this.readyState.resolve();
    if (m.t === "stopped") {
      this.stoppedWaiter?.();
      return;
    }
    const e = this.entries.get(m.fd);
    if (e) e.handler(m);
    else if (m.t === "error" && m.fd === -1) this.fatal(new OsError(m.syscall, m.errno, "rx worker stopped"));
  }
}
