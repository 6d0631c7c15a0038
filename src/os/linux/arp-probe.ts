// Who answers for an IPv4 address on this link right now: ARP requests (RFC 5227 §2.1.1 probes
// when the sender address is 0.0.0.0) to every target at once, then the replies collected until
// a deadline. Synchronous on purpose: used once at start-up, before any instance runs.
import { buildArpRequest } from "./arp.ts";
import * as C from "./consts.ts";
import { formatIPv4, formatMac, parseAddress } from "./inet.ts";
import { check, closeFd, libc, orErrno } from "./libc.ts";
import { alloc, sockaddrLl, view } from "./structs.ts";

const BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const ARP_LEN = 28;
const ARPOP_REQUEST = 1;
const ARPOP_REPLY = 2;

/**
 * Sends one ARP request per target from `senderIp` ("0.0.0.0" = a probe that disturbs no cache)
 * and returns, per target, the MAC addresses (aa:bb:…) other than ours that claimed it — in a
 * reply or in a request of their own — within waitMs.
 */
export function arpWhoHas(ifindex: number, mac: Uint8Array, senderIp: string, targets: string[], waitMs: number): Map<string, string[]> {
  const found = new Map<string, Set<string>>(targets.map((t) => [t, new Set()]));
  const ours = formatMac(mac);
  const proto = ((C.ETH_P_ARP & 0xff) << 8) | (C.ETH_P_ARP >> 8); // htons
  const fd = check(libc.socket(C.AF_PACKET, C.SOCK_DGRAM | C.SOCK_CLOEXEC | C.SOCK_NONBLOCK, proto), "socket", "AF_PACKET ARP");
  try {
    const bindTo = sockaddrLl(ifindex, C.ETH_P_ARP);
    check(libc.bind(fd, bindTo, bindTo.byteLength), "bind", `AF_PACKET ifindex ${ifindex}`);
    const to = sockaddrLl(ifindex, C.ETH_P_ARP, BROADCAST);
    const sender = parseAddress(4, senderIp);
    for (const t of targets) {
      const pkt = buildArpRequest(mac, sender, null, parseAddress(4, t));
      check(libc.sendto(fd, pkt, pkt.byteLength, 0, to, to.byteLength), "sendto", `ARP who-has ${t}`);
    }
    const pfd = alloc(8);
    const pv = view(pfd);
    const buf = alloc(1500);
    const deadline = performance.now() + waitMs;
    for (;;) {
      const left = Math.ceil(deadline - performance.now());
      if (left <= 0) break;
      pv.setInt32(0, fd, true);
      pv.setInt16(4, C.POLLIN, true);
      pv.setInt16(6, 0, true);
      if (orErrno(libc.poll(pfd, 1, left)) <= 0) continue;
      for (;;) {
        const n = Number(libc.read(fd, buf, buf.byteLength));
        if (n < ARP_LEN) break;
        const op = view(buf).getUint16(6);
        if (op !== ARPOP_REPLY && op !== ARPOP_REQUEST) continue;
        const senderMac = formatMac(buf.subarray(8, 14));
        const claimed = formatIPv4(buf, 14);
        if (senderMac !== ours) found.get(claimed)?.add(senderMac);
      }
    }
  } finally {
    closeFd(fd);
  }
  return new Map([...found].map(([t, macs]) => [t, [...macs]]));
}
