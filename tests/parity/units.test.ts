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
  const links = new Map<string, number>();
  const lls = new Map<number, string>();
  const boom = (k: keyof VmacOs) => {
    if (fail[k]) throw Object.assign(new Error(fail[k]), { code: fail[k] });
  };
  let next = 9;
  const os: VmacOs = {
    create: (n, _p, _m, ifindex) => (boom("create"), links.set(n, ifindex ?? next++), links.get(n)!),
    describe: (n) => (links.has(n) ? { index: links.get(n)!, mac: new Uint8Array(6), kind: "macvlan", parent: 2 } : undefined),
    up: () => boom("up"),
    remove: (n) => (boom("remove"), links.delete(n)),
    linkLocal: (i) => (i === 2 ? "fe80::99:ff:fe00:1" : undefined),
    addLinkLocal: (i, a) => (boom("addLinkLocal"), void lls.set(i, a)),
    readSysctl: (p) => sys.get(p) ?? (p.includes("vrrp.51") ? "0" : null),
    writeSysctl: (p, v) => void sys.set(p, v),
  };
  return { os, sys, links, lls };
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

test("VmacManager: an IPv6 VMAC that sends gets the base's link-local; with vmac_xmit_base it gets none", () => {
  const { os, lls } = fakeOs();
  const m = new VmacManager(os, new MemoryJournal(), logger, new ErrorCounts());
  const v6 = { family: 6 as const, virtualIps: [{ address: "2001:db8::100", prefixLength: 64, family: 6 as const, pos }] };
  const v = m.acquire(inst({ ...v6, useVmac: "vrrp.51" }), { name: "eth0", index: 2 });
  if (typeof v === "string") throw new Error(v);
  expect(macText(v.mac)).toBe("00:00:5e:00:02:33");
  expect(lls.get(v.ifindex)).toBe("fe80::99:ff:fe00:1");
  const b = m.acquire(inst({ ...v6, vrid: 52, useVmac: "vrrp.52", vmacXmitBase: true }), { name: "eth0", index: 2 });
  if (typeof b === "string") throw new Error(b);
  expect(lls.has(b.ifindex)).toBe(false);
  // A base without a link-local: no VMAC that could send (the instance waits in Fault).
  expect(typeof m.acquire(inst({ ...v6, vrid: 53, useVmac: "vrrp.53" }), { name: "eth1", index: 3 })).toBe("string");
});

test("VmacManager: use_vmac NAME MAC gives the macvlan that MAC", () => {
  const { os } = fakeOs();
  const v = new VmacManager(os, new MemoryJournal(), logger, new ErrorCounts()).acquire(inst({ useVmac: "vrrp51", vmacAddress: "02:11:22:33:44:33" }), {
    name: "eth0",
    index: 2,
  });
  if (typeof v === "string") throw new Error(v);
  expect(macText(v.mac)).toBe("02:11:22:33:44:33");
});

test("VmacManager.recreate: the same name, MAC and ifindex again; a stale event or an unknown name is unchanged", () => {
  const { os, links } = fakeOs();
  const j = new MemoryJournal();
  const m = new VmacManager(os, j, logger, new ErrorCounts());
  const v = m.acquire(inst({ useVmac: "vrrp.51" }), { name: "eth0", index: 2 });
  if (typeof v === "string") throw new Error(v);
  expect(m.recreate("vrrp.51", v.ifindex)).toBe("unchanged"); // its creation's event: still there
  links.delete("vrrp.51"); // `ip link del vrrp.51`
  expect(m.recreate("vrrp.51", v.ifindex + 1)).toBe("unchanged"); // an older vrrp.51's event
  expect(m.recreate("vrrp.99", v.ifindex)).toBe("unchanged");
  expect(m.recreate("vrrp.51", v.ifindex)).toBe("restored");
  expect(links.get("vrrp.51")).toBe(v.ifindex);
  expect(j.entries().some((e) => e.kind === "vmac" && e.ifname === "vrrp.51")).toBe(true);
  m.release(v);
  expect(links.has("vrrp.51")).toBe(false);
  expect(m.recreate("vrrp.51", v.ifindex)).toBe("unchanged"); // released: its own removal is no deletion
});

test("VmacManager.recreate: a failed create is 'failed' (the daemon restarts the instance), counted, no record left", () => {
  const fail: Partial<Record<keyof VmacOs, string>> = {};
  const { os, links } = fakeOs(fail);
  const j = new MemoryJournal();
  const errors = new ErrorCounts();
  const m = new VmacManager(os, j, logger, errors);
  const v = m.acquire(inst({ useVmac: "vrrp.51" }), { name: "eth0", index: 2 });
  if (typeof v === "string") throw new Error(v);
  links.delete("vrrp.51");
  fail.create = "ENODEV"; // the base went with it
  expect(m.recreate("vrrp.51", v.ifindex)).toBe("failed");
  expect(errors.byLabel("netlink")).toEqual([["vmac-add/ENODEV", 1]]);
  expect(j.entries().some((e) => e.kind === "vmac")).toBe(false);
});
