// keepalived `use_vmac`: each instance that asks gets a macvlan (mode private) on its interface with
// the VRRP virtual MAC (RFC 5798 §7.3: 00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6),
// or the MAC given after the name (`use_vmac NAME MAC`, as keepalived 2.2.7).
// The VIPs live on it, so the MAC clients learn for a VIP is the same on every router and a
// failover needs no ARP change. As keepalived 2.2.7 does (observed in namespaces):
//   on the VMAC:  arp_ignore=1, and for IPv4 accept_local=1, rp_filter=0, promote_secondaries=1
//                 (and drop_gratuitous_arp=1, beyond keepalived: see configure());
//                 IPv6 addr_gen_mode=1 (none) before it goes up (no link-local from the shared MAC);
//                 an IPv6 instance that sends from the VMAC gets a copy of the base interface's
//                 link-local (nodad, preferred_lft 0), the source of its adverts;
//   on the base:  arp_ignore=1 and arp_filter=1 (and arp_announce=2, see BASE_SYSCTLS) while any VMAC of an IPv4 instance sits on it, so the
//                 base interface does not answer ARP for the VIP with its own MAC; the values found
//                 are restored when the last such VMAC goes.
// A VMAC deleted under a running instance (`ip link del`) is made again (recreate()).
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
  /** Creates a private-mode macvlan, down; returns its ifindex. `ifindex`: ask for that index (a re-creation). */
  create(name: string, parentIndex: number, mac: Uint8Array, ifindex?: number): number;
  /** The link of that name, if any (kind "macvlan" for a macvlan). */
  describe(name: string): { index: number; mac: Uint8Array; kind?: string; parent?: number } | undefined;
  up(index: number): void;
  /** false when it was not there. */
  remove(name: string): boolean;
  /** The first IPv6 link-local address of a link (fe80::…), if it has one. */
  linkLocal(index: number): string | undefined;
  /** Adds an IPv6 link-local /64 without DAD and deprecated (preferred_lft 0): keepalived's VMAC copy. */
  addLinkLocal(index: number, address: string): void;
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

/** What the manager keeps of each VMAC in use, to make it again if it is deleted under it. */
interface Active {
  link: VmacLink;
  baseIndex: number;
  /** The link-local copied from the base (IPv6 sending from the VMAC), if any. */
  linkLocal?: string;
}

/** What recreate() did: made again with the same ifindex, nothing (not deleted, not ours), or failed: the instance must start afresh. */
export type RecreateResult = "restored" | "unchanged" | "failed";

export function virtualMac(vrid: number, family: Family): Uint8Array {
  return new Uint8Array([0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid & 0xff]);
}

/** The VMAC's MAC: `use_vmac NAME MAC` if given (validated by the config), else the virtual MAC. */
export function vmacAddress(cfg: Pick<InstanceConfig, "vrid" | "family" | "vmacAddress">): Uint8Array {
  if (cfg.vmacAddress) return new Uint8Array(cfg.vmacAddress.split(":").map((x) => parseInt(x, 16)));
  return virtualMac(cfg.vrid, cfg.family);
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
  /** VMACs of running instances by name. */
  private readonly active = new Map<string, Active>();

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
    const mac = vmacAddress(cfg);
    if (!this.os) return "use_vmac is not supported on this platform";
    const record = vmacRecord(name, base.name, cfg.family);
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
    const active: Active = { link, baseIndex: base.index };
    // keepalived 2.2.7 gives an IPv6 VMAC that sends (no vmac_xmit_base) the base's link-local:
    // RFC 5798 §5.1.2.1 wants an IPv6 advert's source to be a link-local address of the sending
    // interface, and the same address as from the base keeps the peers' view of the router.
    if (cfg.family === 6 && !cfg.vmacXmitBase) {
      try {
        active.linkLocal = this.os.linkLocal(base.index);
      } catch (e) {
        this.failed("vmac-ll", base.name, e);
      }
      if (!active.linkLocal) {
        this.remove(link);
        return `${base.name} has no IPv6 link-local address to give ${name}`;
      }
    }
    if (cfg.family === 4) this.holdBase(base.name);
    const why = this.configure(active);
    if (why) {
      this.release(link);
      return why;
    }
    this.active.set(name, active);
    this.logger.log("info", `${cfg.name}: VMAC ${name} (${macText(mac)}) on ${base.name}${owned ? "" : " (already there; adopted)"}`, {
      instance: cfg.name,
      interface: name,
    });
    return link;
  }

  /**
   * `name` was deleted under a running instance (an operator's `ip link del`, another tool): make it
   * again with the same name, MAC and ifindex — the instance's sockets and advert schedule name the
   * ifindex, so they keep working and the instance keeps its state (keepalived 2.2.7 also re-creates
   * it, but goes through Fault and Backup first: a takeover by the backup and a preemption back).
   * `index` is the index the link event named: an event of a VMAC already replaced, or of one that
   * is still there (its creation, a down/up), is "unchanged". "failed": the caller starts the
   * instance afresh (acquire() again, or Fault).
   */
  recreate(name: string, index: number): RecreateResult {
    const a = this.active.get(name);
    if (!a || !this.os || a.link.ifindex !== index) return "unchanged";
    const { link } = a;
    const record = vmacRecord(name, link.base, link.family);
    try {
      const now = this.os.describe(name);
      // Still there: the event was its creation or a down/up, not a deletion.
      if (now?.index === link.ifindex) return "unchanged";
      // Made again already, by someone else: the instance starts afresh and adopts it or waits.
      if (now) throw new Error(`${name} exists again (ifindex ${now.index}), not made by vigil`);
      this.journal.record(record);
      const index = this.os.create(name, a.baseIndex, link.mac, link.ifindex);
      if (index !== link.ifindex) {
        this.os.remove(name);
        throw new Error(`re-created with ifindex ${index}, not ${link.ifindex}`);
      }
    } catch (e) {
      this.failed("vmac-add", name, e);
      this.active.delete(name);
      this.journal.forget(record);
      return "failed";
    }
    link.owned = true; // made by vigil now, even if it was adopted before: removed at stop
    const why = this.configure(a);
    if (why) {
      this.logger.log("error", `${name}: re-created but ${why}`, { interface: name });
      return "failed";
    }
    this.logger.log("warn", `VMAC ${name} was deleted under a running instance: re-created (${macText(link.mac)} on ${link.base}, ifindex ${link.ifindex})`, {
      interface: name,
    });
    return "restored";
  }

  /**
   * A VMAC set up again after an operator set it down: the kernel flushed its IPv6 addresses
   * (keep_addr_on_down 0), so it gets its copy of the base's link-local again — the source of
   * its adverts. Nothing for IPv4 or vmac_xmit_base. Never throws (logged and counted).
   */
  restoreLinkLocal(name: string, index: number): void {
    const a = this.active.get(name);
    if (!a?.linkLocal || !this.os || a.link.ifindex !== index) return;
    try {
      if (this.os.linkLocal(index) === a.linkLocal) return;
      this.os.addLinkLocal(index, a.linkLocal);
    } catch (e) {
      this.failed("vmac-ll", name, e);
      return;
    }
    this.logger.log("info", `VMAC ${name} up again: link-local ${a.linkLocal} given back`, { interface: name });
  }

  /** The VMAC of that name a running instance uses. */
  get(name: string): VmacLink | undefined {
    return this.active.get(name)?.link;
  }

  /** The instance stopped: remove its VMAC (if vigil made it) and restore the base's sysctls. Never throws. */
  release(link: VmacLink): void {
    if (!this.os) return;
    if (this.active.get(link.name)?.link === link) this.active.delete(link.name);
    this.remove(link);
    if (link.family === 4) this.dropBase(link.base);
  }

  /** The sysctls of a new VMAC (before up: see the header), up, the IPv6 link-local; why not, or null. */
  private configure(a: Active): string | null {
    const { name, ifindex, family } = a.link;
    this.setSysctl(`net/ipv6/conf/${name}/addr_gen_mode`, "1", false);
    this.setSysctl(`net/ipv4/conf/${name}/arp_ignore`, "1", false);
    if (family === 4) {
      this.setSysctl(`net/ipv4/conf/${name}/accept_local`, "1", false);
      this.setSysctl(`net/ipv4/conf/${name}/rp_filter`, "0", false);
      this.setSysctl(`net/ipv4/conf/${name}/promote_secondaries`, "1", false);
      // Beyond keepalived: the peer's gratuitous ARP for the VIP comes from the same virtual MAC,
      // and a private macvlan hands it to our VMAC; while we still hold the VIP (the stop's
      // make-before-break hold, or a master about to yield) the kernel would answer it from
      // that MAC and pull the switch's entry for it back to us, away from the new master.
      this.setSysctl(`net/ipv4/conf/${name}/drop_gratuitous_arp`, "1", false);
    }
    try {
      this.os!.up(ifindex);
    } catch (e) {
      this.failed("vmac-up", name, e);
      return `cannot set ${name} up: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (a.linkLocal) {
      try {
        this.os!.addLinkLocal(ifindex, a.linkLocal);
      } catch (e) {
        this.failed("vmac-ll", name, e);
        return `cannot give ${name} the link-local ${a.linkLocal}: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    return null;
  }

  /** Removes the macvlan if vigil made it (its addresses go with it); the record stays on failure. */
  private remove(link: VmacLink): void {
    if (!link.owned) return;
    try {
      this.os!.remove(link.name);
      this.journal.forget(vmacRecord(link.name, link.base, link.family));
    } catch (e) {
      // The record stays: the next start removes it.
      this.failed("vmac-del", link.name, e);
    }
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

function vmacRecord(name: string, base: string, family: Family): OwnedAddress {
  return { kind: "vmac", ifname: name, parent: base, family, address: "macvlan", prefixLength: 0 };
}
