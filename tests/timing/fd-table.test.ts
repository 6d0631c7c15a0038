// The seqlock'd socket table between rx.ts and the io thread, on one thread: what one side writes
// the other reads whole, with the generation that tells the io thread to re-read.
import { expect, test } from "bun:test";
import { publishFdTable, readFdTable } from "../../src/os/linux/fd-table.ts";
import { CTL_INTS } from "../../src/os/linux/rx-protocol.ts";

test("a published table reads back whole; each publish moves the generation by two (even: stable)", () => {
  const ctl = new Int32Array(new SharedArrayBuffer(CTL_INTS * 4));
  publishFdTable(ctl, [[7, "vrrp4"], [9, "netlink"], [12, "vrrp6"]]);
  const a = readFdTable(ctl);
  expect(a).toEqual({ gen: 2, fds: [7, 9, 12], kinds: ["vrrp4", "netlink", "vrrp6"] });
  publishFdTable(ctl, [[9, "netlink"]]); // a socket removed: the shorter table, not a tail of the old one
  expect(readFdTable(ctl)).toEqual({ gen: 4, fds: [9], kinds: ["netlink"] });
});
