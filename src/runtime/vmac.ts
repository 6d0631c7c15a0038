// keepalived `use_vmac`: each instance that asks gets a macvlan (mode private) on its interface with
// the VRRP virtual MAC (RFC 5798 §7.3: 00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6).
// The VIPs live on it, so the MAC clients learn for a VIP is the same on every router and a
// failover needs no ARP change. As keepalived (vrrp_if_config.c):
//   on the VMAC:  arp_ignore=1, and for IPv4 accept_local=1, rp_filter=0, promote_secondaries=1;
//                 IPv6 addr_gen_mode=1 (none) before it goes up (no link-local from the shared MAC);
//   on the base:  arp_ignore=1 and arp_filter=1 (and arp_announce=2, see BASE_SYSCTLS) while any VMAC of an IPv4 instance sits on it, so the
//                 base interface does not answer ARP for the VIP with its own MAC; the values found
//                 are restored when the last such VMAC goes.
// Everything created or changed is recorded in the journal first, so a start after SIGKILL removes
// the macvlans and restores the sysctls a killed run left. Nothing here throws: every failure is
// logged and counted (vigil_netlink_errors_total{op,errno}); a VMAC that cannot be made keeps the
// instance in Fault (the daemon's pending state), so the backup holds the VIP.
import type { InstanceConfig } from "../config/schema.ts";
import type { Family } from "../protocol/types.ts";
import { errnoOf, ErrorCounts } from "./error-counts.ts";
import type { AddressJournal, OwnedAddress } from "./journal.ts";
import type { Logger } from "./ports.ts";

/** What the OS does for VMACs (Linux: src/os/linux/vmac.ts). Every method may throw (OsError). */
export interface VmacOs {
  /** Creates a private-mode macvlan, down; returns its ifindex. */
  create(name: string, parentIndex: number, mac: Uint8Array): number;
  /** The link of that name, if any (kind "macvlan" for a macvlan). */
  describe(name: string): { index: number; mac: Uint8Array; kind?: string; parent?: number } | undefined;
  up(index: number): void;
  /** false when it was not there. */
  remove(name: string): boolean;
  /** Path under /proc/sys; null when it cannot be read. */
  readSysctl(path: string): string | null;
  writeSysctl(path: string, value: string): void;
}

/** The VMAC an instance runs on. */
export interface VmacLink {
  name: string;
  ifindex: number;
  mac: Uint8Array;
  /** Created by vigil (removed at stop); false: it was there already with the right MAC (adopted). */
  owned: boolean;
  base: string;
  family: Family;
}

export function virtualMac(vrid: number, family: Family): Uint8Array {
  return new Uint8Array([0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid & 0xff]);
}

export const macText = (m: Uint8Array) => [...m].map((b) => b.toString(16).padStart(2, "0")).join(":");

/**
 * arp_announce=2 goes beyond keepalived: a reply from the VIP routed out of the base interface
 * (its connected route comes first) would otherwise ARP with sender = VIP and the base MAC, and
 * every neighbour that hears it re-learns the VIP at the base MAC, undoing the VMAC (measured).
 */
const BASE_SYSCTLS = ["arp_ignore", "arp_filter", "arp_announce"];
const BASE_VALUES: Record<string, string> = { arp_ignore: "1", arp_filter: "1", arp_announce: "2" };

export class VmacManager {
  /** IPv4 VMACs per base interface: its arp_ignore/arp_filter are restored when the count drops to 0. */
  private readonly baseRefs = new Map<string, number>();

  constructor(
    private readonly os: VmacOs | undefined,
    private readonly journal: AddressJournal,
    private readonly logger: Logger,
    private readonly errors: ErrorCounts,
  ) {}

  /** At start: remove the macvlans and restore the sysctls that an earlier run (SIGKILLed) left. */
  cleanupStale(): void {
    if (!this.os) return;
    const left = this.journal.entries();
    const removed: string[] = [];
    for (const e of left.filter((x) => x.kind === "vmac")) {
      try {
        if (this.os.remove(e.ifname)) removed.push(e.ifname);
        this.journal.forget(e);
      } catch (err) {
        this.failed("vmac-del", e.ifname, err);
      }
    }
    const restored: string[] = [];
    for (const e of left.filter((x) => x.kind === "sysctl")) {
      try {
        if (e.value !== undefined && this.os.readSysctl(e.address) !== null) this.os.writeSysctl(e.address, e.value);
        restored.push(`${e.address}=${e.value}`);
        this.journal.forget(e);
      } catch (err) {
        this.failed("sysctl", e.address, err);
      }
    }
    if (removed.length > 0 || restored.length > 0) {
      this.logger.log("warn", "removed stale VMAC interfaces / restored sysctls left by an earlier run", {
        interfaces: removed.join(","),
        sysctls: restored.join(","),
      });
    }
  }

  /** Creates (or adopts) the VMAC of `cfg` on its base interface; a string says why it cannot. */
  acquire(cfg: InstanceConfig, base: { name: string; index: number }): VmacLink | string {
    const name = cfg.useVmac!;
    const mac = virtualMac(cfg.vrid, cfg.family);
    if (!this.os) return "use_vmac is not supported on this platform";
    const record: OwnedAddress = { kind: "vmac", ifname: name, parent: base.name, family: cfg.family, address: "macvlan", prefixLength: 0 };
    let owned = true;
    let ifindex: number;
    try {
      const existing = this.os.describe(name);
      if (existing) {
        const ours = this.journal.has(record);
        const same = existing.kind === "macvlan" && existing.parent === base.index && macText(existing.mac) === macText(mac);
        if (ours) this.os.remove(name);
        else if (!same) return `interface ${name} exists and is not the VMAC ${macText(mac)} on ${base.name}; remove it or name another in use_vmac`;
        else owned = false;
      }
      if (owned) {
        this.journal.record(record); // before creating: a crash in between leaves a harmless record
        ifindex = this.os.create(name, base.index, mac);
      } else {
        ifindex = existing!.index;
      }
    } catch (e) {
      this.failed("vmac-add", name, e);
      if (owned) this.journal.forget(record);
      return `cannot create ${name} (macvlan ${macText(mac)} on ${base.name}): ${e instanceof Error ? e.message : String(e)}`;
    }
    const link: VmacLink = { name, ifindex, mac, owned, base: base.name, family: cfg.family };
    // Before up: no IPv6 link-local from the shared MAC (and no DAD/RS frames that carry it).
    this.setSysctl(`net/ipv6/conf/${name}/addr_gen_mode`, "1", false);
    this.setSysctl(`net/ipv4/conf/${name}/arp_ignore`, "1", false);
    if (cfg.family === 4) {
      this.setSysctl(`net/ipv4/conf/${name}/accept_local`, "1", false);
      this.setSysctl(`net/ipv4/conf/${name}/rp_filter`, "0", false);
      this.setSysctl(`net/ipv4/conf/${name}/promote_secondaries`, "1", false);
      this.holdBase(base.name);
    }
    try {
      this.os.up(ifindex);
    } catch (e) {
      this.failed("vmac-up", name, e);
      this.release(link);
      return `cannot set ${name} up: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.logger.log("info", `${cfg.name}: VMAC ${name} (${macText(mac)}) on ${base.name}${owned ? "" : " (already there; adopted)"}`, {
      instance: cfg.name,
      interface: name,
    });
    return link;
  }

  /** The instance stopped: remove its VMAC (if vigil made it) and restore the base's sysctls. Never throws. */
  release(link: VmacLink): void {
    if (!this.os) return;
    const record: OwnedAddress = { kind: "vmac", ifname: link.name, parent: link.base, family: link.family, address: "macvlan", prefixLength: 0 };
    if (link.owned) {
      try {
        this.os.remove(link.name); // its addresses go with it
        this.journal.forget(record);
      } catch (e) {
        // The record stays: the next start removes it.
        this.failed("vmac-del", link.name, e);
      }
    }
    if (link.family === 4) this.dropBase(link.base);
  }

  private holdBase(base: string): void {
    const n = this.baseRefs.get(base) ?? 0;
    this.baseRefs.set(base, n + 1);
    if (n > 0) return;
    for (const k of BASE_SYSCTLS) this.setSysctl(`net/ipv4/conf/${base}/${k}`, BASE_VALUES[k]!, true);
  }

  private dropBase(base: string): void {
    const n = (this.baseRefs.get(base) ?? 0) - 1;
    if (n > 0) return void this.baseRefs.set(base, n);
    this.baseRefs.delete(base);
    for (const k of BASE_SYSCTLS) {
      const path = `net/ipv4/conf/${base}/${k}`;
      const rec = this.journal.entries().find((e) => e.kind === "sysctl" && e.address === path);
      if (!rec) continue;
      try {
        if (rec.value !== undefined) this.os!.writeSysctl(path, rec.value);
        this.journal.forget(rec);
      } catch (e) {
        this.failed("sysctl", path, e);
      }
    }
  }

  /** Sets a sysctl; with `restore`, the value found is journaled first (and put back by dropBase). */
  private setSysctl(path: string, value: string, restore: boolean): void {
    try {
      const old = this.os!.readSysctl(path);
      if (old === value || old === null) return; // null: not in this kernel (IPv6 off, …)
      if (restore && old !== null) {
        const rec: OwnedAddress = { kind: "sysctl", ifname: "", address: path, value: old, family: 4, prefixLength: 0 };
        if (!this.journal.has(rec)) this.journal.record(rec);
      }
      this.os!.writeSysctl(path, value);
    } catch (e) {
      this.failed("sysctl", path, e);
    }
  }

  private failed(op: string, what: string, e: unknown): void {
    this.errors.bump("netlink", `${op}/${errnoOf(e)}`);
    this.logger.log("error", `${op} failed`, { target: what, error: e instanceof Error ? e.message : String(e) });
  }
}
