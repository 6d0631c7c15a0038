// Clock port on performance.now(). With io timing on (rx.ts; `vigil run` turns it on with realtime,
// i.e. for sub-second adverts or vrrp_rt_priority: LinuxPorts.useIoTiming()) every timer is a
// deadline on the io thread's timerfd (TFD_TIMER_ABSTIME, CLOCK_MONOTONIC): it never
// fires early, its expiry is posted here, and nothing busy-waits. While the callback runs, nowMs()
// is the event time (the deadline, or the wake-up if later; see rx.ts), so what the callback arms
// counts from the deadline and not from when the main thread got to it.
//
// Otherwise (the default, or once the io thread stopped) timers use setTimeout, which wakes up to
// ~0.9 ms early: those are re-armed until the deadline has passed (never early, no spinning); it
// also wakes ~0.6 ms late (p50, bench/timer-jitter.ts), so a `precise` timer (Master_Down: the
// end of a failover) sleeps on setTimeout until HANDOFF_MS before its deadline and then hands the
// rest to the io thread's timerfd: one message each way per expiry, none per re-arm. Io
// timing costs one message each way per timer between the threads: measured +11 MiB of private
// memory at 255 masters at 1 s (Bun's allocator keeps what crossed threads), so it is kept for the
// configurations that need sub-millisecond timing.

import type { Clock, TimerHandle, TimerOptions } from "../../runtime/ports.ts";
import type { RxLoop } from "./rx.ts";

export interface LinuxClockOptions {
  /** Added to every setTimeout delay of the fallback to offset early wake-ups (default 0.25 ms). */
  biasMs?: number;
}

type Armed = { io: number } | { timeout: ReturnType<typeof setTimeout> };

/** A precise timer moves to the io thread this long before its deadline (setTimeout is up to a few ms late under load). */
export const HANDOFF_MS = 5;

export class LinuxClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, Armed>();
  private readonly biasMs: number;
  /** Timers on the io thread's timerfd (see the file comment). */
  ioTimers = false;

  constructor(
    opts: LinuxClockOptions = {},
    private readonly io?: RxLoop,
  ) {
    this.biasMs = opts.biasMs ?? 0.25;
  }

  nowMs(): number {
    return this.io?.eventMs ?? performance.now();
  }

  wallMs(): number {
    return Date.now();
  }

  setTimer(atMs: number, fn: () => void, opts?: TimerOptions): TimerHandle {
    const id = this.nextId++;
    const onIo = () => {
      this.timers.set(id, {
        io: this.io!.setTimer(atMs, () => {
          this.timers.delete(id);
          fn();
        }),
      });
    };
    if (this.ioTimers && this.io?.available) {
      onIo();
      return { id };
    }
    if (opts?.precise && this.io?.available) {
      const handoff = () => {
        if (this.io?.available) return onIo();
        this.timers.delete(id);
        this.setTimerAs(id, atMs, fn); // the io thread is gone: the plain path
      };
      const leadMs = atMs - HANDOFF_MS - performance.now();
      if (leadMs <= 0) onIo();
      else this.timers.set(id, { timeout: setTimeout(handoff, leadMs) });
      return { id };
    }
    this.setTimerAs(id, atMs, fn);
    return { id };
  }

  private setTimerAs(id: number, atMs: number, fn: () => void): void {
    const tick = () => {
      const rem = atMs - performance.now();
      if (rem > 0) {
        this.timers.set(id, { timeout: setTimeout(tick, rem + this.biasMs) });
        return;
      }
      this.timers.delete(id);
      fn();
    };
    // Always asynchronous, even for a deadline already past.
    this.timers.set(id, { timeout: setTimeout(tick, Math.max(0, atMs - performance.now() + this.biasMs)) });
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t === undefined) return;
    if ("io" in t) this.io?.clearTimer(t.io);
    else clearTimeout(t.timeout);
    this.timers.delete(handle.id);
  }

  /** Number of armed timers (for diagnostics). */
  get pending(): number {
    return this.timers.size;
  }
}
