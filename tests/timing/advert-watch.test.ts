// The io thread's watch table on one thread: what counts as a repeat, how the deadline moves, when
// it expires, and that a watch stopped by the main thread (slot word bumped) is never used again.
import { expect, test } from "bun:test";
import { watchIndex, WatchTable } from "../../src/os/linux/advert-watch.ts";
import { IoSlots } from "../../src/os/linux/io-slots.ts";
import {
  CTL_INTS,
  MAX_SLOTS,
  SENT_ENTRY_F64,
  SENT_RING_ENTRIES,
  SLOT_ARMED,
  SLOT_FIRED,
  SLOT_IDLE,
  WATCH_WARN_MS,
  type WatchCommand,
} from "../../src/os/linux/rx-protocol.ts";
import { drainSentRing, SentRingWriter } from "../../src/os/linux/sent-ring.ts";

const SRC = Uint8Array.of(10, 99, 0, 1);
const DST = Uint8Array.of(224, 0, 0, 18);
const ADVERT = Uint8Array.of(0x31, 51, 200, 1, 0, 5, 0x12, 0x34, 10, 99, 0, 100);
const INDEX = watchIndex(2, false, 51);

function table() {
  const words = new Int32Array(new SharedArrayBuffer(MAX_SLOTS * 4));
  const t = new WatchTable(words);
  const reported: [number, number, number][] = [];
  let full = false;
  const report = (key: number, word: number, rx: number) => {
    if (full) return false;
    reported.push([key, word, rx]);
    return true;
  };
  const watch = (key: number, deadline: number, over: Partial<WatchCommand> = {}): WatchCommand => {
    const word = (1 << 2) | SLOT_ARMED;
    Atomics.store(words, key, word);
    const c: WatchCommand = {
      c: "watch",
      key,
      word,
      index: INDEX,
      src: SRC,
      dst: DST,
      ttl: 255,
      payload: ADVERT,
      deadline,
      downMs: 360,
      takeover: [],
      ...over,
    };
    t.set(c);
    return c;
  };
  /** One datagram as the worker sees it (an IPv4 header in front of the payload). */
  const packet = (o: { src?: Uint8Array; ttl?: number; payload?: Uint8Array } = {}) => {
    const p = o.payload ?? ADVERT;
    const b = new Uint8Array(20 + p.length);
    b[0] = 0x45;
    b[8] = o.ttl ?? 255;
    b.set(o.src ?? SRC, 12);
    b.set(DST, 16);
    b.set(p, 20);
    return b;
  };
  const match = (b: Uint8Array, rx: number, index = INDEX) => t.match(index, b, 12, b, 16, b[8]!, b, 20, b.length - 20, rx, report);
  return { t, words, reported, watch, packet, match, setFull: (f: boolean) => (full = f) };
}

test("only an identical datagram is a repeat: source, destination, TTL, length and every byte", () => {
  const w = table();
  w.watch(7, 1360);
  expect(w.match(w.packet({ ttl: 254 }), 1100)).toBe(false);
  expect(w.match(w.packet({ src: Uint8Array.of(10, 99, 0, 3) }), 1100)).toBe(false);
  const other = ADVERT.slice();
  other[2] = 201; // another priority
  expect(w.match(w.packet({ payload: other }), 1100)).toBe(false);
  expect(w.match(w.packet({ payload: Uint8Array.of(...ADVERT, 0) }), 1100)).toBe(false); // padded
  expect(w.match(w.packet(), 1100, watchIndex(3, false, 51))).toBe(false); // other interface
  expect(w.match(w.packet(), 1100, watchIndex(2, true, 51))).toBe(false); // other family
  expect(w.reported).toEqual([]);
  expect(w.match(w.packet(), 1100)).toBe(true);
  expect(w.reported).toEqual([[7, (1 << 2) | SLOT_ARMED, 1100]]);
});

test("each repeat moves the deadline to its arrival + downMs; a notice WATCH_WARN_MS before it, the expiry once, after it", () => {
  const w = table();
  w.watch(7, 1360);
  expect(w.t.due).toBe(1360 - WATCH_WARN_MS);
  expect(w.match(w.packet(), 1100)).toBe(true); // deadline 1460
  expect(w.match(w.packet(), 1200)).toBe(true); // deadline 1560
  const downs: [number, number, number][] = [];
  const soons: number[] = [];
  const down = (k: number, word: number, m: number) => (downs.push([k, word, m]), false);
  const soon = (k: number) => void soons.push(k);
  w.t.expire(1360, down, soon); // the old deadline: nothing yet, the next time to look is found
  expect(downs).toEqual([]);
  expect(w.t.due).toBe(1560 - WATCH_WARN_MS);
  w.t.expire(1560 - WATCH_WARN_MS - 0.1, down, soon);
  expect(soons).toEqual([]);
  w.t.expire(1560 - WATCH_WARN_MS, down, soon);
  expect(soons).toEqual([7]);
  expect(w.t.due).toBe(1560);
  w.t.expire(1559.9, down, soon);
  expect(soons).toEqual([7]); // once per deadline
  expect(downs).toEqual([]);
  w.t.expire(1560.2, down, soon);
  expect(downs).toEqual([[7, (1 << 2) | SLOT_ARMED, 1560.2]]);
  expect(w.t.size).toBe(0);
  expect(w.t.due).toBe(Infinity);
  expect(w.match(w.packet(), 1570)).toBe(false); // gone: the main thread decides
});

test("a datagram after the deadline, a full ring, a stopped watch: not a repeat, and nothing moves", () => {
  const w = table();
  w.watch(7, 1360);
  expect(w.match(w.packet(), 1360)).toBe(false); // at the deadline: Master_Down wins
  w.setFull(true);
  expect(w.match(w.packet(), 1200)).toBe(false); // the datagram goes the ordinary way
  w.setFull(false);
  const downs: number[] = [];
  w.t.expire(1360, (k) => (downs.push(k), false), () => {}); // the deadline did not move
  expect(downs).toEqual([7]);

  w.watch(8, 2000);
  Atomics.store(w.words, 8, (2 << 2) | SLOT_IDLE); // the main thread's unwatch()
  expect(w.match(w.packet(), 1500)).toBe(false);
  expect(w.t.size).toBe(0); // dropped at once
  w.watch(9, 2000);
  Atomics.store(w.words, 9, (2 << 2) | SLOT_IDLE);
  w.t.expire(3000, (k) => (downs.push(k), false), () => {}); // stopped: no expiry posted either
  expect(downs).toEqual([7]);
});

test("a new watch for the same interface and VRID replaces the old one", () => {
  const w = table();
  w.watch(7, 1360);
  const other = ADVERT.slice();
  other[2] = 150;
  w.watch(8, 1400, { payload: other });
  expect(w.t.size).toBe(1);
  expect(w.match(w.packet(), 1100)).toBe(false);
  expect(w.match(w.packet({ payload: other }), 1100)).toBe(true);
  expect(w.reported.map((r) => r[0])).toEqual([8]);
});

test("repeats share the ring with paced results, in order, and wake the reader as they do", () => {
  const buf = new SharedArrayBuffer(SENT_RING_ENTRIES * SENT_ENTRY_F64 * 8);
  const ctl = new Int32Array(new SharedArrayBuffer(CTL_INTS * 4));
  let wakes = 0;
  const ring = new SentRingWriter(buf, ctl, () => wakes++);
  expect(ring.writeRepeat(3, 5, 100)).toBe(true);
  expect(wakes).toBe(1);
  expect(ring.write(4, 9, 110, 110, 1110, [0])).toBe(true);
  expect(ring.writeRepeat(3, 5, 120)).toBe(true);
  const got: string[] = [];
  drainSentRing(new Float64Array(buf), ctl, (e) => got.push(`sent ${e.key}@${e.at}`), (k, word, rx) => got.push(`repeat ${k}/${word}@${rx}`));
  expect(got).toEqual(["repeat 3/5@100", "sent 4@110", "repeat 3/5@120"]);
  for (let i = 0; i < SENT_RING_ENTRIES; i++) expect(ring.writeRepeat(1, 1, i)).toBe(true);
  expect(ring.writeRepeat(1, 1, 0)).toBe(false); // full
});

test("an expired watch keeps its master's queue headroom until the main thread has handled the expiry", () => {
  // The expiry is posted while the main thread may be stalled, which is when the queue is full.
  // The master's changed adverts that arrive meanwhile are not repeats: if they lost the headroom
  // they were dropped, and the main thread, once free, would find only adverts older than
  // Master_Down and take over from a live master.
  const w = table();
  w.watch(7, 1360);
  const downs: number[] = [];
  w.t.expire(1360, (k) => (downs.push(k), false), () => {});
  expect(downs).toEqual([7]);
  expect(w.t.size).toBe(0); // no live watch: nothing more is posted for it
  expect(w.match(w.packet(), 1300)).toBe(false); // even one that arrived before the deadline: the main thread decides
  expect(w.reported).toEqual([]);
  expect(w.t.fromMaster(INDEX, SRC, 0)).toBe(true);
  expect(w.t.fromMaster(INDEX, Uint8Array.of(10, 99, 0, 3), 0)).toBe(false);
  w.t.expire(9000, (k) => (downs.push(k), false), () => {});
  expect(downs).toEqual([7]); // posted once
  w.t.delete(7); // the main thread's unwatch, once it has handled the expiry
  expect(w.t.fromMaster(INDEX, SRC, 0)).toBe(false);

  w.watch(8, 2000);
  w.t.expire(2000, () => false, () => {});
  const other = ADVERT.slice();
  other[2] = 150;
  w.watch(9, 2500, { payload: other, src: Uint8Array.of(10, 99, 0, 4) }); // a new master: replaces the ended one
  expect(w.t.fromMaster(INDEX, SRC, 0)).toBe(false);
  expect(w.t.fromMaster(INDEX, Uint8Array.of(10, 99, 0, 4), 0)).toBe(true);
  w.t.delete(8); // the old key's unwatch, late: the new watch stays
  expect(w.t.size).toBe(1);
});

test("a watch whose takeover advert left at the deadline is left FIRED: the main thread's unwatch learns that Master_Down came first", () => {
  const w = table();
  const sends = [{ fd: 3 }, { fd: 4 }] as never[];
  w.watch(7, 1360, { takeover: sends });
  let given: readonly unknown[] = [];
  w.t.expire(1360, (_k, _word, _m, takeover) => ((given = takeover), true), () => {});
  expect(given).toBe(sends);
  expect(Atomics.load(w.words, 7)).toBe((1 << 2) | SLOT_FIRED);
  w.watch(8, 1500);
  w.t.expire(1500, () => false, () => {}); // not sent (the main thread had datagrams to handle)
  expect(Atomics.load(w.words, 8)).toBe((1 << 2) | SLOT_ARMED);

  // The main thread's side of the same words.
  const slots = new IoSlots({ toPerfMs: (m) => m, atEvent: (_ms, fn) => fn(), watchEnded: () => {} });
  const words = new Int32Array(slots.buffer);
  const on = { repeat() {}, down() {}, soon() {} };
  const a = slots.addWatch(on);
  Atomics.store(words, a.key, a.word - SLOT_ARMED + SLOT_FIRED); // the io thread's expiry, advert sent
  expect(slots.removeWatch(a.key, () => {})).toBe("fired");
  const b = slots.addWatch(on);
  expect(slots.removeWatch(b.key, () => {})).toBe("stopped");
  expect(slots.removeWatch(b.key, () => {})).toBe(null);
});
