// One kernel read per interface per burst of work: a link event or a transition of 255
// instances asks for the same interface hundreds of times within one task. Entries live until
// the current task's microtasks have run, so nothing stale survives into the next event.
//
// A look-up that fails (RTM_GETLINK timing out while the routing lock is busy) answers with the
// last view that succeeded, counted as a netlink error: a transient kernel stall must not read as
// "interface gone" and fault an instance, nor escape as an exception.
import { errnoOf, ErrorCounts } from "./error-counts.ts";
import type { LinkInfo, LinkWatcher } from "./ports.ts";

export class LinkCache implements LinkWatcher {
  private readonly cache = new Map<string, LinkInfo | undefined>();
  private clearScheduled = false;

  private readonly lastKnown = new Map<string, LinkInfo | undefined>();
  /**
   * name → ifindex across tasks, for the takeover path (a VIP add needs the index only): valid
   * while the link watcher is subscribed, since any creation, removal or rename of a link arrives
   * as an event that clears it. Spares an RTM_GETLINK + RTM_GETADDR dump (~0.5 ms) per takeover.
   */
  private readonly indexes = new Map<string, number>();
  private subscribers = 0;

  constructor(
    private readonly inner: LinkWatcher,
    private readonly errors: ErrorCounts = new ErrorCounts(),
  ) {}

  link(name: string): LinkInfo | undefined {
    if (this.cache.has(name)) return this.cache.get(name);
    let l: LinkInfo | undefined;
    try {
      l = this.inner.link(name);
      this.lastKnown.set(name, l);
      if (l && this.subscribers > 0) this.indexes.set(name, l.index); // warm for the next takeover
    } catch (e) {
      this.errors.bump("netlink", `link-get/${errnoOf(e)}`);
      l = this.lastKnown.get(name);
    }
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

  /** The interface's index, from the long-lived map when a link event would have cleared it. */
  index(name: string): number | undefined {
    const known = this.subscribers > 0 ? this.indexes.get(name) : undefined;
    if (known !== undefined) return known;
    const l = this.link(name);
    if (l && this.subscribers > 0) this.indexes.set(name, l.index);
    return l?.index;
  }

  onChange(fn: (link: LinkInfo) => void): () => void {
    this.subscribers++;
    const off = this.inner.onChange((l) => {
      this.cache.clear(); // the kernel just told us something changed
      this.indexes.clear();
      fn(l);
    });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.subscribers--;
      this.indexes.clear();
      off();
    };
  }
}
