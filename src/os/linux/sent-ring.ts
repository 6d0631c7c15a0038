// What each paced advert did, from the io thread to the main thread, as a single-producer
// single-consumer ring of Float64 entries in a SharedArrayBuffer instead of one message per advert:
// 255 masters at 1 s cost 255 structured clones a second on both threads (measured: +11 MiB of
// private memory, and most of the main thread's CPU). Head and tail are Int32s of the control block.
//
// Wake-ups: a failed send is news at once (three in a row fault the master), a ring half full too.
// Otherwise the main thread hears at most every FLUSH_MS: the results are bookkeeping (counters,
// gaps measured from the times in the entries), and whatever reads the counters (a scrape,
// /status, a dump) drains the ring first (RxLoop.settle), so 255 masters cost one wake-up a second
// (at 100 ms it was 10: 0.72 → 0.62–0.67 % CPU at 255 masters, bench/README.md). The
// writer arms its timerfd for a deferred flush (flushAt). A non-empty ring with no flush pending
// already has a wake-up on its way: the reader re-reads the head after each entry.
// A backup's watched repeats (advert-watch.ts: arrival times for the counters) share the ring.
import { CTL_SENT_HEAD, CTL_SENT_TAIL, type IoSentMsg, SENT_ENTRY_F64, SENT_ERRNOS, SENT_RING_ENTRIES } from "./rx-protocol.ts";

/** The count of a repeat entry (a sent entry has 0 or more errnos). */
const REPEAT = -1;

/** At most this long between a paced result and the main thread hearing of it unasked. */
export const FLUSH_MS = 1000;

/** One entry: the fields of the message it replaces (times CLOCK_MONOTONIC ms). */
export type SentEntry = Omit<IoSentMsg, "t">;

/** The io thread's side. */
export class SentRingWriter {
  private readonly ring: Float64Array;
  private lastWakeMs = -Infinity;
  /** When the deferred wake-up is due (Infinity: none pending). */
  flushAt = Infinity;

  constructor(
    buf: SharedArrayBuffer,
    private readonly ctl: Int32Array,
    private readonly wake: () => void,
  ) {
    this.ring = new Float64Array(buf);
  }

  /** False when it does not fit (full, or more packets than an entry holds): post a message instead. */
  write(key: number, word: number, at: number, mono: number, next: number, errnos: readonly number[]): boolean {
    if (errnos.length > SENT_ERRNOS) return false;
    const o = this.slot();
    if (o < 0) return false;
    const r = this.ring;
    let failed = false;
    for (let i = 0; i < errnos.length; i++) {
      r[o + 6 + i] = errnos[i]!;
      if (errnos[i] !== 0) failed = true;
    }
    this.publish(o, key, word, at, mono, next, errnos.length, failed);
    return true;
  }

  /** A watched repeat that arrived at `rxMono`; false when the ring is full. */
  writeRepeat(key: number, word: number, rxMono: number): boolean {
    const o = this.slot();
    if (o < 0) return false;
    this.publish(o, key, word, rxMono, rxMono, 0, REPEAT, false);
    return true;
  }

  /** Offset of the next free entry, -1 when full. */
  private slot(): number {
    const head = Atomics.load(this.ctl, CTL_SENT_HEAD);
    if (head - Atomics.load(this.ctl, CTL_SENT_TAIL) >= SENT_RING_ENTRIES) return -1;
    return (head % SENT_RING_ENTRIES) * SENT_ENTRY_F64;
  }

  private publish(o: number, key: number, word: number, at: number, mono: number, next: number, count: number, urgent: boolean): void {
    const r = this.ring;
    r[o] = key;
    r[o + 1] = word;
    r[o + 2] = at;
    r[o + 3] = mono;
    r[o + 4] = next;
    r[o + 5] = count;
    const head = Atomics.load(this.ctl, CTL_SENT_HEAD);
    const tail = Atomics.load(this.ctl, CTL_SENT_TAIL);
    Atomics.store(this.ctl, CTL_SENT_HEAD, head + 1); // publishes the entry (seq-cst store after the writes)
    if (urgent || head + 1 - tail >= SENT_RING_ENTRIES / 2) this.wakeNow(mono);
    else if (this.flushAt === Infinity && tail === head) {
      if (mono - this.lastWakeMs >= FLUSH_MS) this.wakeNow(mono);
      else this.flushAt = this.lastWakeMs + FLUSH_MS;
    }
  }

  /** The deferred wake-up, when due. */
  flushIfDue(now: number): void {
    if (this.flushAt <= now) this.wakeNow(now);
  }

  private wakeNow(now: number): void {
    this.flushAt = Infinity;
    this.lastWakeMs = now;
    this.wake();
  }
}

/**
 * The main thread's side: every entry in order, re-reading the head after each; a watched repeat
 * goes to onRepeat (key, word, arrival).
 */
export function drainSentRing(
  buf: Float64Array,
  ctl: Int32Array,
  onEntry: (e: SentEntry) => void,
  onRepeat?: (key: number, word: number, rxMono: number) => void,
): void {
  for (;;) {
    const tail = Atomics.load(ctl, CTL_SENT_TAIL);
    if (tail === Atomics.load(ctl, CTL_SENT_HEAD)) return;
    const o = (tail % SENT_RING_ENTRIES) * SENT_ENTRY_F64;
    if (buf[o + 5] === REPEAT) {
      const key = buf[o]!;
      const word = buf[o + 1]!;
      const rxMono = buf[o + 2]!;
      Atomics.store(ctl, CTL_SENT_TAIL, tail + 1);
      onRepeat?.(key, word, rxMono);
      continue;
    }
    const errnos: number[] = [];
    for (let i = 0; i < buf[o + 5]!; i++) errnos.push(buf[o + 6 + i]!);
    const e: SentEntry = { key: buf[o]!, word: buf[o + 1]!, at: buf[o + 2]!, mono: buf[o + 3]!, next: buf[o + 4]!, errnos };
    Atomics.store(ctl, CTL_SENT_TAIL, tail + 1); // the entry is copied: the slot is free
    onEntry(e);
  }
}
