// The io thread's socket table in the control block (rx-protocol.ts), guarded by a seqlock: the
// main thread writes it, the io thread re-reads it synchronously when the generation moved,
// without waiting for its event loop.
import { CODE_KIND, CTL_COUNT, CTL_ENTRIES, CTL_GEN, KIND_CODE, type RxKind } from "./rx-protocol.ts";

/** The main thread's side: (fd, kind) pairs, at most MAX_FDS. */
export function publishFdTable(ctl: Int32Array, entries: readonly (readonly [number, RxKind])[]): void {
  Atomics.add(ctl, CTL_GEN, 1); // odd: writing
  for (let i = 0; i < entries.length; i++) {
    Atomics.store(ctl, CTL_ENTRIES + 2 * i, entries[i]![0]);
    Atomics.store(ctl, CTL_ENTRIES + 2 * i + 1, KIND_CODE[entries[i]![1]]);
  }
  Atomics.store(ctl, CTL_COUNT, entries.length);
  Atomics.add(ctl, CTL_GEN, 1); // even: stable
}

/** The io thread's side: a consistent copy, and the generation it belongs to. */
export function readFdTable(ctl: Int32Array): { gen: number; fds: number[]; kinds: RxKind[] } {
  for (;;) {
    const gen = Atomics.load(ctl, CTL_GEN);
    if (gen & 1) continue; // writer in progress (a few stores; spin)
    const n = Atomics.load(ctl, CTL_COUNT);
    const fds: number[] = [];
    const kinds: RxKind[] = [];
    for (let i = 0; i < n; i++) {
      fds.push(Atomics.load(ctl, CTL_ENTRIES + 2 * i));
      kinds.push(CODE_KIND[Atomics.load(ctl, CTL_ENTRIES + 2 * i + 1)] ?? "netlink");
    }
    if (Atomics.load(ctl, CTL_GEN) === gen) return { gen, fds, kinds };
  }
}
