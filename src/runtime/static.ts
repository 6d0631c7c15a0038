// Routes and rules vigil adds (virtual_routes, virtual_rules, static_routes, static_rules) and
// keepalived's static_ipaddress, journaled like VIPs: recorded before they are added, forgotten
// when the kernel says they were there already (somebody else's: never removed), removed at stop
// and, after a SIGKILL, by the next start.
//
// keepalived's semantics (vrrp_daemon.c start_vrrp/stop_vrrp, netlink_iplist/rtlist/rulelist):
// static addresses, routes and rules are set at start whatever the VRRP state, and removed at
// stop — only those it set (`set`), an address already present is not its own. At a start that is
// not a reload it deletes the configured static rules first (a rule added without a priority is
// added again, not refused), then adds everything. vigil does the same with its journal: what it
// recorded is its own; what it did not add it never removes. Every netlink call is inside a try,
// counted `netlink{op/ERRNO}`, never thrown.
import type { VirtualAddress, VirtualRoute, VirtualRule } from "../config/schema.ts";
import { errnoOf, type ErrorCounts } from "./error-counts.ts";
import type { AddressJournal, OwnedAddress } from "./journal.ts";
import type { AddressManager, AddressSpec, LinkWatcher, Logger, RouteSpec, RuleSpec } from "./ports.ts";
import { addressSpec } from "./vips.ts";

export interface NetDeps {
  addresses: AddressManager;
  links: LinkWatcher;
  journal: AddressJournal;
  logger: Logger;
  errors?: ErrorCounts;
}

/** Route types that take no gateway nor device. */
const NO_DEVICE: readonly string[] = ["blackhole", "unreachable", "prohibit", "throw"];

const fam = (...xs: (string | undefined)[]): 4 | 6 => (xs.some((x) => x?.includes(":")) ? 6 : 4);

/** The RouteSpec of a configured route; a string says why it cannot be built (a dev missing). */
export function routeSpec(r: VirtualRoute, links: LinkWatcher, defaultDev: string | undefined): RouteSpec | string {
  const type = r.type ?? "unicast";
  const family = fam(r.to, r.via, r.src, ...(r.nexthops ?? []).map((h) => h.via));
  const spec: RouteSpec = {
    family,
    to: r.to,
    ...(r.src !== undefined && { src: r.src }),
    ...(r.metric !== undefined && { metric: r.metric }),
    ...(r.table !== undefined && { table: r.table }),
    ...(type !== "unicast" && { type }),
    ...(r.options && { options: r.options }),
  };
  if (NO_DEVICE.includes(type)) return spec; // no gateway nor device for these (the kernel says EINVAL)
  if (r.nexthops && r.nexthops.length > 0) {
    spec.nexthops = [];
    for (const h of r.nexthops) {
      const dev = h.dev ?? (h.via === undefined ? defaultDev : undefined);
      const link = dev !== undefined ? links.link(dev) : undefined;
      if (dev !== undefined && !link) return `interface ${dev} not found`;
      spec.nexthops.push({
        ...(h.via !== undefined && { via: h.via }),
        ...(link && { ifindex: link.index }),
        ...(h.weight !== undefined && { weight: h.weight }),
        ...(h.onlink && { onlink: true }),
        ...(h.realms !== undefined && { realms: h.realms }),
      });
    }
    return spec;
  }
  const dev = r.dev ?? defaultDev;
  if (dev !== undefined) {
    const link = links.link(dev);
    if (!link) return `interface ${dev} not found`;
    spec.ifindex = link.index;
  }
  if (r.via !== undefined) spec.via = r.via;
  return spec;
}

export function ruleSpec(r: VirtualRule): RuleSpec {
  const { pos: _pos, ...spec } = r;
  return spec;
}

/**
 * What tells two routes apart in the kernel (and in the journal): table, destination, metric, type,
 * and when given tos and protocol; with `append` also the device and gateway (same destination
 * twice). Suffixes only when present, so older journal entries keep their keys.
 */
const routeId = (s: RouteSpec) => {
  const o = s.options;
  let id = `${s.family}|${s.table ?? 254}|${s.to}|${s.metric ?? ""}|${s.type ?? "unicast"}`;
  if (o?.tos) id += `|tos ${o.tos}`;
  if (o?.protocol !== undefined) id += `|proto ${o.protocol}`;
  if (o?.append) id += `|${s.ifindex ?? ""} ${s.via ?? ""}`;
  return id;
};
const RULE_BASE = ["family", "priority", "from", "to", "iif", "oif", "fwmark", "fwmask", "invert", "action", "table"] as const;
/** Every selector of the rule; the newer ones appended only when set, so older journal keys stay. */
const ruleId = (s: RuleSpec) => {
  const extra = Object.entries(s).filter(([k, v]) => !(RULE_BASE as readonly string[]).includes(k) && v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([...RULE_BASE.map((k) => s[k]), ...(extra.length > 0 ? [Object.fromEntries(extra)] : [])]);
};

/** Journaled routes and rules of one owner ("static" or an instance name). */
export class OwnedNet {
  constructor(
    private readonly owner: string,
    private readonly deps: NetDeps,
  ) {}

  private routeEntry(s: RouteSpec): OwnedAddress {
    return {
      kind: "route",
      ifname: "",
      family: s.family,
      address: `${this.owner}|${routeId(s)}`,
      prefixLength: 0,
      parent: this.owner,
      value: JSON.stringify(s),
    };
  }

  private ruleEntry(s: RuleSpec): OwnedAddress {
    return { kind: "rule", ifname: "", family: s.family, address: `${this.owner}|${ruleId(s)}`, prefixLength: 0, parent: this.owner, value: JSON.stringify(s) };
  }

  /** Adds the route (journaled first); true when it is there (added now, or already there). */
  addRoute(r: VirtualRoute, defaultDev: string | undefined): boolean {
    const spec = routeSpec(r, this.deps.links, defaultDev);
    if (typeof spec === "string") {
      this.failed("route-add", r.to, Object.assign(new Error(spec), { code: "ENODEV" }));
      return false;
    }
    const e = this.routeEntry(spec);
    const had = this.deps.journal.has(e);
    try {
      this.deps.journal.record(e);
      if (!this.deps.addresses.addRoute(spec) && !had) {
        this.deps.journal.forget(e);
        this.deps.logger.log("warn", "route already present; leaving it to its owner", { owner: this.owner, route: r.to });
      }
      return true;
    } catch (err) {
      if (!had) this.deps.journal.forget(e);
      this.failed("route-add", r.to, err);
      return false;
    }
  }

  /** Removes the route if vigil added it; true when it is gone (or was never vigil's). */
  removeRoute(r: VirtualRoute, defaultDev: string | undefined): boolean {
    const spec = routeSpec(r, this.deps.links, defaultDev);
    if (typeof spec === "string") {
      // The device is gone and the kernel removed its routes with it; a typed route has none.
      for (const e of this.deps.journal.entries()) {
        if (e.kind === "route" && e.parent === this.owner && e.value && JSON.parse(e.value).to === r.to) this.deps.journal.forget(e);
      }
      return true;
    }
    return this.removeRouteSpec(spec, this.routeEntry(spec));
  }

  addRule(r: VirtualRule): boolean {
    const spec = ruleSpec(r);
    const e = this.ruleEntry(spec);
    const had = this.deps.journal.has(e);
    try {
      this.deps.journal.record(e);
      if (!this.deps.addresses.addRule(spec) && !had) {
        this.deps.journal.forget(e);
        this.deps.logger.log("warn", "ip rule already present; leaving it to its owner", { owner: this.owner, rule: ruleId(spec) });
      }
      return true;
    } catch (err) {
      if (!had) this.deps.journal.forget(e);
      this.failed("rule-add", ruleId(spec), err);
      return false;
    }
  }

  removeRule(r: VirtualRule): boolean {
    const spec = ruleSpec(r);
    return this.removeRuleSpec(spec, this.ruleEntry(spec));
  }

  /** Journaled by this owner (routes and rules) — for the sweep after a crash. */
  hasRule(r: VirtualRule): boolean {
    return this.deps.journal.has(this.ruleEntry(ruleSpec(r)));
  }

  removeRouteSpec(spec: RouteSpec, e: OwnedAddress): boolean {
    if (!this.deps.journal.has(e)) return true;
    try {
      this.deps.addresses.removeRoute(spec);
      this.deps.journal.forget(e);
      return true;
    } catch (err) {
      if (errnoOf(err) === "ENODEV") {
        this.deps.journal.forget(e);
        return true;
      }
      this.failed("route-del", spec.to, err);
      return false;
    }
  }

  removeRuleSpec(spec: RuleSpec, e: OwnedAddress): boolean {
    if (!this.deps.journal.has(e)) return true;
    try {
      this.deps.addresses.removeRule(spec);
      this.deps.journal.forget(e);
      return true;
    } catch (err) {
      this.failed("rule-del", ruleId(spec), err);
      return false;
    }
  }

  private failed(op: string, what: string, e: unknown): void {
    this.deps.errors?.bump("netlink", `${op}/${errnoOf(e)}`);
    this.deps.logger.log("error", `netlink ${op} failed`, { owner: this.owner, what, error: String(e) });
  }
}

/**
 * After a SIGKILL or a crash: the routes and rules an earlier run journaled, removed — except the
 * static ones still configured, which stay (keepalived sets them again at start). Rules are
 * removed even then and added again, as keepalived does, because a rule without a priority would
 * be added a second time.
 */
export function sweepStaleNet(deps: NetDeps, keepRoute: (e: OwnedAddress) => boolean): number {
  const net = new OwnedNet("sweep", deps);
  let n = 0;
  for (const e of deps.journal.entries()) {
    if ((e.kind !== "route" && e.kind !== "rule") || !e.value) continue;
    if (e.kind === "route" && keepRoute(e)) continue;
    let spec: RouteSpec & RuleSpec;
    try {
      spec = JSON.parse(e.value);
    } catch {
      deps.journal.forget(e);
      continue;
    }
    const gone = e.kind === "route" ? net.removeRouteSpec(spec, e) : net.removeRuleSpec(spec, e);
    if (gone) n++;
  }
  return n;
}

/** keepalived's static_ipaddress, static_routes and static_rules. */
export class StaticSet {
  private readonly net: OwnedNet;
  constructor(
    private ips: VirtualAddress[],
    private routes: VirtualRoute[],
    private rules: VirtualRule[],
    private readonly deps: NetDeps,
  ) {
    this.net = new OwnedNet("static", deps);
  }

  private addrEntry(v: VirtualAddress): OwnedAddress {
    return { kind: "static-addr", ifname: v.dev ?? "", family: v.family, address: `${v.address}/${v.prefixLength}`, prefixLength: v.prefixLength };
  }

  private addrSpec(v: VirtualAddress): AddressSpec | null {
    const link = v.dev !== undefined ? this.deps.links.link(v.dev) : undefined;
    if (!link) return null;
    return addressSpec(v, link.index);
  }

  /** At start: the leftovers of a crashed run that are no longer configured go; then set everything. */
  start(): void {
    const keep = new Set(this.routes.map((r) => r.to));
    sweepStaleNet(this.deps, (e) => e.parent === "static" && e.value !== undefined && keep.has(JSON.parse(e.value).to));
    const wanted = new Set(this.ips.map((v) => `${v.dev ?? ""}|${v.address}/${v.prefixLength}`));
    for (const e of this.deps.journal.entries()) {
      if (e.kind === "static-addr" && !wanted.has(`${e.ifname}|${e.address}`)) this.removeAddr(e);
    }
    this.apply();
  }

  private apply(): void {
    for (const v of this.ips) this.addAddr(v);
    for (const r of this.routes) this.net.addRoute(r, undefined);
    for (const r of this.rules) this.net.addRule(r);
  }

  /** Stop (and the last resort): remove what vigil set; what it found there stays. */
  stop(): void {
    for (const r of this.rules) this.net.removeRule(r);
    for (const r of this.routes) this.net.removeRoute(r, undefined);
    for (const v of this.ips) this.removeAddr(this.addrEntry(v));
  }

  /** Reload: remove what left the config, add what is new (keepalived's clear_diff_static_*). */
  replace(ips: VirtualAddress[], routes: VirtualRoute[], rules: VirtualRule[]): void {
    const ka = (v: VirtualAddress) => `${v.dev ?? ""}|${v.address}/${v.prefixLength}`;
    const kr = (r: VirtualRoute) => JSON.stringify({ ...r, pos: undefined });
    const kl = (r: VirtualRule) => JSON.stringify({ ...r, pos: undefined });
    const nextA = new Set(ips.map(ka));
    const nextR = new Set(routes.map(kr));
    const nextL = new Set(rules.map(kl));
    for (const r of this.rules) if (!nextL.has(kl(r))) this.net.removeRule(r);
    for (const r of this.routes) if (!nextR.has(kr(r))) this.net.removeRoute(r, undefined);
    for (const v of this.ips) if (!nextA.has(ka(v))) this.removeAddr(this.addrEntry(v));
    const prevL = new Set(this.rules.map(kl));
    this.ips = ips;
    this.routes = routes;
    this.rules = rules;
    for (const v of ips) this.addAddr(v);
    for (const r of routes) this.net.addRoute(r, undefined);
    for (const r of rules) if (!prevL.has(kl(r))) this.net.addRule(r);
  }

  private addAddr(v: VirtualAddress): void {
    const e = this.addrEntry(v);
    const had = this.deps.journal.has(e);
    try {
      const spec = this.addrSpec(v);
      if (!spec) {
        this.deps.logger.log("error", "interface of a static address not found", { address: e.address, interface: v.dev ?? null });
        this.deps.errors?.bump("netlink", "static-addr-add/ENODEV");
        return;
      }
      this.deps.journal.record({ ...e, value: JSON.stringify(spec) });
      if (!this.deps.addresses.add(spec) && !had) {
        this.deps.journal.forget(e);
        this.deps.logger.log("info", "static address already present; leaving it to its owner", { address: e.address, interface: v.dev ?? null });
      }
    } catch (err) {
      if (!had) this.deps.journal.forget(e);
      this.deps.errors?.bump("netlink", `static-addr-add/${errnoOf(err)}`);
      this.deps.logger.log("error", "netlink static-addr-add failed", { address: e.address, error: String(err) });
    }
  }

  private removeAddr(e: OwnedAddress): void {
    const stored = this.deps.journal.entries().find((x) => x.kind === "static-addr" && x.ifname === e.ifname && x.address === e.address);
    if (!stored) return;
    try {
      const link = this.deps.links.link(stored.ifname);
      if (link) {
        const [address = "", len] = stored.address.split("/");
        const spec: AddressSpec = stored.value
          ? { ...JSON.parse(stored.value), ifindex: link.index }
          : { ifindex: link.index, family: stored.family, address, prefixLength: Number(len) };
        this.deps.addresses.remove(spec);
      }
      this.deps.journal.forget(stored);
    } catch (err) {
      this.deps.errors?.bump("netlink", `static-addr-del/${errnoOf(err)}`);
      this.deps.logger.log("error", "netlink static-addr-del failed", { address: e.address, error: String(err) });
    }
  }
}
