// Preloaded into a vigil run from source (bun --preload) by last-resort.test.ts: once the file
// named by VIGIL_INJECT_THROW exists, a timer callback throws — an error nothing in vigil handles,
// exactly like a bug would. Not part of vigil; it only exists in the test's process.
import { existsSync } from "node:fs";

const trigger = process.env.VIGIL_INJECT_THROW;
if (trigger) {
  const poll = setInterval(() => {
    if (!existsSync(trigger)) return;
    clearInterval(poll);
    setTimeout(() => {
      throw new Error("injected fault: a bug in a timer callback");
    }, 0);
  }, 20);
  poll.unref();
}
