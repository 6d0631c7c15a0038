// Clock port on performance.now(). Three kinds of timer:
// - io timers (after LinuxPorts.useIoTiming(), which `vigil run` always calls): a deadline on the
//   io thread's timerfd (TFD_TIMER_ABSTIME, CLOCK_MONOTONIC). It never fires early, its expiry is
//   posted here, nothing busy-waits. While the callback runs, nowMs() is the event time (the
//   deadline, or the wake-up if later; see rx.ts), so what it arms counts from the deadline.
// - precise timers (Master_Down, the shutdown hold: the end of a failover), with or without io
//   timing: setTimeout until HANDOFF_MS before the deadline, then an io timer. Re-arming one (a
//   backup does at every advert) costs no message to the io thread; an expiry costs one each way.
// - otherwise (no io thread): setTimeout, which wakes up to ~0.9 ms early (Bun truncates the delay
//   to whole ms) and is then re-armed until the deadline has passed (never early, no spinning).

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
    // Precise first: a backup re-arms Master_Down at every advert it receives, and a handoff costs
    // nothing until the last HANDOFF_MS (an io timer costs two messages per re-arm: 255 backups,
    // 510 a second). A main thread blocked meanwhile loses nothing: the expiry is handled there.
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
    if (this.ioTimers && this.io?.available) {
      onIo();
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
