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

  onChange(fn: (link: LinkInfo) => void): () => void {
    return this.inner.onChange((l) => {
      this.cache.clear(); // the kernel just told us something changed
      fn(l);
    });
  }
}
