// Clock port on performance.now(). With an io thread (rx.ts, the default in createLinuxPorts) every
// timer is a deadline on that thread's timerfd (TFD_TIMER_ABSTIME, CLOCK_MONOTONIC): it never
// fires early, its expiry is posted here, and nothing busy-waits. While the callback runs, nowMs()
// is the event time (the deadline, or the wake-up if later; see rx.ts), so what the callback arms
// counts from the deadline and not from when the main thread got to it.
//
// Without an io thread (tests, or once it stopped) timers fall back to setTimeout, which wakes up
// to ~0.9 ms early: those are re-armed until the deadline has passed (never early, no spinning).

import type { Clock, TimerHandle } from "../../runtime/ports.ts";
import type { RxLoop } from "./rx.ts";

export interface LinuxClockOptions {
  /** Added to every setTimeout delay of the fallback to offset early wake-ups (default 0.25 ms). */
  biasMs?: number;
}

type Armed = { io: number } | { timeout: ReturnType<typeof setTimeout> };

export class LinuxClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, Armed>();
  private readonly biasMs: number;

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

  setTimer(atMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    if (this.io?.available) {
      this.timers.set(id, {
        io: this.io.setTimer(atMs, () => {
          this.timers.delete(id);
          fn();
        }),
      });
      return { id };
    }
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
    return { id };
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
