// C struct packing for the 64-bit Linux ABI (x86-64, arm64; little endian). Every buffer comes
// from `alloc` (its own ArrayBuffer) so bun:ffi pointers into it stay valid while it is referenced.

import { ptr } from "bun:ffi";
import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, IP_PKTINFO, IPPROTO_IP, IPPROTO_IPV6, IPV6_PKTINFO } from "./consts.ts";

export function alloc(n: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new ArrayBuffer(n));
}

export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function int32(v: number): Uint8Array {
  const b = alloc(4);
  view(b).setInt32(0, v, true);
  return b;
}

export const SOCKADDR_IN_LEN = 16;
export const SOCKADDR_IN6_LEN = 28;
export const SOCKADDR_LL_LEN = 20;
export const SOCKADDR_NL_LEN = 12;

export function sockaddrIn(addr: Uint8Array, port = 0): Uint8Array {
  const b = alloc(SOCKADDR_IN_LEN);
  const v = view(b);
  v.setUint16(0, AF_INET, true);
  v.setUint16(2, port, false);
  b.set(addr.subarray(0, 4), 4);
  return b;
}

export function sockaddrIn6(addr: Uint8Array, scopeId = 0, port = 0): Uint8Array {
  const b = alloc(SOCKADDR_IN6_LEN);
  const v = view(b);
  v.setUint16(0, AF_INET6, true);
  v.setUint16(2, port, false);
  b.set(addr.subarray(0, 16), 8);
  v.setUint32(24, scopeId, true);
  return b;
}

/** sockaddr_ll: protocol in host order here, stored big endian. */
export function sockaddrLl(ifindex: number, protocol: number, hwaddr?: Uint8Array): Uint8Array {
  const b = alloc(SOCKADDR_LL_LEN);
  const v = view(b);
  v.setUint16(0, AF_PACKET, true);
  v.setUint16(2, protocol, false);
  v.setInt32(4, ifindex, true);
  if (hwaddr) {
    b[11] = hwaddr.length;
    b.set(hwaddr.subarray(0, 8), 12);
  }
  return b;
}

export function sockaddrNl(groups = 0, pid = 0): Uint8Array {
  const b = alloc(SOCKADDR_NL_LEN);
  const v = view(b);
  v.setUint16(0, AF_NETLINK, true);
  v.setUint32(4, pid, true);
  v.setUint32(8, groups, true);
  return b;
}

/** struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; } */
export function ipMreqn(group: Uint8Array, ifindex: number): Uint8Array {
  const b = alloc(12);
  b.set(group.subarray(0, 4), 0);
  view(b).setInt32(8, ifindex, true);
  return b;
}

/** struct ipv6_mreq { in6_addr multiaddr; unsigned ifindex; } */
export function ipv6Mreq(group: Uint8Array, ifindex: number): Uint8Array {
  const b = alloc(20);
  b.set(group.subarray(0, 16), 0);
  view(b).setUint32(16, ifindex, true);
  return b;
}

/** struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr; } */
export function inPktinfo(ifindex: number, specDst: Uint8Array): Uint8Array {
  const b = alloc(12);
  view(b).setInt32(0, ifindex, true);
  b.set(specDst.subarray(0, 4), 4);
  return b;
}

/** struct in6_pktinfo { in6_addr addr; unsigned ifindex; } */
export function in6Pktinfo(ifindex: number, addr: Uint8Array): Uint8Array {
  const b = alloc(20);
  b.set(addr.subarray(0, 16), 0);
  view(b).setUint32(16, ifindex, true);
  return b;
}

// ---- cmsg ------------------------------------------------------------------------------------

export const CMSG_HDR_LEN = 16; // size_t len; int level; int type
export const cmsgAlign = (n: number): number => (n + 7) & ~7;
export const cmsgSpace = (n: number): number => CMSG_HDR_LEN + cmsgAlign(n);

export function buildCmsg(level: number, type: number, data: Uint8Array): Uint8Array {
  const b = alloc(cmsgSpace(data.byteLength));
  const v = view(b);
  v.setBigUint64(0, BigInt(CMSG_HDR_LEN + data.byteLength), true);
  v.setInt32(8, level, true);
  v.setInt32(12, type, true);
  b.set(data, CMSG_HDR_LEN);
  return b;
}

export interface Cmsg {
  level: number;
  type: number;
  data: Uint8Array;
}

export function parseCmsgs(control: Uint8Array, length: number): Cmsg[] {
  const out: Cmsg[] = [];
  const v = view(control);
  let off = 0;
  while (off + CMSG_HDR_LEN <= length) {
    const len = Number(v.getBigUint64(off, true));
    if (len < CMSG_HDR_LEN || off + len > length) break;
    out.push({
      level: v.getInt32(off + 8, true),
      type: v.getInt32(off + 12, true),
      data: control.subarray(off + CMSG_HDR_LEN, off + len),
    });
    off += cmsgAlign(len);
  }
  return out;
}

/**
 * Where a VRRP datagram goes and leaves from, for sendmsg: the destination sockaddr, and the
 * pktinfo cmsg naming the interface and source (IP_PKTINFO / IPV6_PKTINFO).
 */
export function sendRoute(family: 4 | 6, ifindex: number, dst: Uint8Array, src: Uint8Array): { name: Uint8Array; control: Uint8Array } {
  return family === 4
    ? { name: sockaddrIn(dst), control: buildCmsg(IPPROTO_IP, IP_PKTINFO, inPktinfo(ifindex, src)) }
    : { name: sockaddrIn6(dst, ifindex), control: buildCmsg(IPPROTO_IPV6, IPV6_PKTINFO, in6Pktinfo(ifindex, src)) };
}

/**
 * parseCmsgs without allocating: `visit` gets each message's level, type and where its data sits in
 * `control` (the receive path calls this per datagram).
 */
export function walkCmsgs(cv: DataView, length: number, visit: (level: number, type: number, dataOff: number, dataLen: number) => void): void {
  for (let off = 0; off + CMSG_HDR_LEN <= length;) {
    const len = cv.getUint32(off, true); // a size_t: its high half is 0 for any real message
    if (len < CMSG_HDR_LEN || off + len > length) return;
    visit(cv.getInt32(off + 8, true), cv.getInt32(off + 12, true), off + CMSG_HDR_LEN, len - CMSG_HDR_LEN);
    off += cmsgAlign(len);
  }
}

// ---- msghdr ------------------------------------------------------------------------------------

export const MSGHDR_LEN = 56;

/**
 * A reusable msghdr with one iovec. The caller keeps the object alive for the duration of the
 * call; the pointers written into it refer to `name`, `data` and `control`.
 */
export class MsgHdr {
  readonly hdr = alloc(MSGHDR_LEN);
  readonly iov = alloc(16);
  private readonly hv = view(this.hdr);
  private readonly iv = view(this.iov);
  name: Uint8Array | null = null;
  data: Uint8Array = alloc(0);
  control: Uint8Array | null = null;

  /** Points the header at the buffers; `dataLen`/`controlLen` default to the whole buffers. */
  set(name: Uint8Array | null, data: Uint8Array, control: Uint8Array | null, dataLen = data.byteLength, controlLen = control?.byteLength ?? 0): this {
    this.name = name;
    this.data = data;
    this.control = control;
    const hv = this.hv;
    hv.setBigUint64(0, name ? BigInt(ptr(name)) : 0n, true);
    hv.setUint32(8, name ? name.byteLength : 0, true);
    this.iv.setBigUint64(0, dataLen > 0 ? BigInt(ptr(data)) : 0n, true);
    this.iv.setBigUint64(8, BigInt(dataLen), true);
    hv.setBigUint64(16, BigInt(ptr(this.iov)), true);
    hv.setBigUint64(24, 1n, true);
    hv.setBigUint64(32, control && controlLen > 0 ? BigInt(ptr(control)) : 0n, true);
    hv.setBigUint64(40, BigInt(control ? controlLen : 0), true);
    hv.setInt32(48, 0, true);
    return this;
  }

  /** Restores the lengths recvmsg overwrote (after set(), same buffers): no BigInt, no allocation. */
  reset(): this {
    this.hv.setUint32(8, this.name ? this.name.byteLength : 0, true);
    this.hv.setUint32(40, this.control ? this.control.byteLength : 0, true);
    this.hv.setUint32(44, 0, true);
    this.hv.setInt32(48, 0, true);
    return this;
  }

  get nameLen(): number {
    return this.hv.getUint32(8, true);
  }
  get controlLen(): number {
    return this.hv.getUint32(40, true) + this.hv.getUint32(44, true) * 0x1_0000_0000; // no BigInt
  }
  get flags(): number {
    return this.hv.getInt32(48, true);
  }
}

/** Concatenates cmsg blocks built with buildCmsg into one FFI-safe buffer. */
export function joinCmsgs(parts: Uint8Array[]): Uint8Array {
  const out = alloc(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

/**
 * it_value of a struct itimerspec { interval, value } (each { tv_sec, tv_nsec }) in `iv`: `atMs` on
 * CLOCK_MONOTONIC rounded up to the next µs (a timerfd must never expire before the deadline), or
 * zero for Infinity (disarmed). No BigInt: the io thread allocates nothing per advert.
 */
export function setItimerValue(iv: DataView, atMs: number): void {
  if (atMs === Infinity) {
    for (let o = 16; o < 32; o += 4) iv.setUint32(o, 0, true);
    return;
  }
  const us = Math.ceil(atMs * 1000);
  const sec = Math.floor(us / 1e6);
  iv.setUint32(16, sec % 0x1_0000_0000, true); // a 64-bit tv_sec as two halves
  iv.setUint32(20, Math.floor(sec / 0x1_0000_0000), true);
  iv.setUint32(24, (us % 1e6) * 1000, true);
  iv.setUint32(28, 0, true);
}
