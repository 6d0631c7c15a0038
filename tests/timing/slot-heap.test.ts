// The io thread's deadline heap against a sorted-list model: random adds, replacements, removals
// and sends (deadline moved on) in a seeded sequence; the due order must match the model's.
import { expect, test } from "bun:test";
import { SlotHeap } from "../../src/os/linux/slot-heap.ts";

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

test("due() yields the live schedules in deadline order, through replacements and removals", () => {
  const r = rng(7);
  const heap = new SlotHeap<{ key: number; next: number; dead?: boolean }>();
  const model = new Map<number, number>(); // key → next
  let now = 0;
  for (let step = 0; step < 20_000; step++) {
    const op = r();
    const key = Math.floor(r() * 64);
    if (op < 0.3) {
      const next = now + r() * 100;
      heap.set({ key, next });
      model.set(key, next);
    } else if (op < 0.4) {
      heap.delete(key);
      model.delete(key);
    } else {
      now += r() * 10;
      for (let s = heap.due(now); s !== null; s = heap.due(now)) {
        const earliest = Math.min(...model.values());
        expect(s.next).toBe(earliest);
        expect(model.get(s.key)).toBe(s.next);
        s.next = now + 1 + r() * 100; // sent: its next deadline
        model.set(s.key, s.next);
        heap.resort();
      }
      const live = [...model.values()];
      expect(heap.peekNext()).toBe(live.length ? Math.min(...live) : Infinity);
      expect(heap.size).toBe(model.size);
    }
  }
});
