// Preloaded into a vigil run from source (bun --preload) by io-thread.test.ts: each time the file
// named by VIGIL_BLOCK_MAIN appears, the main thread is blocked synchronously for VIGIL_BLOCK_MS
// (default 200 ms) — as a long GC pause or a slow task would — between two UDP marker datagrams to
// VIGIL_BLOCK_MARK (ip:port), sent synchronously so a capture shows exactly where the block was.
// Not part of vigil; it only exists in the test's process.
import { existsSync, rmSync } from "node:fs";
import * as C from "../../src/os/linux/consts.ts";
import { libc } from "../../src/os/linux/libc.ts";
import { parseAddress } from "../../src/os/linux/inet.ts";
import { alloc, sockaddrIn } from "../../src/os/linux/structs.ts";

const trigger = process.env.VIGIL_BLOCK_MAIN;
const ms = Number(process.env.VIGIL_BLOCK_MS ?? 200);
const [ip, port] = (process.env.VIGIL_BLOCK_MARK ?? "10.99.0.3:9").split(":");
if (trigger) {
  const fd = libc.socket(C.AF_INET, C.SOCK_DGRAM | C.SOCK_CLOEXEC, 0);
  const to = sockaddrIn(parseAddress(4, ip!), Number(port));
  const mark = (text: string) => {
    const b = alloc(text.length);
    b.set(Buffer.from(text));
    libc.sendto(fd, b, b.byteLength, 0, to, to.byteLength);
  };
  const poll = setInterval(() => {
    if (!existsSync(trigger)) return;
    rmSync(trigger, { force: true });
    mark("block-start");
    const until = performance.now() + ms;
    while (performance.now() < until);
    mark("block-end");
  }, 20);
  poll.unref();
}
