// Unsolicited Neighbor Advertisement (RFC 4861 §7.2.6): ICMPv6 type 136 with the Override flag,
// target = VIP, Target Link-Layer Address option, to ff02::1 with hop limit 255. Sent on a raw
// ICMPv6 socket (the kernel fills the checksum). The frame is keepalived 2.2.7's, byte for byte
// (observed with tcpdump, tests/netns/os-announce.test.ts):
// - the source is the VIP itself (§7.2.6 allows any address of the interface), not the link-local;
// - no flow label (IPV6_AUTOFLOWLABEL off: the kernel would hash one in);
// - Override, no Solicited; Router when the interface forwards (net.ipv6.conf.IF.forwarding),
//   read per interface at most once a second — keepalived reads it when it takes over, so an
//   operator's change while master reaches its refreshes only at the next takeover, ours within 1 s.

import { readFileSync } from "node:fs";
import * as C from "./consts.ts";
import { OsError } from "./errors.ts";
import { parseAddress } from "./inet.ts";
import { check, closeFd, libc } from "./libc.ts";
import { setBytes, setInt } from "./sockopt.ts";
import { alloc, buildCmsg, in6Pktinfo, MsgHdr, sockaddrIn6, view } from "./structs.ts";

const ALL_NODES = parseAddress(6, "ff02::1");
const ND_NEIGHBOR_ADVERT = 136;
const NA_FLAG_ROUTER = 0x80000000;
const NA_FLAG_OVERRIDE = 0x20000000;
const ND_OPT_TARGET_LINKADDR = 2;
/** linux/in6.h: 0 turns off the flow label the kernel would otherwise derive per packet. */
const IPV6_AUTOFLOWLABEL = 70;
/** How long an interface's forwarding sysctl (the Router flag) is reused: one read per burst. */
const FORWARDING_TTL_MS = 1000;

export function buildUnsolicitedNa(mac: Uint8Array, target: Uint8Array, router = false): Uint8Array<ArrayBuffer> {
  const b = alloc(32);
  const v = view(b);
  b[0] = ND_NEIGHBOR_ADVERT;
  v.setUint32(4, (NA_FLAG_OVERRIDE | (router ? NA_FLAG_ROUTER : 0)) >>> 0);
  b.set(target, 8);
  b[24] = ND_OPT_TARGET_LINKADDR;
  b[25] = 1; // units of 8 bytes
  b.set(mac.subarray(0, 6), 26);
  return b;
}

export interface NaSenderOptions {
  /** Router flag: fixed, or (absent) from the interface's IPv6 forwarding sysctl, as keepalived. */
  router?: boolean;
  /** /proc, for tests. */
  procRoot?: string;
}

/** The name of an interface with IPv6, from /proc/net/if_inet6 ("addr ifindex plen scope flags name"). */
export function ipv6IfName(ifindex: number, procRoot = "/proc"): string | undefined {
  for (const line of readFileSync(`${procRoot}/net/if_inet6`, "latin1").split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 6 && parseInt(f[1]!, 16) === ifindex) return f[5];
  }
  return undefined;
}

export class NaSender {
  private fd = -1;
  private readonly msg = new MsgHdr();
  private readonly opts: NaSenderOptions;
  /** Per ifindex: its name and whether it forwarded when last read. */
  private readonly forwarding = new Map<number, { name: string | undefined; on: boolean; readAtMs: number }>();

  constructor(opts: NaSenderOptions = {}) {
    this.opts = opts;
  }

  send(ifindex: number, mac: Uint8Array, address: string): void {
    if (this.fd < 0) this.fd = this.openSocket();
    const target = parseAddress(6, address);
    const pkt = buildUnsolicitedNa(mac, target, this.opts.router ?? this.forwards(ifindex));
    const detail = `unsolicited NA ${address} ifindex ${ifindex}`;
    try {
      this.sendFrom(ifindex, pkt, target, detail);
    } catch (e) {
      // The VIP is not (or not yet) an address of this interface (a `dev` elsewhere, a DAD
      // in progress): still announce, from the address the kernel picks (the link-local).
      if (!(e instanceof OsError) || (e.code !== "EADDRNOTAVAIL" && e.code !== "EINVAL")) throw e;
      this.sendFrom(ifindex, pkt, new Uint8Array(16), detail);
    }
  }

  private sendFrom(ifindex: number, pkt: Uint8Array<ArrayBuffer>, source: Uint8Array, detail: string): void {
    const to = sockaddrIn6(ALL_NODES, ifindex);
    const control = buildCmsg(C.IPPROTO_IPV6, C.IPV6_PKTINFO, in6Pktinfo(ifindex, source));
    this.msg.set(to, pkt, control);
    check(libc.sendmsg(this.fd, this.msg.hdr, 0), "sendmsg", detail);
  }

  /** net.ipv6.conf.IF.forwarding of the sending interface (false when it cannot be read). */
  private forwards(ifindex: number): boolean {
    const now = performance.now();
    const known = this.forwarding.get(ifindex);
    if (known && now - known.readAtMs < FORWARDING_TTL_MS) return known.on;
    const root = this.opts.procRoot ?? "/proc";
    const read = (name: string | undefined) => {
      if (name === undefined) return null;
      try {
        return readFileSync(`${root}/sys/net/ipv6/conf/${name}/forwarding`, "latin1").trim() !== "0";
      } catch {
        return null; // renamed or gone: look the name up again
      }
    };
    let name = known?.name;
    let on = read(name);
    if (on === null) {
      try {
        name = ipv6IfName(ifindex, root);
      } catch {
        name = undefined;
      }
      on = read(name);
    }
    this.forwarding.set(ifindex, { name, on: on ?? false, readAtMs: now });
    return on ?? false;
  }

  private openSocket(): number {
    const fd = check(libc.socket(C.AF_INET6, C.SOCK_RAW | C.SOCK_CLOEXEC, C.IPPROTO_ICMPV6), "socket", "raw ICMPv6");
    try {
      setInt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS");
      setInt(fd, C.IPPROTO_IPV6, C.IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS");
      setInt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
      try {
        setInt(fd, C.IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, 0, "IPV6_AUTOFLOWLABEL");
      } catch {
        // Kernels before 4.10 have no such option, and no automatic flow label on this socket either.
      }
      // Send-only: an ICMP6_FILTER that blocks every type keeps the receive queue empty.
      setBytes(fd, C.IPPROTO_ICMPV6, C.ICMP6_FILTER, alloc(32).fill(0xff), "ICMP6_FILTER");
    } catch (e) {
      closeFd(fd);
      throw e;
    }
    return fd;
  }

  close(): void {
    closeFd(this.fd);
    this.fd = -1;
  }
}
