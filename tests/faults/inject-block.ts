// Preloaded into a vigil run from source (bun --preload) by flood.test.ts: once the file named by
// VIGIL_INJECT_BLOCK exists, the main thread is held busy for 1.5 s — a GC pause or a slow
// synchronous call stretched out — so the receive queue to the main thread fills. Test-only.
import { existsSync, writeFileSync } from "node:fs";

const trigger = process.env.VIGIL_INJECT_BLOCK;
if (trigger) {
  const poll = setInterval(() => {
    if (!existsSync(trigger)) return;
    clearInterval(poll);
    writeFileSync(`${trigger}.blocking`, "");
    const until = performance.now() + 1500;
    while (performance.now() < until) {
      // busy: nothing on the main thread runs meanwhile
    }
  }, 20);
  poll.unref();
}
