// A deterministic Clock (src/runtime/ports.ts): time moves only when a test advances it.
// Due timers fire in deadline order; timers with equal deadlines fire in the order they were
// set. A timer set while advancing fires in the same advance if it falls due inside it.

import type { Clock, TimerHandle } from "../../src/runtime/ports.ts";

interface Pending {
  id: number;
  atMs: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private now: number;
  private readonly wallOffsetMs: number;
  private nextId = 1;
  private seq = 0;
  /** Kept sorted by (atMs, seq). */
  private queue: Pending[] = [];

  constructor(startMs = 0, wallStartMs = 1_700_000_000_000) {
    this.now = startMs;
    this.wallOffsetMs = wallStartMs - startMs;
  }

  nowMs(): number {
    return this.now;
  }

  wallMs(): number {
    return this.now + this.wallOffsetMs;
  }

  setTimer(atMs: number, fn: () => void): TimerHandle {
    const p: Pending = { id: this.nextId++, atMs: Math.max(atMs, this.now), seq: this.seq++, fn };
    // Binary search for the insertion point after every entry that fires before or with it.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const q = this.queue[mid]!;
      if (q.atMs < p.atMs || (q.atMs === p.atMs && q.seq < p.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, p);
    return { id: p.id };
  }

  clearTimer(handle: TimerHandle): void {
    const i = this.queue.findIndex((p) => p.id === handle.id);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** Number of timers waiting. */
  pending(): number {
    return this.queue.length;
  }

  /** Deadline of the next timer, or null. */
  nextDeadlineMs(): number | null {
    return this.queue[0]?.atMs ?? null;
  }

  /** Fires the next due timer (at or before `limitMs`), moving time to it. False if none. */
  fireNext(limitMs = Number.POSITIVE_INFINITY): boolean {
    const p = this.queue[0];
    if (p === undefined || p.atMs > limitMs) return false;
    this.queue.shift();
    this.now = p.atMs;
    p.fn();
    return true;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    this.advanceTo(this.now + ms);
  }

  advanceTo(targetMs: number): void {
    if (targetMs < this.now) throw new RangeError(`cannot go back in time: ${targetMs} < ${this.now}`);
    while (this.fireNext(targetMs)) {
      /* keep firing */
    }
    this.now = targetMs;
  }

  /** Fires timers until `predicate` holds (checked after each) or `limitMs` passes; returns whether it held. */
  runUntil(predicate: () => boolean, limitMs: number): boolean {
    if (predicate()) return true;
    while (this.fireNext(limitMs)) {
      if (predicate()) return true;
    }
    this.now = Math.max(this.now, limitMs);
    return predicate();
  }
}
