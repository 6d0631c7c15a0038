// VRRP virtual MAC interfaces (keepalived `use_vmac`): a macvlan in private mode on the instance's
// interface, with the RFC 5798 §7.3 virtual MAC, created and removed over rtnetlink; and the
// per-interface sysctls that go with it (read from and written to /proc/sys).
//
// RTM_NEWLINK { IFLA_IFNAME, IFLA_LINK = parent, IFLA_ADDRESS = MAC,
//               IFLA_LINKINFO { IFLA_INFO_KIND "macvlan", IFLA_INFO_DATA { IFLA_MACVLAN_MODE = PRIVATE } } }
// The link is created down; the caller sets what must be set before the first packet (IPv6
// addr_gen_mode none: a link-local from the shared virtual MAC would collide between routers and
// its DAD/RS frames would teach the switch the virtual MAC on the backup's port), then up; an IPv6
// VMAC that sends then gets the base's link-local (linkLocalMessage), as keepalived 2.2.7 gives it.

import { readFileSync, writeFileSync } from "node:fs";
import type { VmacOs } from "../../runtime/vmac.ts";
import * as C from "./consts.ts";
import { OsError } from "./errors.ts";
import { attrString, NetlinkSocket, NlMessage, parseAttrs } from "./netlink.ts";
import { parseAddress } from "./inet.ts";
import { dumpAddrs, getLink } from "./rtnl.ts";
import { view } from "./structs.ts";

const IFLA_LINK = 5;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_MACVLAN_MODE = 1;
const MACVLAN_MODE_PRIVATE = 1;
const NLA_F_NESTED = 0x8000;

const align4 = (n: number) => (n + 3) & ~3;

/** One netlink attribute (header + data, padded to 4). */
export function rtattr(type: number, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(align4(4 + data.byteLength));
  const v = view(b);
  v.setUint16(0, 4 + data.byteLength, true);
  v.setUint16(2, type, true);
  b.set(data, 4);
  return b;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  view(b).setUint32(0, n >>> 0, true);
  return b;
}

function ifinfomsg(index = 0, flags = 0, change = 0): Uint8Array {
  const b = new Uint8Array(16);
  const v = view(b);
  v.setInt32(4, index, true);
  v.setUint32(8, flags, true);
  v.setUint32(12, change, true);
  return b;
}

/**
 * The RTM_NEWLINK request that creates a private-mode macvlan `name` on `parent` with `mac`;
 * `ifindex` asks the kernel for that index (a VMAC made again keeps the index the sockets name).
 */
export function macvlanMessage(name: string, parentIndex: number, mac: Uint8Array, ifindex = 0): NlMessage {
  const m = new NlMessage(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, ifinfomsg(ifindex));
  m.str(C.IFLA_IFNAME, name);
  m.u32(IFLA_LINK, parentIndex);
  m.attr(C.IFLA_ADDRESS, mac.subarray(0, 6));
  const data = rtattr(IFLA_INFO_DATA | NLA_F_NESTED, rtattr(IFLA_MACVLAN_MODE, u32(MACVLAN_MODE_PRIVATE)));
  const kind = rtattr(IFLA_INFO_KIND, new TextEncoder().encode("macvlan"));
  m.attr(IFLA_LINKINFO | NLA_F_NESTED, concat([kind, data]));
  return m;
}

const IFA_CACHEINFO = 6;
const INFINITY_LIFE = 0xffffffff;

/**
 * RTM_NEWADDR of an IPv6 link-local /64 with IFA_F_NODAD (the base holds the same address) and
 * preferred_lft 0 (deprecated, as keepalived 2.2.7 adds it), valid forever; the adverts name it.
 */
export function linkLocalMessage(index: number, address: Uint8Array): NlMessage {
  const ifa = new Uint8Array(8);
  const v = view(ifa);
  ifa[0] = C.AF_INET6;
  ifa[1] = 64;
  ifa[2] = C.IFA_F_NODAD;
  ifa[3] = C.RT_SCOPE.link;
  v.setUint32(4, index, true);
  const m = new NlMessage(C.RTM_NEWADDR, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_REPLACE, ifa);
  m.attr(C.IFA_ADDRESS, address);
  m.u32(C.IFA_FLAGS, C.IFA_F_NODAD);
  const cache = new Uint8Array(16); // ifa_cacheinfo: prefered, valid, cstamp, tstamp
  view(cache).setUint32(4, INFINITY_LIFE, true);
  m.attr(IFA_CACHEINFO, cache);
  return m;
}

/** The kind (IFLA_INFO_KIND) and parent (IFLA_LINK) of a link, from its RTM_NEWLINK body. */
export function linkKind(body: Uint8Array): { kind?: string; parent?: number } {
  const attrs = parseAttrs(body, 16);
  const info = attrs.get(IFLA_LINKINFO);
  const link = attrs.get(IFLA_LINK);
  const kind = info ? attrString(parseAttrs(info, 0).get(IFLA_INFO_KIND)) : undefined;
  return { ...(kind !== undefined && { kind }), ...(link && link.byteLength >= 4 && { parent: view(link).getUint32(0, true) }) };
}

export class LinuxVmacOs implements VmacOs {
  constructor(private readonly nl: NetlinkSocket) {}

  create(name: string, parentIndex: number, mac: Uint8Array, ifindex?: number): number {
    this.nl.request(macvlanMessage(name, parentIndex, mac, ifindex), "RTM_NEWLINK macvlan");
    const l = getLink(this.nl, name);
    if (!l) throw new OsError("RTM_GETLINK", 19, /* ENODEV */ `${name} vanished after creation`);
    return l.index;
  }

  describe(name: string): { index: number; mac: Uint8Array; kind?: string; parent?: number } | undefined {
    const m = new NlMessage(C.RTM_GETLINK, C.NLM_F_REQUEST, ifinfomsg());
    m.str(C.IFLA_IFNAME, name);
    try {
      const r = this.nl.request(m, "RTM_GETLINK").find((x) => x.type === C.RTM_NEWLINK);
      if (!r) return undefined;
      const attrs = parseAttrs(r.body, 16);
      return { index: view(r.body).getInt32(4, true), mac: attrs.get(C.IFLA_ADDRESS)?.slice() ?? new Uint8Array(6), ...linkKind(r.body) };
    } catch (e) {
      if (e instanceof OsError && (e.code === "ENODEV" || e.code === "ENOENT")) return undefined;
      throw e;
    }
  }

  up(index: number): void {
    this.nl.request(new NlMessage(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, ifinfomsg(index, C.IFF_UP, C.IFF_UP)), "RTM_NEWLINK up");
  }

  remove(name: string): boolean {
    const m = new NlMessage(C.RTM_DELLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, ifinfomsg());
    m.str(C.IFLA_IFNAME, name);
    try {
      this.nl.request(m, "RTM_DELLINK");
      return true;
    } catch (e) {
      if (e instanceof OsError && (e.code === "ENODEV" || e.code === "ENOENT")) return false;
      throw e;
    }
  }

  linkLocal(index: number): string | undefined {
    return dumpAddrs(this.nl, 6).find((a) => a.index === index && a.address.startsWith("fe80:"))?.address;
  }

  addLinkLocal(index: number, address: string): void {
    this.nl.request(linkLocalMessage(index, parseAddress(6, address)), "RTM_NEWADDR link-local");
  }

  readSysctl(path: string): string | null {
    try {
      return readFileSync(`/proc/sys/${path}`, "utf8").trim();
    } catch {
      return null;
    }
  }

  writeSysctl(path: string, value: string): void {
    writeFileSync(`/proc/sys/${path}`, value);
  }
}
