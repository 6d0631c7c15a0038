// The io thread's side of a backup's steady state (rx.ts watch()): the main thread hands over an
// advert its FSM has just handled by re-arming Master_Down, and each later datagram with the same
// bytes, source, destination, TTL and interface is handled here instead: the Master_Down deadline
// moves to its arrival + downMs and the arrival goes into the io ring for the counters. A repeat
// cannot change what the FSM does (RFC 5798 §6.4.2: same priority and source, same state), so
// nothing is lost by not posting it; anything else, and a full ring, still reaches the main thread.
// 255 backups at 1 s then cost no structured clone, decode or FSM step per advert on either thread.
//
// The deadline moves later without touching the timerfd: it is read again when the earliest
// deadline known (`due`) passes, so a steady backup wakes the thread about once per Master_Down
// interval, not once per advert. Slot words (rx-protocol.ts) make a stop on the main thread
// synchronous, as for paced adverts.
//
// At the deadline the watch's takeover advert (if the main thread gave one) leaves from here, before
// the expiry is posted: the failover's advert then waits neither for the main thread's wake-up nor
// for its FSM step (0.3–0.5 ms measured), nor for a GC pause or a long task there.
//
// An expired watch stays in the table, matching nothing, until the main thread has handled its
// expiry (its unwatch): the expiry is posted while that thread may be stalled — which is when the
// queue is full — and the master's adverts meanwhile must keep their headroom (fromMaster).

import type { PacedSend } from "./paced-send.ts";
import { SLOT_ARMED, SLOT_FIRED, SLOT_SENDING, WATCH_WARN_MS, type WatchCommand } from "./rx-protocol.ts";

/** The command itself (the worker's own copy): its deadline moves with each repeat. */
type Watch = WatchCommand;

/**
 * Called at a watch's expiry, its slot held: sends its takeover advert (if it may), posts the
 * expiry; true when the advert went out.
 */
export type WatchDown = (key: number, word: number, mono: number, takeover: readonly PacedSend[]) => boolean;

/** Where a watch is looked up: interface, family, VRID (the payload's second byte, v2 and v3). */
export function watchIndex(ifindex: number, v6: boolean, vrid: number): number {
  return (ifindex * 2 + (v6 ? 1 : 0)) * 256 + vrid;
}

function same(a: Uint8Array, b: Uint8Array, off: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[off + i]) return false;
  return true;
}

export class WatchTable {
  private readonly byIndex = new Map<number, Watch>();
  private readonly byKey = new Map<number, Watch>();
  /** Expired watches, until the main thread's unwatch; still in byIndex, with no deadline to meet. */
  private readonly ended = new Map<number, Watch>();
  /** No deadline is earlier than this (Infinity: none); a moved deadline is only later. */
  due = Infinity;

  constructor(private readonly slotWords: Int32Array) {}

  /** Live watches (not the expired ones kept for their master). */
  get size(): number {
    return this.byKey.size;
  }

  /** Starts watching; the command's takeover packets must be ready for sendmsg (paced-send.ts prepare). */
  set(c: WatchCommand): void {
    this.delete(c.key);
    const old = this.byIndex.get(c.index);
    if (old) this.delete(old.key); // superseded: its slot word was bumped by the main thread
    const w: Watch = c;
    w.warned = false;
    this.byIndex.set(c.index, w);
    this.byKey.set(c.key, w);
    if (w.deadline - WATCH_WARN_MS < this.due) this.due = w.deadline - WATCH_WARN_MS;
  }

  delete(key: number): void {
    const w = this.byKey.get(key) ?? this.ended.get(key);
    if (!w) return;
    this.byKey.delete(key);
    this.ended.delete(key);
    if (this.byIndex.get(w.index) === w) this.byIndex.delete(w.index);
  }

  /**
   * A repeat of a watched advert? Then its deadline moves and `report` records the arrival (false:
   * the ring is full, so the datagram goes the ordinary way). Allocates nothing.
   */
  match(
    index: number,
    src: Uint8Array,
    srcOff: number,
    dst: Uint8Array,
    dstOff: number,
    ttl: number,
    payload: Uint8Array,
    payOff: number,
    payLen: number,
    rxMono: number,
    report: (key: number, word: number, rxMono: number) => boolean,
  ): boolean {
    const w = this.byIndex.get(index);
    if (w === undefined || ttl !== w.ttl || payLen !== w.payload.length) return false;
    if (!same(w.src, src, srcOff) || !same(w.dst, dst, dstOff) || !same(w.payload, payload, payOff)) return false;
    if (rxMono >= w.deadline) return false; // expired meanwhile: the main thread decides
    const armed = w.word;
    if (Atomics.compareExchange(this.slotWords, w.key, armed, armed - SLOT_ARMED + SLOT_SENDING) !== armed) {
      this.delete(w.key); // stopped by the main thread
      return false;
    }
    const ok = report(w.key, armed, rxMono);
    if (ok) {
      w.deadline = rxMono + w.downMs;
      w.warned = false;
    }
    Atomics.store(this.slotWords, w.key, armed);
    return ok;
  }

  /** Whether a datagram comes from the source of the advert watched at `index`: the backup's master. */
  fromMaster(index: number, src: Uint8Array, srcOff: number): boolean {
    const w = this.byIndex.get(index);
    return w !== undefined && same(w.src, src, srcOff);
  }

  /**
   * Ends every watch whose deadline has passed (`down` posts it), tells those WATCH_WARN_MS from it
   * (`soon`, once per deadline), and finds the next time to look.
   */
  expire(now: number, down: WatchDown, soon: (key: number, word: number) => void): void {
    if (now < this.due) return;
    let next = Infinity;
    for (const w of this.byKey.values()) {
      if (w.deadline > now) {
        if (!w.warned && now >= w.deadline - WATCH_WARN_MS) {
          w.warned = true;
          soon(w.key, w.word);
        }
        const at = w.warned ? w.deadline : w.deadline - WATCH_WARN_MS;
        if (at < next) next = at;
        continue;
      }
      const armed = w.word;
      // A stopped watch (word bumped) is the main thread's again: nothing to post.
      if (Atomics.compareExchange(this.slotWords, w.key, armed, armed - SLOT_ARMED + SLOT_SENDING) !== armed) {
        this.delete(w.key);
        continue;
      }
      this.byKey.delete(w.key);
      w.deadline = -Infinity; // matches no datagram any more: the main thread decides
      this.ended.set(w.key, w);
      const fired = down(w.key, armed, now, w.takeover);
      w.takeover = [];
      Atomics.store(this.slotWords, w.key, fired ? armed - SLOT_ARMED + SLOT_FIRED : armed);
    }
    this.due = next;
  }
}
