// The journal on disk and the VIP on the interface, in which order: what a crash between the two
// leaves to the next start. Its cleanup (VipSet.cleanupStale) removes every configured VIP found on
// the interface except the first address of its family there, which it keeps as an owner's own
// address unless the journal lists it: such a VIP must be on disk before it is added.
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressSpec, InterfaceAddress } from "../../src/runtime/ports.ts";
import { FileJournal } from "../../src/runtime/journal.ts";
import { VipSet } from "../../src/runtime/vips.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { FakeHost } from "../fakes/ports.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Adds VIP 10.99.0.100/24 on eth0 (with `addresses` already there); what the journal file held at the netlink add. */
function onDiskAtAdd(addresses: InterfaceAddress[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "vigil-journal-order-"));
  dirs.push(dir);
  const clock = new FakeClock();
  const journal = new FileJournal(dir);
  const host = new FakeHost(clock);
  host.addLink("eth0", addresses);
  let seen: string[] | null = null;
  const add = host.add.bind(host);
  host.add = (spec: AddressSpec) => {
    seen = existsSync(journal.path) ? (JSON.parse(readFileSync(journal.path, "utf8")) as { address: string }[]).map((a) => a.address) : [];
    return add(spec);
  };
  const vip = { address: "10.99.0.100", prefixLength: 24, family: 4 as const, pos: { file: "t.conf", line: 1, col: 1 } };
  const vips = new VipSet("VI_1", "eth0", [vip], [], { addresses: host, links: host, journal, logger: { log() {} }, clock });
  expect(vips.addAll()).toEqual([]);
  expect(seen).not.toBeNull();
  return seen!;
}

test("a VIP that becomes the interface's first IPv4 address is in the journal file before the netlink add", () => {
  expect(onDiskAtAdd([{ family: 6, address: "fe80::1", prefixLength: 64 }])).toEqual(["10.99.0.100"]);
});

test("behind the interface's own IPv4 address, the write waits for the end of the task (the cleanup removes such a VIP anyway)", () => {
  expect(onDiskAtAdd([{ family: 4, address: "10.99.0.1", prefixLength: 24 }])).toEqual([]);
});
