// LinkCache: one kernel read per burst of work, the last good view on a failed read, and the
// ifindex kept across tasks while link events can invalidate it (the takeover path's VIP add).
import { expect, test } from "bun:test";
import { LinkCache } from "../../src/runtime/link-cache.ts";
import type { LinkInfo, LinkWatcher } from "../../src/runtime/ports.ts";

class CountingLinks implements LinkWatcher {
  reads = 0;
  fail = false;
  links = new Map<string, LinkInfo>();
  private listeners: ((l: LinkInfo) => void)[] = [];
  link(name: string): LinkInfo | undefined {
    this.reads++;
    if (this.fail) throw Object.assign(new Error("timeout"), { code: "ETIMEDOUT" });
    return this.links.get(name);
  }
  onChange(fn: (l: LinkInfo) => void): () => void {
    this.listeners.push(fn);
    return () => (this.listeners = this.listeners.filter((f) => f !== fn));
  }
  set(name: string, index: number): void {
    const l: LinkInfo = { name, index, up: true, mac: new Uint8Array(6), addresses: [] } as unknown as LinkInfo;
    this.links.set(name, l);
    for (const fn of this.listeners) fn(l);
  }
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

test("index(): read once, then answered without the kernel until a link event", async () => {
  const inner = new CountingLinks();
  inner.set("eth0", 2);
  const cache = new LinkCache(inner);
  cache.onChange(() => {});
  expect(cache.index("eth0")).toBe(2);
  await tick();
  expect(cache.index("eth0")).toBe(2);
  expect(inner.reads).toBe(1);
  inner.set("eth0", 7); // deleted and re-created: a new index, announced by an event
  expect(cache.index("eth0")).toBe(7);
  expect(inner.reads).toBe(2);
});

test("index(): warmed by any link() read (start-up resolves every interface before a takeover)", async () => {
  const inner = new CountingLinks();
  inner.set("eth0", 2);
  const cache = new LinkCache(inner);
  cache.onChange(() => {});
  expect(cache.link("eth0")?.index).toBe(2);
  await tick();
  expect(cache.index("eth0")).toBe(2);
  expect(inner.reads).toBe(1);
});

test("index(): without a subscribed watcher nothing tells it of changes, so every task reads again", async () => {
  const inner = new CountingLinks();
  inner.set("eth0", 2);
  const cache = new LinkCache(inner);
  expect(cache.index("eth0")).toBe(2);
  await tick();
  inner.links.set("eth0", { ...inner.links.get("eth0")!, index: 9 });
  expect(cache.index("eth0")).toBe(9);
  expect(inner.reads).toBe(2);
});

test("index(): a missing interface is not remembered; unsubscribing drops the map", async () => {
  const inner = new CountingLinks();
  const cache = new LinkCache(inner);
  const off = cache.onChange(() => {});
  expect(cache.index("eth1")).toBeUndefined();
  await tick();
  inner.links.set("eth1", { name: "eth1", index: 4 } as unknown as LinkInfo); // appeared, event not yet seen
  expect(cache.index("eth1")).toBe(4);
  off();
  await tick();
  inner.links.set("eth1", { name: "eth1", index: 5 } as unknown as LinkInfo);
  expect(cache.index("eth1")).toBe(5);
});

test("link(): a failed read answers with the last good view", () => {
  const inner = new CountingLinks();
  inner.set("eth0", 2);
  const cache = new LinkCache(inner);
  expect(cache.link("eth0")?.index).toBe(2);
  return tick().then(() => {
    inner.fail = true;
    expect(cache.link("eth0")?.index).toBe(2);
  });
});
