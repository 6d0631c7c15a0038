// Gratuitous ARP: an ARP request whose sender and target protocol address are both the VIP
// (RFC 5227 §3 "ARP Announcement") with target hardware address ff:ff:ff:ff:ff:ff exactly as
// keepalived sends it (tcpdump: "Request who-has V (ff:ff:ff:ff:ff:ff) tell V"), broadcast from an AF_PACKET
// SOCK_DGRAM socket so the kernel writes the Ethernet header with the interface's own MAC.

import * as C from "./consts.ts";
import { parseAddress } from "./inet.ts";
import { check, closeFd, libc } from "./libc.ts";
import { alloc, sockaddrLl, view } from "./structs.ts";

const BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const ARPHRD_ETHER = 1;
const ARPOP_REQUEST = 1;

/** A 28-byte ARP request (Ethernet/IPv4). `targetMac` null leaves it zero, as RFC 5227 probes do. */
export function buildArpRequest(mac: Uint8Array, senderIp: Uint8Array, targetMac: Uint8Array | null, targetIp: Uint8Array): Uint8Array<ArrayBuffer> {
  const b = alloc(28);
  const v = view(b);
  v.setUint16(0, ARPHRD_ETHER);
  v.setUint16(2, C.ETH_P_IP);
  b[4] = 6;
  b[5] = 4;
  v.setUint16(6, ARPOP_REQUEST);
  b.set(mac.subarray(0, 6), 8);
  b.set(senderIp, 14);
  if (targetMac) b.set(targetMac, 18);
  b.set(targetIp, 24);
  return b;
}

/** Gratuitous ARP: sender = target = VIP, target hardware address broadcast, as keepalived sends it. */
export function buildGarp(mac: Uint8Array, vip: Uint8Array): Uint8Array<ArrayBuffer> {
  return buildArpRequest(mac, vip, BROADCAST, vip);
}

export class GarpSender {
  private fd = -1;

  send(ifindex: number, mac: Uint8Array, address: string): void {
    if (this.fd < 0) {
      // Protocol 0: this socket receives nothing (sendto names ETH_P_ARP per packet).
      this.fd = check(libc.socket(C.AF_PACKET, C.SOCK_DGRAM | C.SOCK_CLOEXEC, 0), "socket", "AF_PACKET");
    }
    const pkt = buildGarp(mac, parseAddress(4, address));
    const to = sockaddrLl(ifindex, C.ETH_P_ARP, BROADCAST);
    check(libc.sendto(this.fd, pkt, pkt.byteLength, 0, to, to.byteLength), "sendto", `gratuitous ARP ${address} ifindex ${ifindex}`);
  }

  close(): void {
    closeFd(this.fd);
    this.fd = -1;
  }
}
