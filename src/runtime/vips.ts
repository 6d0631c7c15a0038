// Virtual addresses and routes of one instance: add on Master, remove on leaving it, clean stale
// ones at start. Only addresses vigil added (journal) are ever removed.
import type { VirtualAddress, VirtualRoute, VirtualRule } from "../config/schema.ts";
//
// Every netlink call here can fail (ETIMEDOUT while a BGP table loads holds the routing lock,
// ENODEV when an interface vanished): each failure is caught where it happens and counted. A VIP
// that could not be added is reported to the instance (which retries, then goes to Fault so a
// backup takes over); a VIP that could not be removed is retried until it is gone, because a
// backup still holding it splits the brain.
import type { AddressJournal, OwnedAddress } from "./journal.ts";
import { errnoOf, ErrorCounts } from "./error-counts.ts";
import type { AddressManager, AddressSpec, Clock, LinkWatcher, Logger, TimerHandle } from "./ports.ts";
import { OwnedNet } from "./static.ts";

export interface VipDeps {
  addresses: AddressManager;
  links: LinkWatcher;
  journal: AddressJournal;
  logger: Logger;
  clock: Clock;
  errors?: ErrorCounts;
}

/** Removal retries: quick at first, then every few seconds until the address is gone. */
const REMOVE_RETRY_MS = [100, 500, 1000, 2000, 5000];

export class VipSet {
  private held = false;
  /** VIPs whose removal failed, retried on a timer while not holding. */
  private stuck: VirtualAddress[] = [];
  private removeRetry: TimerHandle | null = null;
  private removeAttempt = 0;

  constructor(
    private readonly instance: string,
    private readonly ifname: string,
    private vips: VirtualAddress[],
    private routes: VirtualRoute[],
    private readonly deps: VipDeps,
    /** virtual_rules: with the VIPs on Master. */
    private rules: VirtualRule[] = [],
  ) {
    this.net = new OwnedNet(instance, deps);
  }

  /** Routes and rules, journaled: only those vigil added are removed (proto keepalived). */
  private readonly net: OwnedNet;

  get holding(): boolean {
    return this.held;
  }

  list(): VirtualAddress[] {
    return this.vips;
  }

  /**
   * At start, before the instance runs: remove configured VIPs already on the interface. A crashed
   * or SIGKILLed earlier run — of vigil or of the keepalived it replaces — left them, and a VIP
   * held by a backup answers ARP and splits the brain (keepalived does the same at start). The
   * interface's primary address is kept even when configured as a VIP: that is an address owner's
   * own address (RFC 5798 §1), not a leftover.
   */
  cleanupStale(): OwnedAddress[] {
    const removed: OwnedAddress[] = [];
    for (const v of this.vips) {
      const owned = this.owned(v);
      try {
        const link = this.deps.links.link(owned.ifname);
        const present = link?.addresses.filter((a) => a.family === v.family) ?? [];
        const i = present.findIndex((a) => a.address === v.address && a.prefixLength === v.prefixLength);
        if (i > 0 || (i === 0 && this.deps.journal.has(owned))) {
          const spec = this.spec(v);
          if (spec && this.deps.addresses.remove(spec)) removed.push(owned);
        }
        this.deps.journal.forget(owned);
      } catch (e) {
        // Keep the record: the next start (or this VIP's next removal) tries again.
        this.netlinkFailed("stale-remove", v, e);
      }
    }
    if (removed.length > 0) {
      this.deps.logger.log("warn", "removed stale VIPs left by an earlier run (vigil or keepalived)", {
        instance: this.instance,
        addresses: removed.map((a) => `${a.address}/${a.prefixLength}`).join(","),
      });
    }
    return removed;
  }

  /** Master: add every VIP and route. Returns the VIPs that could not be added. */
  addAll(): VirtualAddress[] {
    this.held = true;
    // Ours again: no longer to be removed.
    this.stuck = this.stuck.filter((v) => !this.vips.includes(v));
    const failed = this.vips.filter((v) => !this.addOne(v));
    for (const r of this.routes) this.routeOp(r, true);
    for (const r of this.rules) this.net.addRule(r);
    return failed;
  }

  /** Resolves what adding the VIPs needs (interface indexes), ahead of a takeover; changes nothing. */
  prepare(): void {
    for (const v of this.vips) this.spec(v, true);
  }

  /** Retry the VIPs that failed to add; returns those still failing. */
  retryAdd(vips: VirtualAddress[]): VirtualAddress[] {
    if (!this.held) return [];
    return vips.filter((v) => this.vips.includes(v) && !this.addOne(v));
  }

  /** Leaving Master: remove everything vigil added; what fails is retried until it is gone. */
  removeAll(): void {
    this.held = false;
    for (const r of this.rules) this.net.removeRule(r);
    for (const r of this.routes) this.routeOp(r, false);
    this.stuck = [...this.stuck, ...this.vips.filter((v) => !this.removeOne(v) && !this.stuck.includes(v))];
    this.removeAttempt = 0;
    this.scheduleRemoveRetry();
  }

  /** VIPs whose removal is still being retried (shown in status and the data dump). */
  get stuckCount(): number {
    return this.stuck.length;
  }

  /** Stop the removal retries (the instance is gone; start-up cleanup of a later run takes over). */
  close(): void {
    this.cancelRemoveRetry();
  }

  private scheduleRemoveRetry(): void {
    if (this.stuck.length === 0 || this.removeRetry) return;
    const delayMs = REMOVE_RETRY_MS[Math.min(this.removeAttempt, REMOVE_RETRY_MS.length - 1)]!;
    this.removeAttempt++;
    this.removeRetry = this.deps.clock.setTimer(this.deps.clock.nowMs() + delayMs, () => {
      this.removeRetry = null;
      // A VIP held again as Master stays; one dropped from the config or left behind goes.
      this.stuck = this.stuck.filter((v) => !(this.held && this.vips.includes(v)) && !this.removeOne(v));
      if (this.stuck.length === 0) this.deps.logger.log("info", "stuck VIPs removed", { instance: this.instance });
      this.scheduleRemoveRetry();
    });
  }

  private cancelRemoveRetry(): void {
    if (this.removeRetry) this.deps.clock.clearTimer(this.removeRetry);
    this.removeRetry = null;
    this.stuck = [];
  }

  /** Reload: swap the list; while holding, add the new ones and remove the dropped ones. */
  replace(vips: VirtualAddress[], routes: VirtualRoute[], rules: VirtualRule[] = this.rules): void {
    const k = (v: VirtualAddress) => `${v.dev ?? this.ifname}|${v.address}/${v.prefixLength}|${v.label ?? ""}`;
    const next = new Set(vips.map(k));
    const prev = new Set(this.vips.map(k));
    if (this.held) {
      for (const r of this.rules) this.net.removeRule(r);
      for (const r of this.routes) this.routeOp(r, false);
      for (const v of this.vips) if (!next.has(k(v)) && !this.removeOne(v)) this.stuck.push(v);
      this.scheduleRemoveRetry();
      for (const v of vips) if (!prev.has(k(v))) this.addOne(v);
      for (const r of routes) this.routeOp(r, true);
      for (const r of rules) this.net.addRule(r);
    }
    this.vips = vips;
    this.routes = routes;
    this.rules = rules;
  }

  /** true when the VIP is on the interface (added now, or already ours/another's). */
  private addOne(v: VirtualAddress): boolean {
    const owned = this.owned(v);
    // Record before adding: a crash in between leaves a harmless record, never an unrecorded VIP.
    const hadRecord = this.deps.journal.has(owned);
    try {
      const spec = this.spec(v);
      if (!spec) return false;
      this.deps.journal.record(owned);
      // The file is written when this task ends (0.44 ms a write, shared by the task's instances).
      // A crash before that is covered by the next start's cleanup, except for the interface's
      // first address of this family, which it keeps as an owner's own unless recorded: on disk first.
      if (!hadRecord && !this.behindOwnAddress(owned)) this.deps.journal.flush();
      if (!this.deps.addresses.add(spec) && !hadRecord) {
        // Already there and not ours: someone else put it there, so we must never remove it.
        this.deps.journal.forget(owned);
        this.deps.logger.log("warn", "VIP already present on the interface; leaving it to its owner", {
          instance: this.instance,
          address: `${v.address}/${v.prefixLength}`,
        });
      }
      return true;
    } catch (e) {
      if (!hadRecord) this.deps.journal.forget(owned);
      this.netlinkFailed("addr-add", v, e);
      return false;
    }
  }

  /**
   * Whether the interface already has an address of the VIP's family, which stays listed before it.
   * A kernel read on the takeover path (RTM_GETLINK + RTM_GETADDR, once per interface per task
   * through LinkCache: 0.03–0.2 ms here), after the takeover's advert has left.
   */
  private behindOwnAddress(a: OwnedAddress): boolean {
    const present = this.deps.links.link(a.ifname)?.addresses ?? [];
    return present.some((p) => p.family === a.family && p.address !== a.address);
  }

  /** true when the VIP is gone (removed now, absent, or never ours). */
  private removeOne(v: VirtualAddress): boolean {
    const owned = this.owned(v);
    if (!this.deps.journal.has(owned)) return true;
    try {
      const spec = this.spec(v);
      // Interface gone: the kernel removed the address with it.
      if (spec) this.deps.addresses.remove(spec);
      this.deps.journal.forget(owned);
      return true;
    } catch (e) {
      this.netlinkFailed("addr-del", v, e);
      return false;
    }
  }

  private netlinkFailed(op: string, v: VirtualAddress, e: unknown): void {
    const code = errnoOf(e);
    this.deps.errors?.bump("netlink", `${op}/${code}`);
    this.deps.logger.log("error", `netlink ${op} failed`, { instance: this.instance, address: `${v.address}/${v.prefixLength}`, error: String(e) });
  }

  /** Journaled (only a route vigil added is removed), errors counted `route-add`/`route-del`. */
  private routeOp(r: VirtualRoute, add: boolean): void {
    if (add) this.net.addRoute(r, this.ifname);
    else this.net.removeRoute(r, this.ifname);
  }

  private owned(v: VirtualAddress): OwnedAddress {
    return { ifname: v.dev ?? this.ifname, family: v.family, address: v.address, prefixLength: v.prefixLength };
  }

  private spec(v: VirtualAddress, quiet = false): AddressSpec | null {
    const ifname = v.dev ?? this.ifname;
    const index = this.deps.links.index ? this.deps.links.index(ifname) : this.deps.links.link(ifname)?.index;
    if (index === undefined) {
      if (quiet) return null;
      this.deps.logger.log("error", "interface for VIP not found", { instance: this.instance, interface: ifname });
      return null;
    }
    return addressSpec(v, index);
  }
}

/** The netlink request for a configured address on the interface `ifindex`. */
export function addressSpec(v: VirtualAddress, ifindex: number): AddressSpec {
  return {
    ifindex,
    family: v.family,
    address: v.address,
    prefixLength: v.prefixLength,
    ...(v.label !== undefined && { label: v.label }),
    ...(v.scope !== undefined && { scope: v.scope }),
    ...(v.broadcast !== undefined && { broadcast: v.broadcast }),
  };
}
