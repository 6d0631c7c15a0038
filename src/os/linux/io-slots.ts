// The main thread's book of what runs on the io thread under a slot word (rx-protocol.ts): paced
// advert schedules and advert watches. It hands out the keys, bumps the words (arm, cancel; a
// cancel spins while the io thread holds the slot, so once it returns nothing more happens
// there), and turns what the io thread reports — sent adverts, watched repeats, a watch's
// Master_Down — into the owners' callbacks, in this thread's time base.
import { MAX_SLOTS, SLOT_ARMED, SLOT_FIRED, SLOT_IDLE, SLOT_SENDING } from "./rx-protocol.ts";
import { FLUSH_MS } from "./sent-ring.ts";

/** A paced advert as the io thread sent it (times in this thread's performance.now() base). */
export interface PacedResult {
  atMs: number;
  nextAtMs: number;
  /** One per packet: 0 sent, else the errno of sendmsg. */
  errnos: number[];
}

interface PaceEntry {
  word: number;
  at: number;
  interval: number;
  onSent: (r: PacedResult) => void;
}

/** What a watch's owner hears (RxLoop.watch). */
export interface WatchHandlers {
  repeat(rxMs: number): void;
  /** sent: the io thread sent the watch's takeover advert (at atMs), else null. */
  down(sent: TakeoverResult | null): void;
  soon(): void;
}

/** A watch's takeover advert as the io thread sent it at the deadline (this thread's time base). */
export interface TakeoverResult {
  atMs: number;
  /** One per packet: 0 sent, else the errno of sendmsg. */
  errnos: number[];
}

interface WatchEntry {
  word: number;
  on: WatchHandlers;
}

/** How long the results of a stopped schedule are still delivered (the worker reports within FLUSH_MS). */
const RETIRED_KEEP_MS = 2 * FLUSH_MS + 1000;

export interface IoSlotsHost {
  toPerfMs(mono: number): number;
  /** Runs fn with the event time set (see RxLoop.eventMs). */
  atEvent(ms: number | null, fn: () => void): void;
  /** A watch's expiry is handled here: the io thread may drop what it kept of it (advert-watch.ts). */
  watchEnded(key: number): void;
}

export class IoSlots {
  readonly buffer = new SharedArrayBuffer(MAX_SLOTS * 4);
  private readonly words = new Int32Array(this.buffer);
  private readonly paces = new Map<number, PaceEntry>();
  /**
   * Stopped schedules, by "key:word", for the results still in the ring or in flight when they
   * stopped (reported late, at most the ring's flush time after): kept RETIRED_KEEP_MS.
   */
  private readonly retired = new Map<string, PaceEntry & { sinceMs: number }>();
  private readonly watches = new Map<number, WatchEntry>();
  private readonly freeKeys: number[] = [];
  private nextKey = 0;

  constructor(private readonly host: IoSlotsHost) {}

  addPace(atMs: number, intervalMs: number, onSent: (r: PacedResult) => void): { key: number; word: number } {
    const key = this.allocKey();
    const word = this.bump(key, SLOT_ARMED);
    this.paces.set(key, { word, at: atMs, interval: intervalMs, onSent });
    return { key, word };
  }

  /** False when not running. Once this returns, the io thread sends no advert of it any more. */
  removePace(key: number): boolean {
    const p = this.paces.get(key);
    if (!p) return false;
    this.paces.delete(key);
    this.pruneRetired();
    this.retired.set(`${key}:${p.word}`, { ...p, sinceMs: performance.now() });
    this.bump(key, SLOT_IDLE);
    this.freeKeys.push(key);
    return true;
  }

  addWatch(on: WatchHandlers): { key: number; word: number } {
    const key = this.allocKey();
    const word = this.bump(key, SLOT_ARMED);
    this.watches.set(key, { word, on });
    return { key, word };
  }

  /**
   * Null when not running. Once the word is bumped the io thread handles no repeat of it; `drain`
   * (the ring) then delivers the repeats it did handle, before the entry goes. "fired": the io
   * thread had sent the watch's takeover advert (its Master_Down came first; its message, still
   * on the way, is dropped: the caller takes over), else "stopped".
   */
  removeWatch(key: number, drain: () => void): "stopped" | "fired" | null {
    if (!this.watches.has(key)) return null;
    const fired = this.swap(key, SLOT_IDLE).was === SLOT_FIRED;
    drain();
    this.watches.delete(key);
    this.freeKeys.push(key);
    return fired ? "fired" : "stopped";
  }

  clear(): void {
    this.paces.clear();
    this.watches.clear();
  }

  onSent(key: number, word: number, atMono: number, mono: number, nextMono: number, errnos: number[]): void {
    let p = this.paces.get(key);
    if (!p || p.word !== word) p = this.retired.get(`${key}:${word}`); // sent before it stopped
    if (!p) return;
    const at = p.at;
    // The io thread's next deadline, in this thread's time base: exactly at + interval (as the
    // FSM computes it) unless it restarted from the wake-up after a stall.
    const next = nextMono === atMono + p.interval ? at + p.interval : this.host.toPerfMs(nextMono);
    p.at = next;
    const r: PacedResult = { atMs: at, nextAtMs: next, errnos };
    this.host.atEvent(Math.max(this.host.toPerfMs(mono), at), () => p.onSent(r));
  }

  onRepeat(key: number, word: number, rxMono: number): void {
    const w = this.watches.get(key);
    if (w?.word !== word) return; // ended meanwhile: its repeats were drained then
    const rxMs = this.host.toPerfMs(rxMono);
    this.host.atEvent(rxMs, () => w.on.repeat(rxMs));
  }

  onWatchDown(key: number, word: number, mono: number, errnos: number[] | null): void {
    const w = this.watches.get(key);
    if (w?.word !== word) return; // unwatched meanwhile: the owner's own timer took over
    this.watches.delete(key);
    this.bump(key, SLOT_IDLE);
    this.host.watchEnded(key); // before the key can be handed out again (down() may watch anew)
    this.freeKeys.push(key);
    const atMs = this.host.toPerfMs(mono);
    this.host.atEvent(atMs, () => w.on.down(errnos === null ? null : { atMs, errnos }));
  }

  onWatchSoon(key: number, word: number): void {
    const w = this.watches.get(key);
    if (w?.word === word) w.on.soon();
  }

  private allocKey(): number {
    const key = this.freeKeys.pop() ?? this.nextKey++;
    if (key >= MAX_SLOTS) throw new Error(`RxLoop: more than ${MAX_SLOTS} paced adverts and watches`);
    return key;
  }

  /** New generation of a slot word with `state`; spins while the io thread holds it (µs). */
  private bump(key: number, state: number): number {
    return this.swap(key, state).word;
  }

  /** bump(), also saying which state the word left. */
  private swap(key: number, state: number): { word: number; was: number } {
    for (;;) {
      const w = Atomics.load(this.words, key);
      if ((w & 3) === SLOT_SENDING) continue;
      const next = ((((w >>> 2) + 1) & 0x1fffffff) << 2) | state;
      if (Atomics.compareExchange(this.words, key, w, next) === w) return { word: next, was: w & 3 };
    }
  }

  private pruneRetired(): void {
    const old = performance.now() - RETIRED_KEEP_MS;
    for (const [k, r] of this.retired) if (r.sinceMs < old) this.retired.delete(k);
  }
}
