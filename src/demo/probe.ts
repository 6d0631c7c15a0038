// The demo's eyes, run inside the client namespace (`vigil demo --probe VIP`): a raw capture of
// VRRP adverts and gratuitous ARPs on eth0 (what `tcpdump -n proto 112` shows) and an ICMP echo to
// the VIP every 10 ms (what a user's ping sees). One blocking poll() loop in its own process, so
// every timestamp comes from one clock (CLOCK_MONOTONIC, shared with the parent) with µs precision.
// Events go to stdout as JSON lines (ProbeEvent), written synchronously: the loop never yields.
import { writeSync } from "node:fs";
import { internetChecksum } from "../protocol/checksum.ts";
import { decodeAdvert } from "../protocol/packet.ts";
import * as C from "../os/linux/consts.ts";
import { formatIPv4, formatMac, parseIPv4 } from "../os/linux/inet.ts";
import { check, ifNameToIndex, libc, monotonicMs } from "../os/linux/libc.ts";
import { alloc, sockaddrIn, sockaddrLl, view } from "../os/linux/structs.ts";

export type ProbeEvent =
  | { k: "ready"; t: number }
  | {
    k: "advert";
    t: number;
    src: string;
    ttl: number;
    version: number;
    vrid: number;
    priority: number;
    intervalCs: number;
    authType: number;
    addresses: string[];
  }
  | { k: "garp"; t: number; ip: string; mac: string }
  | { k: "reply"; t: number; seq: number };

export const PROBE_INTERVAL_MS = 10;
const IPPROTO_ICMP = 1;
const ICMP_ECHO_REPLY = 0;
const ICMP_ECHO_REQUEST = 8;
const htons = (v: number) => ((v & 0xff) << 8) | (v >> 8);

function emit(e: ProbeEvent): void {
  try {
    writeSync(1, `${JSON.stringify(e)}\n`);
  } catch {
    process.exit(0); // The demo went away (EPIPE): so do we, or the namespace stays pinned.
  }
}

function packetSocket(ifindex: number, ethertype: number): number {
  const fd = check(libc.socket(C.AF_PACKET, C.SOCK_DGRAM | C.SOCK_CLOEXEC, htons(ethertype)), "socket", "AF_PACKET");
  const sll = sockaddrLl(ifindex, ethertype);
  check(libc.bind(fd, sll, sll.byteLength), "bind", "AF_PACKET");
  return fd;
}

function echoRequest(id: number, seq: number): Uint8Array<ArrayBuffer> {
  const b = alloc(16);
  const v = view(b);
  b[0] = ICMP_ECHO_REQUEST;
  v.setUint16(4, id);
  v.setUint16(6, seq & 0xffff);
  v.setUint32(8, seq);
  v.setUint16(2, internetChecksum(b));
  return b;
}

/** Never returns: the demo stops it with a signal. */
export function runProbe(target: string, ifname = "eth0"): number {
  const dst = parseIPv4(target);
  if (!dst) throw new Error(`--probe: not an IPv4 address: ${target}`);
  const ifindex = ifNameToIndex(ifname);
  const ipFd = packetSocket(ifindex, C.ETH_P_IP);
  const arpFd = packetSocket(ifindex, C.ETH_P_ARP);
  const icmpFd = check(libc.socket(C.AF_INET, C.SOCK_RAW | C.SOCK_CLOEXEC, IPPROTO_ICMP), "socket", "ICMP");
  const to = sockaddrIn(dst);
  const id = process.pid & 0xffff;
  const fds = [ipFd, arpFd, icmpFd];
  const pollBuf = alloc(8 * fds.length);
  const pv = view(pollBuf);
  const buf = alloc(65536);
  const bv = view(buf);

  emit({ k: "ready", t: monotonicMs() });
  let seq = 0;
  let next = monotonicMs();
  for (;;) {
    let now = monotonicMs();
    if (now >= next) {
      const req = echoRequest(id, seq++);
      // Errors (EHOSTUNREACH while nobody answers ARP) are the outage we measure: ignore them.
      libc.sendto(icmpFd, req, req.byteLength, C.MSG_DONTWAIT, to, to.byteLength);
      // Stay on the 10 ms grid; after a long stall restart it rather than bursting.
      next = now - next > 100 ? now + PROBE_INTERVAL_MS : next + PROBE_INTERVAL_MS;
    }
    fds.forEach((fd, i) => {
      pv.setInt32(i * 8, fd, true);
      pv.setInt16(i * 8 + 4, C.POLLIN, true);
      pv.setInt16(i * 8 + 6, 0, true);
    });
    const ready = libc.poll(pollBuf, fds.length, Math.max(0, Math.ceil(next - monotonicMs())));
    if (ready <= 0) continue;
    now = monotonicMs();
    for (let i = 0; i < fds.length; i++) {
      if ((pv.getInt16(i * 8 + 6, true) & C.POLLIN) === 0) continue;
      const n = Number(libc.read(fds[i]!, buf, buf.byteLength));
      if (n <= 0) continue;
      const pkt = buf.subarray(0, n);
      if (fds[i] === arpFd) onArp(pkt, bv, now);
      else if (fds[i] === ipFd) onIp(pkt, now);
      else onIcmp(pkt, bv, id, now);
    }
  }
}

function onIp(pkt: Uint8Array, t: number): void {
  if (pkt.length < 20 || pkt[9] !== C.IPPROTO_VRRP) return;
  const ihl = (pkt[0]! & 0x0f) * 4;
  const src = formatIPv4(pkt, 12);
  const r = decodeAdvert(pkt.subarray(ihl), { family: 4, srcAddress: src, dstAddress: formatIPv4(pkt, 16), ttl: pkt[8]! });
  if (!r.ok) return;
  const p = r.packet;
  emit({
    k: "advert",
    t,
    src,
    ttl: pkt[8]!,
    version: p.version,
    vrid: p.vrid,
    priority: p.priority,
    intervalCs: p.maxAdvertIntervalCs,
    authType: p.authType,
    addresses: p.addresses,
  });
}

/** Gratuitous ARP: sender and target protocol address are the same (RFC 5227 §3). */
function onArp(pkt: Uint8Array, v: DataView, t: number): void {
  if (pkt.length < 28 || v.getUint16(2) !== C.ETH_P_IP) return;
  const ip = formatIPv4(pkt, 14);
  if (ip !== formatIPv4(pkt, 24)) return;
  emit({ k: "garp", t, ip, mac: formatMac(pkt.subarray(8, 14)) });
}

function onIcmp(pkt: Uint8Array, v: DataView, id: number, t: number): void {
  const ihl = (pkt[0]! & 0x0f) * 4;
  if (pkt.length < ihl + 16 || pkt[ihl] !== ICMP_ECHO_REPLY || v.getUint16(ihl + 4) !== id) return;
  emit({ k: "reply", t, seq: v.getUint32(ihl + 8) });
}
