// rtnetlink operations on links, addresses and routes; LinuxAddressManager implements the
// AddressManager port on top of them.

import type { Family } from "../../protocol/types.ts";
import {
  type AddressManager,
  type AddressSpec,
  type InterfaceAddress,
  type RouteSpec,
  type RouteType,
  RTPROT_KEEPALIVED,
  type RuleSpec,
} from "../../runtime/ports.ts";
import * as C from "./consts.ts";
import { OsError } from "./errors.ts";
import { familyOf, formatAddress, parseAddress } from "./inet.ts";
import { attrString, attrU32, NetlinkSocket, NlMessage, parseAttrs } from "./netlink.ts";
import { view } from "./structs.ts";

const afOf = (f: Family) => (f === 4 ? C.AF_INET : C.AF_INET6);
const familyOfAf = (af: number): Family | null => (af === C.AF_INET ? 4 : af === C.AF_INET6 ? 6 : null);

export interface RawLink {
  index: number;
  name: string;
  flags: number;
  mac: Uint8Array;
  up: boolean;
}

export interface RawAddress extends InterfaceAddress {
  index: number;
  flags: number;
  scope: number;
}

function ifinfomsg(index = 0, family = 0): Uint8Array {
  const b = new Uint8Array(16);
  b[0] = family;
  view(b).setInt32(4, index, true);
  return b;
}

function ifaddrmsg(family: number, prefixLength: number, flags: number, scope: number, index: number): Uint8Array {
  const b = new Uint8Array(8);
  b[0] = family;
  b[1] = prefixLength;
  b[2] = flags & 0xff;
  b[3] = scope;
  view(b).setUint32(4, index, true);
  return b;
}

/** IFF_UP && IFF_RUNNING: administratively up with carrier (RUNNING follows operstate UP). */
export function linkIsUp(flags: number): boolean {
  return (flags & C.IFF_UP) !== 0 && (flags & C.IFF_RUNNING) !== 0;
}

/** Decodes the body of an RTM_NEWLINK/RTM_DELLINK message. */
export function parseLink(body: Uint8Array): RawLink {
  const v = view(body);
  const index = v.getInt32(4, true);
  const flags = v.getUint32(8, true);
  const attrs = parseAttrs(body, 16);
  return {
    index,
    name: attrString(attrs.get(C.IFLA_IFNAME)) ?? "",
    flags,
    mac: attrs.get(C.IFLA_ADDRESS)?.slice() ?? new Uint8Array(6),
    up: linkIsUp(flags),
  };
}

/** Decodes the body of an RTM_NEWADDR/RTM_DELADDR message (null for other families). */
export function parseAddr(body: Uint8Array): RawAddress | null {
  const family = familyOfAf(body[0]!);
  if (family === null) return null;
  const attrs = parseAttrs(body, 8);
  const a = (family === 4 ? attrs.get(C.IFA_LOCAL) : undefined) ?? attrs.get(C.IFA_ADDRESS);
  if (!a) return null;
  const label = attrString(attrs.get(C.IFA_LABEL));
  return {
    family,
    address: formatAddress(family, a),
    prefixLength: body[1]!,
    ...(label !== undefined ? { label } : {}),
    index: view(body).getUint32(4, true),
    flags: attrU32(attrs.get(C.IFA_FLAGS)) ?? body[2]!,
    scope: body[3]!,
  };
}

export function dumpLinks(nl: NetlinkSocket): RawLink[] {
  const m = new NlMessage(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_DUMP, ifinfomsg());
  return nl.request(m, "RTM_GETLINK").filter((r) => r.type === C.RTM_NEWLINK).map((r) => parseLink(r.body));
}

/** One link by name or index; undefined when it does not exist. */
export function getLink(nl: NetlinkSocket, which: string | number): RawLink | undefined {
  const m = new NlMessage(C.RTM_GETLINK, C.NLM_F_REQUEST, ifinfomsg(typeof which === "number" ? which : 0));
  if (typeof which === "string") m.str(C.IFLA_IFNAME, which);
  try {
    const r = nl.request(m, "RTM_GETLINK").find((x) => x.type === C.RTM_NEWLINK);
    return r ? parseLink(r.body) : undefined;
  } catch (e) {
    if (e instanceof OsError && (e.code === "ENODEV" || e.code === "ENOENT")) return undefined;
    throw e;
  }
}

export function dumpAddrs(nl: NetlinkSocket, family?: Family): RawAddress[] {
  const m = new NlMessage(C.RTM_GETADDR, C.NLM_F_REQUEST | C.NLM_F_DUMP, ifaddrmsg(family ? afOf(family) : 0, 0, 0, 0, 0));
  const out: RawAddress[] = [];
  for (const r of nl.request(m, "RTM_GETADDR")) {
    if (r.type !== C.RTM_NEWADDR) continue;
    const a = parseAddr(r.body);
    if (a) out.push(a);
  }
  return out;
}

function addrMessage(type: number, flags: number, s: AddressSpec): NlMessage {
  const af = afOf(s.family);
  const addr = parseAddress(s.family, s.address);
  const ifaFlags = s.family === 6 ? C.IFA_F_NODAD : 0;
  const scope = C.RT_SCOPE[s.scope ?? "global"];
  const m = new NlMessage(type, flags, ifaddrmsg(af, s.prefixLength, ifaFlags, scope, s.ifindex));
  m.attr(C.IFA_LOCAL, addr).attr(C.IFA_ADDRESS, addr);
  if (s.family === 4 && s.broadcast) m.attr(C.IFA_BROADCAST, parseAddress(4, s.broadcast));
  if (s.family === 4 && s.label) m.str(C.IFA_LABEL, s.label);
  if (type === C.RTM_NEWADDR && ifaFlags) m.u32(C.IFA_FLAGS, ifaFlags);
  return m;
}

interface ParsedDst {
  family: Family;
  addr: Uint8Array | null;
  len: number;
}

function parseRouteDst(spec: RouteSpec): ParsedDst {
  if (spec.to === "default") return { family: spec.family, addr: null, len: 0 };
  const [a = "", l] = spec.to.split("/");
  const fam = familyOf(a);
  if (fam !== spec.family) throw new TypeError(`route: ${spec.to} is not IPv${spec.family}`);
  const max = fam === 4 ? 32 : 128;
  const len = l === undefined ? max : Number(l);
  if (!Number.isInteger(len) || len < 0 || len > max) throw new TypeError(`route: bad prefix length in ${spec.to}`);
  return { family: fam, addr: parseAddress(fam, a), len };
}

const RTA_MULTIPATH = 9;
const RTN: Record<RouteType, number> = { unicast: C.RTN_UNICAST, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9 };

/** struct rtnexthop { u16 len; u8 flags; u8 hops; s32 ifindex; } + RTA_GATEWAY per hop. */
function multipath(s: RouteSpec): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const h of s.nexthops ?? []) {
    const gw = h.via ? parseAddress(s.family, h.via) : null;
    const len = 8 + (gw ? 4 + gw.byteLength : 0);
    const b = new Uint8Array(len);
    const v = view(b);
    v.setUint16(0, len, true);
    b[3] = Math.max(0, Math.min(255, (h.weight ?? 1) - 1));
    v.setInt32(4, h.ifindex ?? 0, true);
    if (gw) {
      v.setUint16(8, 4 + gw.byteLength, true);
      v.setUint16(10, C.RTA_GATEWAY, true);
      b.set(gw, 12);
    }
    parts.push(b);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) (out.set(p, off), off += p.byteLength);
  return out;
}

function routeMessage(type: number, flags: number, s: RouteSpec): NlMessage {
  const dst = parseRouteDst(s);
  const table = s.table ?? C.RT_TABLE_MAIN;
  const add = type === C.RTM_NEWROUTE;
  const rtype = s.type ?? "unicast";
  const gateway = !!s.via || (s.nexthops ?? []).some((h) => h.via);
  const b = new Uint8Array(12);
  b[0] = afOf(s.family);
  b[1] = dst.len;
  b[4] = table < 256 ? table : C.RT_TABLE_UNSPEC;
  // keepalived's protocol on add, and on delete too: the kernel then removes only a route with
  // `proto keepalived`, never an operator's route of the same destination.
  b[5] = RTPROT_KEEPALIVED;
  // As iproute2: a unicast route without a gateway is link scope (blackhole & co. universe);
  // deletes match any scope.
  b[6] = add ? (gateway || rtype !== "unicast" ? C.RT_SCOPE.global : C.RT_SCOPE.link) : C.RT_SCOPE.nowhere;
  b[7] = add || s.type ? RTN[rtype] : 0;
  const m = new NlMessage(type, flags, b);
  if (dst.addr) m.attr(C.RTA_DST, dst.addr);
  // Sent as given: the kernel refuses a gateway or device on a blackhole route (EINVAL).
  if (s.nexthops && s.nexthops.length > 0) m.attr(RTA_MULTIPATH, multipath(s));
  if (s.via) m.attr(C.RTA_GATEWAY, parseAddress(s.family, s.via));
  if (s.ifindex) m.u32(C.RTA_OIF, s.ifindex);
  if (s.src) m.attr(C.RTA_PREFSRC, parseAddress(s.family, s.src));
  if (s.metric !== undefined) m.u32(C.RTA_PRIORITY, s.metric);
  m.u32(C.RTA_TABLE, table);
  return m;
}

// Policy routing (linux/fib_rules.h).
const RTM_NEWRULE = 32;
const RTM_DELRULE = 33;
const FRA = { dst: 1, src: 2, iifname: 3, priority: 6, fwmark: 10, table: 15, fwmask: 16, oifname: 17 } as const;
const FR_ACT = { table: 1, blackhole: 6, unreachable: 7, prohibit: 8 } as const;
const FIB_RULE_INVERT = 2;

function rulePrefix(family: 4 | 6, p: string | undefined): { addr: Uint8Array | null; len: number } {
  if (p === undefined || p === "all" || p === "default" || p === "any") return { addr: null, len: 0 };
  const [a = "", l] = p.split("/");
  if (familyOf(a) !== family) throw new TypeError(`rule: ${p} is not IPv${family}`);
  const max = family === 4 ? 32 : 128;
  const len = l === undefined ? max : Number(l);
  if (!Number.isInteger(len) || len < 0 || len > max) throw new TypeError(`rule: bad prefix length in ${p}`);
  return { addr: parseAddress(family, a), len };
}

/** struct fib_rule_hdr { family, dst_len, src_len, tos, table, res1, res2, action; u32 flags } + FRA_*. */
export function ruleMessage(type: number, flags: number, s: RuleSpec): NlMessage {
  const from = rulePrefix(s.family, s.from);
  const to = rulePrefix(s.family, s.to);
  const action = s.action ?? "table";
  const table = action === "table" ? s.table ?? C.RT_TABLE_MAIN : 0;
  const b = new Uint8Array(12);
  b[0] = afOf(s.family);
  b[1] = to.len;
  b[2] = from.len;
  b[4] = table > 0 && table < 256 ? table : C.RT_TABLE_UNSPEC;
  b[7] = FR_ACT[action];
  view(b).setUint32(8, s.invert ? FIB_RULE_INVERT : 0, true);
  const m = new NlMessage(type, flags, b);
  if (to.addr) m.attr(FRA.dst, to.addr);
  if (from.addr) m.attr(FRA.src, from.addr);
  if (s.iif) m.str(FRA.iifname, s.iif);
  if (s.oif) m.str(FRA.oifname, s.oif);
  if (s.priority !== undefined) m.u32(FRA.priority, s.priority);
  if (s.fwmark !== undefined) m.u32(FRA.fwmark, s.fwmark);
  if (s.fwmask !== undefined) m.u32(FRA.fwmask, s.fwmask);
  if (table >= 256) m.u32(FRA.table, table);
  return m;
}

const REQ_ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;

export interface LinuxAddressManagerOptions {
  /** Shares a request socket (e.g. with the link watcher); one is created otherwise. */
  netlink?: NetlinkSocket;
  timeoutMs?: number;
}

export class LinuxAddressManager implements AddressManager {
  private readonly nl: NetlinkSocket;
  private readonly owned: boolean;

  constructor(opts: LinuxAddressManagerOptions = {}) {
    this.owned = !opts.netlink;
    this.nl = opts.netlink ?? new NetlinkSocket({ timeoutMs: opts.timeoutMs });
  }

  add(spec: AddressSpec): boolean {
    return this.expect(() => this.nl.request(addrMessage(C.RTM_NEWADDR, REQ_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, spec), "RTM_NEWADDR"), ["EEXIST"]);
  }

  remove(spec: AddressSpec): boolean {
    return this.expect(() => this.nl.request(addrMessage(C.RTM_DELADDR, REQ_ACK, spec), "RTM_DELADDR"), ["EADDRNOTAVAIL", "ENOENT"]);
  }

  list(ifindex: number): InterfaceAddress[] {
    return dumpAddrs(this.nl)
      .filter((a) => a.index === ifindex)
      .map(({ family, address, prefixLength, label }) => ({ family, address, prefixLength, ...(label !== undefined ? { label } : {}) }));
  }

  addRoute(spec: RouteSpec): boolean {
    return this.expect(() => this.nl.request(routeMessage(C.RTM_NEWROUTE, REQ_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, spec), "RTM_NEWROUTE"), ["EEXIST"]);
  }

  removeRoute(spec: RouteSpec): boolean {
    return this.expect(() => this.nl.request(routeMessage(C.RTM_DELROUTE, REQ_ACK, spec), "RTM_DELROUTE"), ["ESRCH", "ENOENT"]);
  }

  addRule(spec: RuleSpec): boolean {
    return this.expect(() => this.nl.request(ruleMessage(RTM_NEWRULE, REQ_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, spec), "RTM_NEWRULE"), ["EEXIST"]);
  }

  removeRule(spec: RuleSpec): boolean {
    return this.expect(() => this.nl.request(ruleMessage(RTM_DELRULE, REQ_ACK, spec), "RTM_DELRULE"), ["ENOENT", "ESRCH"]);
  }

  close(): void {
    if (this.owned) this.nl.close();
  }

  private expect(fn: () => unknown, benign: string[]): boolean {
    try {
      fn();
      return true;
    } catch (e) {
      if (e instanceof OsError && benign.includes(e.code)) return false;
      throw e;
    }
  }
}
