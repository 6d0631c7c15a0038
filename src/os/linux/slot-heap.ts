// The io thread's paced-advert schedules ordered by their next deadline: a binary min-heap, so a
// wake-up costs O(log n) for the schedules that are due instead of a pass over all of them
// (255 masters at 1 s: 255 wake-ups a second, each looking at every schedule, cost more than the
// sends). Removal is lazy: a removed schedule is dropped when it reaches the top.

export interface HeapSlot {
  key: number;
  next: number;
  /** Set when removed (or replaced by a newer schedule under the same key). */
  dead?: boolean;
}

export class SlotHeap<S extends HeapSlot> {
  private readonly items: S[] = [];
  private readonly byKey = new Map<number, S>();

  get size(): number {
    return this.byKey.size;
  }

  /** Adds a schedule; one already under that key is replaced. */
  set(s: S): void {
    const old = this.byKey.get(s.key);
    if (old) old.dead = true;
    this.byKey.set(s.key, s);
    this.items.push(s);
    this.up(this.items.length - 1);
  }

  delete(key: number): void {
    const s = this.byKey.get(key);
    if (!s) return;
    s.dead = true;
    this.byKey.delete(key);
  }

  /** Earliest deadline of a live schedule (Infinity: none). */
  peekNext(): number {
    this.dropDead();
    return this.items.length > 0 ? this.items[0]!.next : Infinity;
  }

  /** The earliest live schedule if due at `now`, else null. After changing its `next`, call resort(). */
  due(now: number): S | null {
    this.dropDead();
    const top = this.items[0];
    return top !== undefined && top.next <= now ? top : null;
  }

  /** The top's deadline moved later: restore the order. */
  resort(): void {
    if (this.items.length > 0) this.down(0);
  }

  private dropDead(): void {
    while (this.items.length > 0 && this.items[0]!.dead) this.pop();
  }

  private pop(): void {
    const last = this.items.pop()!;
    if (this.items.length === 0) return;
    this.items[0] = last;
    this.down(0);
  }

  private up(i: number): void {
    const a = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.next <= a[i]!.next) return;
      const t = a[p]!;
      a[p] = a[i]!;
      a[i] = t;
      i = p;
    }
  }

  private down(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]!.next < a[m]!.next) m = l;
      if (r < a.length && a[r]!.next < a[m]!.next) m = r;
      if (m === i) return;
      const t = a[m]!;
      a[m] = a[i]!;
      a[i] = t;
      i = m;
    }
  }
}
