// The paced-result ring on one thread: what it carries, in order, and when it wakes the reader.
import { expect, test } from "bun:test";
import { CTL_INTS, SENT_ENTRY_F64, SENT_RING_ENTRIES } from "../../src/os/linux/rx-protocol.ts";
import { drainSentRing, FLUSH_MS, type SentEntry, SentRingWriter } from "../../src/os/linux/sent-ring.ts";

function ring() {
  const buf = new SharedArrayBuffer(SENT_RING_ENTRIES * SENT_ENTRY_F64 * 8);
  const ctl = new Int32Array(new SharedArrayBuffer(CTL_INTS * 4));
  let wakes = 0;
  const w = new SentRingWriter(buf, ctl, () => wakes++);
  const read = () => {
    const got: SentEntry[] = [];
    drainSentRing(new Float64Array(buf), ctl, (e) => got.push(e));
    return got;
  };
  return { w, read, wakes: () => wakes };
}

test("entries come out as written, in order; a wake-up at most every FLUSH_MS, at once after a failed send", () => {
  const r = ring();
  expect(r.w.write(1, 5, 100, 100.01, 1100, [0])).toBe(true);
  expect(r.wakes()).toBe(1); // the first: at once
  expect(r.w.write(2, 9, 110, 110.02, 1110, [0, 0])).toBe(true);
  expect(r.wakes()).toBe(1); // a wake-up is on its way; the reader re-reads the head
  expect(r.read().map((e) => [e.key, e.word, e.at, e.mono, e.next, e.errnos])).toEqual([
    [1, 5, 100, 100.01, 1100, [0]],
    [2, 9, 110, 110.02, 1110, [0, 0]],
  ]);
  // Empty again, 20 ms after the last wake-up: deferred to last + FLUSH_MS.
  r.w.write(3, 1, 120, 120, 1120, [0]);
  expect(r.wakes()).toBe(1);
  expect(r.w.flushAt).toBe(100.01 + FLUSH_MS);
  r.w.flushIfDue(150);
  expect(r.wakes()).toBe(1);
  r.w.flushIfDue(100.01 + FLUSH_MS);
  expect(r.wakes()).toBe(2);
  expect(r.read().map((e) => e.key)).toEqual([3]);
  // A failed send does not wait.
  r.w.write(4, 1, 130, 130, 1130, [0, 101]);
  expect(r.wakes()).toBe(3);
  expect(r.read()[0]!.errnos).toEqual([0, 101]);
});

test("full, or more packets than an entry holds: refused (the caller posts a message instead)", () => {
  const r = ring();
  expect(r.w.write(1, 1, 0, 0, 0, Array(9).fill(0))).toBe(false);
  let n = 0;
  while (r.w.write(n, 1, n, n, n, [0])) n++;
  expect(n).toBe(SENT_RING_ENTRIES);
  expect(r.read()).toHaveLength(SENT_RING_ENTRIES);
  expect(r.w.write(7, 1, 0, 0, 0, [0])).toBe(true); // room again once read
});
