// One kernel read per interface per burst of work: a link event or a transition of 255
// instances asks for the same interface hundreds of times within one task. Entries live until
// the current task's microtasks have run, so nothing stale survives into the next event.
import type { LinkInfo, LinkWatcher } from "./ports.ts";

export class LinkCache implements LinkWatcher {
  private readonly cache = new Map<string, LinkInfo | undefined>();
  private clearScheduled = false;

  constructor(private readonly inner: LinkWatcher) {}

  link(name: string): LinkInfo | undefined {
    if (this.cache.has(name)) return this.cache.get(name);
    const l = this.inner.link(name);
    this.cache.set(name, l);
    if (!this.clearScheduled) {
      this.clearScheduled = true;
      queueMicrotask(() => {
        this.cache.clear();
        this.clearScheduled = false;
      });
    }
    return l;
  }

  onChange(fn: (link: LinkInfo) => void): () => void {
    return this.inner.onChange((l) => {
      this.cache.clear(); // the kernel just told us something changed
      fn(l);
    });
  }
}
