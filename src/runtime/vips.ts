// Virtual addresses and routes of one instance: add on Master, remove on leaving it, clean stale
// ones at start. Only addresses vigil added (journal) are ever removed.
import type { VirtualAddress, VirtualRoute } from "../config/schema.ts";
import type { AddressJournal, OwnedAddress } from "./journal.ts";
import type { AddressManager, AddressSpec, LinkWatcher, Logger, RouteSpec } from "./ports.ts";

export interface VipDeps {
  addresses: AddressManager;
  links: LinkWatcher;
  journal: AddressJournal;
  logger: Logger;
}

export class VipSet {
  private held = false;

  constructor(
    private readonly instance: string,
    private readonly ifname: string,
    private vips: VirtualAddress[],
    private routes: VirtualRoute[],
    private readonly deps: VipDeps,
  ) {}

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
      const link = this.deps.links.link(owned.ifname);
      const present = link?.addresses.filter((a) => a.family === v.family) ?? [];
      const i = present.findIndex((a) => a.address === v.address && a.prefixLength === v.prefixLength);
      if (i > 0 || (i === 0 && this.deps.journal.has(owned))) {
        const spec = this.spec(v);
        if (spec && this.deps.addresses.remove(spec)) removed.push(owned);
      }
      this.deps.journal.forget(owned);
    }
    if (removed.length > 0) {
      this.deps.logger.log("warn", "removed stale VIPs left by an earlier run (vigil or keepalived)", {
        instance: this.instance,
        addresses: removed.map((a) => `${a.address}/${a.prefixLength}`).join(","),
      });
    }
    return removed;
  }

  addAll(): void {
    this.held = true;
    for (const v of this.vips) this.addOne(v);
    for (const r of this.routes) this.routeOp(r, true);
  }

  removeAll(): void {
    this.held = false;
    for (const r of this.routes) this.routeOp(r, false);
    for (const v of this.vips) this.removeOne(v);
  }

  /** Reload: swap the list; while holding, add the new ones and remove the dropped ones. */
  replace(vips: VirtualAddress[], routes: VirtualRoute[]): void {
    const k = (v: VirtualAddress) => `${v.dev ?? this.ifname}|${v.address}/${v.prefixLength}|${v.label ?? ""}`;
    const next = new Set(vips.map(k));
    const prev = new Set(this.vips.map(k));
    if (this.held) {
      for (const r of this.routes) this.routeOp(r, false);
      for (const v of this.vips) if (!next.has(k(v))) this.removeOne(v);
      for (const v of vips) if (!prev.has(k(v))) this.addOne(v);
      for (const r of routes) this.routeOp(r, true);
    }
    this.vips = vips;
    this.routes = routes;
  }

  private addOne(v: VirtualAddress): void {
    const spec = this.spec(v);
    if (!spec) return;
    const owned = this.owned(v);
    // Record before adding: a crash in between leaves a harmless record, never an unrecorded VIP.
    const hadRecord = this.deps.journal.has(owned);
    this.deps.journal.record(owned);
    try {
      if (!this.deps.addresses.add(spec) && !hadRecord) {
        // Already there and not ours: someone else put it there, so we must never remove it.
        this.deps.journal.forget(owned);
        this.deps.logger.log("warn", "VIP already present on the interface; leaving it to its owner", {
          instance: this.instance,
          address: `${v.address}/${v.prefixLength}`,
        });
      }
    } catch (e) {
      this.deps.journal.forget(owned);
      this.deps.logger.log("error", "could not add VIP", { instance: this.instance, address: v.address, error: String(e) });
    }
  }

  private removeOne(v: VirtualAddress): void {
    const owned = this.owned(v);
    if (!this.deps.journal.has(owned)) return;
    const spec = this.spec(v);
    try {
      if (spec) this.deps.addresses.remove(spec);
      this.deps.journal.forget(owned);
    } catch (e) {
      this.deps.logger.log("error", "could not remove VIP", { instance: this.instance, address: v.address, error: String(e) });
    }
  }

  private routeOp(r: VirtualRoute, add: boolean): void {
    const ifname = r.dev ?? this.ifname;
    const link = this.deps.links.link(ifname);
    const spec: RouteSpec = {
      family: r.to.includes(":") || r.via?.includes(":") ? 6 : 4,
      to: r.to,
      ...(r.via !== undefined && { via: r.via }),
      ...(link && { ifindex: link.index }),
      ...(r.src !== undefined && { src: r.src }),
      ...(r.metric !== undefined && { metric: r.metric }),
      ...(r.table !== undefined && { table: r.table }),
    };
    try {
      if (add) this.deps.addresses.addRoute(spec);
      else this.deps.addresses.removeRoute(spec);
    } catch (e) {
      this.deps.logger.log("error", `could not ${add ? "add" : "remove"} virtual route`, {
        instance: this.instance,
        route: r.to,
        error: String(e),
      });
    }
  }

  private owned(v: VirtualAddress): OwnedAddress {
    return { ifname: v.dev ?? this.ifname, family: v.family, address: v.address, prefixLength: v.prefixLength };
  }

  private spec(v: VirtualAddress): AddressSpec | null {
    const ifname = v.dev ?? this.ifname;
    const link = this.deps.links.link(ifname);
    if (!link) {
      this.deps.logger.log("error", "interface for VIP not found", { instance: this.instance, interface: ifname });
      return null;
    }
    return {
      ifindex: link.index,
      family: v.family,
      address: v.address,
      prefixLength: v.prefixLength,
      ...(v.label !== undefined && { label: v.label }),
      ...(v.scope !== undefined && { scope: v.scope }),
      ...(v.broadcast !== undefined && { broadcast: v.broadcast }),
    };
  }
}
