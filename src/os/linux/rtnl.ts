// rtnetlink operations on links, addresses and routes (the route and rule messages are in
// rtnl-route.ts); LinuxAddressManager implements the AddressManager port on top of them.

import type { Family } from "../../protocol/types.ts";
import type { AddressManager, AddressSpec, InterfaceAddress, RouteSpec, RuleSpec } from "../../runtime/ports.ts";
import * as C from "./consts.ts";
import { OsError } from "./errors.ts";
import { formatAddress, parseAddress } from "./inet.ts";
import { routeAddFlags, routeMessage, RTM_DELRULE, RTM_NEWRULE, ruleMessage } from "./rtnl-route.ts";

export { routeMessage, ruleMessage } from "./rtnl-route.ts";
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
    return this.expect(() => this.nl.request(routeMessage(C.RTM_NEWROUTE, routeAddFlags(spec), spec), "RTM_NEWROUTE"), ["EEXIST"]);
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
