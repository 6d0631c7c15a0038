// The pure parts of use_vmac and accept mode: the rtnetlink request, the nft ruleset, and the
// VmacManager's bookkeeping (journal, sysctl restore, errors counted, never thrown) over a fake OS.
import { expect, test } from "bun:test";
import { acceptRuleset } from "../../src/runtime/accept.ts";
import { ErrorCounts } from "../../src/runtime/error-counts.ts";
import { MemoryJournal } from "../../src/runtime/journal.ts";
import { macText, virtualMac, VmacManager, type VmacOs } from "../../src/runtime/vmac.ts";
import { linkKind, macvlanMessage } from "../../src/os/linux/vmac.ts";
import type { InstanceConfig } from "../../src/config/schema.ts";

const pos = { file: "t.conf", line: 1, col: 1 };
const inst = (o: Partial<InstanceConfig>): InstanceConfig =>
  ({
    name: "VI_1",
    interface: "eth0",
    vrid: 51,
    priority: 100,
    family: 4,
    accept: true,
    virtualIps: [{ address: "10.99.0.100", prefixLength: 24, family: 4, pos }],
    excludedVips: [],
    ...o,
  }) as InstanceConfig;

test("virtual MACs: 00:00:5e:00:01:VRID (IPv4), 00:00:5e:00:02:VRID (IPv6)", () => {
  expect(macText(virtualMac(51, 4))).toBe("00:00:5e:00:01:33");
  expect(macText(virtualMac(255, 6))).toBe("00:00:5e:00:02:ff");
});

test("RTM_NEWLINK macvlan: IFLA_LINKINFO carries kind macvlan, IFLA_LINK the parent", () => {
  const bytes = macvlanMessage("vrrp.51", 7, virtualMac(51, 4)).encode(1);
  expect(linkKind(bytes.subarray(16))).toEqual({ kind: "macvlan", parent: 7 });
});

test("nft ruleset: only non-owners without accept; none needed, none made", () => {
  expect(acceptRuleset([inst({})])).toBeNull();
  expect(acceptRuleset([inst({ accept: false, priority: 255 })])).toBeNull();
  const r = acceptRuleset([inst({ accept: false }), inst({ accept: false, virtualIps: [{ address: "fe80::1", prefixLength: 64, family: 6, pos }] })])!;
  expect(r).toContain("elements = { 10.99.0.100 }");
  expect(r).toContain("elements = { fe80::1 }");
  expect(r.startsWith("table inet vigil\ndelete table inet vigil\n")).toBe(true);
});

function fakeOs(fail: Partial<Record<keyof VmacOs, string>> = {}) {
  const sys = new Map<string, string>([["net/ipv4/conf/eth0/arp_ignore", "0"], ["net/ipv4/conf/eth0/arp_filter", "0"], [
    "net/ipv4/conf/eth0/arp_announce",
    "0",
  ]]);
  const links = new Set<string>();
  const boom = (k: keyof VmacOs) => {
    if (fail[k]) throw Object.assign(new Error(fail[k]), { code: fail[k] });
  };
  const os: VmacOs = {
    create: (n) => (boom("create"), links.add(n), 9),
    describe: () => undefined,
    up: () => boom("up"),
    remove: (n) => (boom("remove"), links.delete(n)),
    readSysctl: (p) => sys.get(p) ?? (p.includes("vrrp.51") ? "0" : null),
    writeSysctl: (p, v) => void sys.set(p, v),
  };
  return { os, sys, links };
}
const logger = { log() {} };

test("VmacManager: base sysctls set and restored; the macvlan journaled until removed", () => {
  const { os, sys, links } = fakeOs();
  const j = new MemoryJournal();
  const m = new VmacManager(os, j, logger, new ErrorCounts());
  const v = m.acquire(inst({ useVmac: "vrrp.51" }), { name: "eth0", index: 2 });
  if (typeof v === "string") throw new Error(v);
  expect(links.has("vrrp.51")).toBe(true);
  expect([sys.get("net/ipv4/conf/eth0/arp_ignore"), sys.get("net/ipv4/conf/eth0/arp_announce")]).toEqual(["1", "2"]);
  expect(j.entries().map((e) => e.kind).sort()).toEqual(["sysctl", "sysctl", "sysctl", "vmac"]);
  m.release(v);
  expect(links.has("vrrp.51")).toBe(false);
  expect(sys.get("net/ipv4/conf/eth0/arp_ignore")).toBe("0");
  expect(j.entries()).toEqual([]);
});

test("VmacManager: a failed create is counted, not thrown, and leaves no record", () => {
  const { os } = fakeOs({ create: "EPERM" });
  const j = new MemoryJournal();
  const errors = new ErrorCounts();
  const r = new VmacManager(os, j, logger, errors).acquire(inst({ useVmac: "vrrp.51" }), { name: "eth0", index: 2 });
  expect(typeof r).toBe("string");
  expect(errors.byLabel("netlink")).toEqual([["vmac-add/EPERM", 1]]);
  expect(j.entries()).toEqual([]);
});

test("VmacManager: a failed remove keeps the record for the next start's cleanup", () => {
  const { os } = fakeOs({ remove: "EBUSY" });
  const j = new MemoryJournal();
  const m = new VmacManager(os, j, logger, new ErrorCounts());
  const v = m.acquire(inst({ useVmac: "vrrp.51" }), { name: "eth0", index: 2 });
  if (typeof v === "string") throw new Error(v);
  m.release(v);
  expect(j.entries().some((e) => e.kind === "vmac" && e.ifname === "vrrp.51")).toBe(true);
});
