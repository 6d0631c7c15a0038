// Unsolicited Neighbor Advertisement (RFC 4861 §7.2.6): ICMPv6 type 136 with the Override flag,
// target = VIP, Target Link-Layer Address option, to ff02::1 with hop limit 255. Sent on a raw
// ICMPv6 socket (the kernel fills the checksum); the source is left to the kernel, which picks
// the interface's link-local address for a link-scope destination.

import * as C from "./consts.ts";
import { parseAddress } from "./inet.ts";
import { check, closeFd, libc } from "./libc.ts";
import { setBytes, setInt } from "./sockopt.ts";
import { alloc, buildCmsg, in6Pktinfo, MsgHdr, sockaddrIn6, view } from "./structs.ts";

const ALL_NODES = parseAddress(6, "ff02::1");
const ND_NEIGHBOR_ADVERT = 136;
const NA_FLAG_ROUTER = 0x80000000;
const NA_FLAG_OVERRIDE = 0x20000000;
const ND_OPT_TARGET_LINKADDR = 2;

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
  /** Set the Router flag (the node forwards, like keepalived does when ip forwarding is on). */
  router?: boolean;
}

export class NaSender {
  private fd = -1;
  private readonly msg = new MsgHdr();
  private readonly opts: NaSenderOptions;

  constructor(opts: NaSenderOptions = {}) {
    this.opts = opts;
  }

  send(ifindex: number, mac: Uint8Array, address: string): void {
    if (this.fd < 0) this.fd = this.openSocket();
    const pkt = buildUnsolicitedNa(mac, parseAddress(6, address), this.opts.router);
    const to = sockaddrIn6(ALL_NODES, ifindex);
    const control = buildCmsg(C.IPPROTO_IPV6, C.IPV6_PKTINFO, in6Pktinfo(ifindex, new Uint8Array(16)));
    this.msg.set(to, pkt, control);
    check(libc.sendmsg(this.fd, this.msg.hdr, 0), "sendmsg", `unsolicited NA ${address} ifindex ${ifindex}`);
  }

  private openSocket(): number {
    const fd = check(libc.socket(C.AF_INET6, C.SOCK_RAW | C.SOCK_CLOEXEC, C.IPPROTO_ICMPV6), "socket", "raw ICMPv6");
    try {
      setInt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS");
      setInt(fd, C.IPPROTO_IPV6, C.IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS");
      setInt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
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
