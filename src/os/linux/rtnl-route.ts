// rtnetlink messages for routes (RTM_NEWROUTE/RTM_DELROUTE) and policy rules (RTM_NEWRULE/
// RTM_DELRULE), with every option keepalived sets (linux/rtnetlink.h, linux/fib_rules.h). A delete
// names the same route or rule (destination, tos, table, protocol, gateway, device, metric; for
// rules every selector) so the kernel removes ours and never an operator's look-alike.

import type { Family } from "../../protocol/types.ts";
import type { RouteMetric } from "../../config/schema.ts";
import { type RouteSpec, type RouteType, RTPROT_KEEPALIVED, type RuleSpec } from "../../runtime/ports.ts";
import * as C from "./consts.ts";
import { familyOf, parseAddress } from "./inet.ts";
import { NlMessage } from "./netlink.ts";
import { view } from "./structs.ts";

const afOf = (f: Family) => (f === 4 ? C.AF_INET : C.AF_INET6);

export const NLM_F_APPEND = 0x800;
const RTA_METRICS = 8;
const RTA_MULTIPATH = 9;
const RTA_FLOW = 11;
const RTA_PREF = 20;
const RTA_EXPIRES = 23;
const RTNH_F_ONLINK = 4;
const RTN: Record<RouteType, number> = {
  unicast: C.RTN_UNICAST,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
  throw: 9,
  nat: 10,
};
/** RTAX_* (linux/rtnetlink.h); RTAX_LOCK (1) is the bitmask of locked ones, 1 << RTAX_x. */
const RTAX: Record<RouteMetric | "congctl" | "features", number> = {
  mtu: 2,
  window: 3,
  rtt: 4,
  rttvar: 5,
  ssthresh: 6,
  cwnd: 7,
  advmss: 8,
  reordering: 9,
  hoplimit: 10,
  initcwnd: 11,
  features: 12,
  rto_min: 13,
  initrwnd: 14,
  quickack: 15,
  congctl: 16,
  fastopen_no_cookie: 17,
};
const RTAX_LOCK = 1;
const RTAX_FEATURE_ECN = 1;
/** The kernel keeps rtt in 1/8 ms and rttvar in 1/4 ms (as `ip route` writes them). */
const TIME_SCALE: Partial<Record<RouteMetric, number>> = { rtt: 8, rttvar: 4, rto_min: 1 };
/** ICMPV6_ROUTER_PREF_*. */
const PREF = { low: 3, medium: 0, high: 1 } as const;

/** One rtattr: u16 len, u16 type, payload, padded to 4. */
function rtattr(type: number, data: Uint8Array): Uint8Array {
  const len = 4 + data.byteLength;
  const b = new Uint8Array((len + 3) & ~3);
  view(b).setUint16(0, len, true);
  view(b).setUint16(2, type, true);
  b.set(data, 4);
  return b;
}

const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  view(b).setUint32(0, n >>> 0, true);
  return b;
};

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) (out.set(p, off), off += p.byteLength);
  return out;
}

/** RTA_METRICS: nested RTAX_* attributes; null when the route sets none. */
export function routeMetrics(s: RouteSpec): Uint8Array | null {
  const o = s.options;
  if (!o) return null;
  const parts: Uint8Array[] = [];
  let lock = 0;
  for (const name of o.locked ?? []) lock |= 1 << RTAX[name];
  if (lock) parts.push(rtattr(RTAX_LOCK, u32(lock)));
  for (const [name, n] of Object.entries(o.metrics ?? {}) as [RouteMetric, number][]) {
    parts.push(rtattr(RTAX[name], u32(Math.round(n * (TIME_SCALE[name] ?? 1)))));
  }
  if (o.ecn) parts.push(rtattr(RTAX.features, u32(RTAX_FEATURE_ECN)));
  if (o.congctl) parts.push(rtattr(RTAX.congctl, new TextEncoder().encode(`${o.congctl}\0`)));
  return parts.length > 0 ? concat(parts) : null;
}

interface ParsedDst {
  addr: Uint8Array | null;
  len: number;
}

function parseRouteDst(spec: RouteSpec): ParsedDst {
  if (spec.to === "default") return { addr: null, len: 0 };
  const [a = "", l] = spec.to.split("/");
  const fam = familyOf(a);
  if (fam !== spec.family) throw new TypeError(`route: ${spec.to} is not IPv${spec.family}`);
  const max = fam === 4 ? 32 : 128;
  const len = l === undefined ? max : Number(l);
  if (!Number.isInteger(len) || len < 0 || len > max) throw new TypeError(`route: bad prefix length in ${spec.to}`);
  return { addr: parseAddress(fam, a), len };
}

/** struct rtnexthop { u16 len; u8 flags; u8 hops; s32 ifindex; } + RTA_GATEWAY / RTA_FLOW per hop. */
function multipath(s: RouteSpec): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const h of s.nexthops ?? []) {
    const attrs: Uint8Array[] = [];
    if (h.via) attrs.push(rtattr(C.RTA_GATEWAY, parseAddress(s.family, h.via)));
    if (h.realms !== undefined) attrs.push(rtattr(RTA_FLOW, u32(h.realms)));
    const body = concat(attrs);
    const b = new Uint8Array(8 + body.byteLength);
    const v = view(b);
    v.setUint16(0, b.byteLength, true);
    b[2] = h.onlink ? RTNH_F_ONLINK : 0;
    b[3] = Math.max(0, Math.min(255, (h.weight ?? 1) - 1));
    v.setInt32(4, h.ifindex ?? 0, true);
    b.set(body, 8);
    parts.push(b);
  }
  return concat(parts);
}

export function routeMessage(type: number, flags: number, s: RouteSpec): NlMessage {
  const dst = parseRouteDst(s);
  const o = s.options ?? {};
  const table = s.table ?? C.RT_TABLE_MAIN;
  const add = type === C.RTM_NEWROUTE;
  const rtype = s.type ?? "unicast";
  const b = new Uint8Array(12);
  b[0] = afOf(s.family);
  b[1] = dst.len;
  b[3] = o.tos ?? 0;
  b[4] = table < 256 ? table : C.RT_TABLE_UNSPEC;
  // keepalived's protocol on add, and on delete too: the kernel then removes only a route with
  // that protocol, never an operator's route of the same destination. A route keepalived does
  // not track (`no_track`) may carry its own.
  b[5] = o.protocol ?? RTPROT_KEEPALIVED;
  // Default scope keepalived's, universe (global) even without a gateway — not iproute2's link:
  // `ip route show` then reads as after keepalived. Deletes match any scope.
  b[6] = add ? o.scope ?? C.RT_SCOPE.global : C.RT_SCOPE.nowhere;
  b[7] = add || s.type ? RTN[rtype] : 0;
  if (o.onlink) view(b).setUint32(8, RTNH_F_ONLINK, true);
  const m = new NlMessage(type, flags, b);
  if (dst.addr) m.attr(C.RTA_DST, dst.addr);
  // Sent as given: the kernel refuses a gateway or device on a blackhole route (EINVAL).
  if (s.nexthops && s.nexthops.length > 0) m.attr(RTA_MULTIPATH, multipath(s));
  if (s.via) m.attr(C.RTA_GATEWAY, parseAddress(s.family, s.via));
  if (s.ifindex) m.u32(C.RTA_OIF, s.ifindex);
  if (s.src) m.attr(C.RTA_PREFSRC, parseAddress(s.family, s.src));
  if (s.metric !== undefined) m.u32(C.RTA_PRIORITY, s.metric);
  m.u32(C.RTA_TABLE, table);
  if (add) {
    if (o.realms !== undefined) m.u32(RTA_FLOW, o.realms);
    const metrics = routeMetrics(s);
    if (metrics) m.attr(RTA_METRICS, metrics);
    if (o.pref !== undefined) m.attr(RTA_PREF, new Uint8Array([PREF[o.pref]]));
    if (o.expires !== undefined) m.u32(RTA_EXPIRES, o.expires);
  }
  return m;
}

/** Add flags: refuse an existing route (EEXIST: somebody else's), or keepalived's `append`. */
export function routeAddFlags(s: RouteSpec): number {
  return C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | (s.options?.append ? NLM_F_APPEND : C.NLM_F_EXCL);
}

// Policy routing (linux/fib_rules.h).
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
const FRA = {
  dst: 1,
  src: 2,
  iifname: 3,
  goto: 4,
  priority: 6,
  fwmark: 10,
  flow: 11,
  suppressIfgroup: 13,
  suppressPrefixLength: 14,
  table: 15,
  fwmask: 16,
  oifname: 17,
  l3mdev: 19,
  uidRange: 20,
  protocol: 21,
  ipProto: 22,
  sportRange: 23,
  dportRange: 24,
} as const;
const FR_ACT = { table: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 } as const;
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

function range(bytes: 2 | 4, [lo, hi]: [number, number]): Uint8Array {
  const b = new Uint8Array(2 * bytes);
  if (bytes === 2) (view(b).setUint16(0, lo, true), view(b).setUint16(2, hi, true));
  else (view(b).setUint32(0, lo, true), view(b).setUint32(4, hi, true));
  return b;
}

/** struct fib_rule_hdr { family, dst_len, src_len, tos, table, res1, res2, action; u32 flags } + FRA_*. */
export function ruleMessage(type: number, flags: number, s: RuleSpec): NlMessage {
  const from = rulePrefix(s.family, s.from);
  const to = rulePrefix(s.family, s.to);
  const action = s.action ?? "table";
  // l3mdev: the table is the VRF's, found per packet; the kernel refuses a table with it.
  const table = action === "table" && !s.l3mdev ? s.table ?? C.RT_TABLE_MAIN : 0;
  const b = new Uint8Array(12);
  b[0] = afOf(s.family);
  b[1] = to.len;
  b[2] = from.len;
  b[3] = s.tos ?? 0;
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
  if (action === "goto" && s.goto !== undefined) m.u32(FRA.goto, s.goto);
  if (s.realms !== undefined) m.u32(FRA.flow, s.realms);
  if (s.suppressPrefixLength !== undefined) m.u32(FRA.suppressPrefixLength, s.suppressPrefixLength);
  if (s.suppressIfgroup !== undefined) m.u32(FRA.suppressIfgroup, s.suppressIfgroup);
  if (s.l3mdev) m.attr(FRA.l3mdev, new Uint8Array([1]));
  if (s.uidRange) m.attr(FRA.uidRange, range(4, s.uidRange));
  // keepalived marks its rules proto keepalived (18); a `no_track` rule carries the protocol it
  // was given, or none. The kernel matches it on delete too.
  const protocol = s.noTrack ? s.protocol : RTPROT_KEEPALIVED;
  if (protocol) m.attr(FRA.protocol, new Uint8Array([protocol]));
  if (s.ipProto !== undefined) m.attr(FRA.ipProto, new Uint8Array([s.ipProto]));
  if (s.sportRange) m.attr(FRA.sportRange, range(2, s.sportRange));
  if (s.dportRange) m.attr(FRA.dportRange, range(2, s.dportRange));
  return m;
}
