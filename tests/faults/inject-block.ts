// Preloaded into a vigil run from source (bun --preload) by flood.test.ts: once the file named by
// VIGIL_INJECT_BLOCK exists, the main thread is held busy — a GC pause or a slow synchronous call
// stretched out — until the test creates `<trigger>.release` (at most HOLD_MAX_MS), so the
// receive queue to the main thread fills. The test decides how long: a flood on a loaded machine
// takes longer than on an idle one, and the block must outlast it. Test-only.
import { existsSync, writeFileSync } from "node:fs";

const HOLD_MAX_MS = 30_000; // a test that died before its release does not leave vigil stuck

const trigger = process.env.VIGIL_INJECT_BLOCK;
if (trigger) {
  const poll = setInterval(() => {
    if (!existsSync(trigger)) return;
    clearInterval(poll);
    writeFileSync(`${trigger}.blocking`, "");
    const until = performance.now() + HOLD_MAX_MS;
    while (performance.now() < until && !existsSync(`${trigger}.release`)) {
      // busy: nothing on the main thread runs meanwhile
    }
  }, 20);
  poll.unref();
}
