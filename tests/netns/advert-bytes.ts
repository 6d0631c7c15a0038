// A VRRPv3 advert encoder written apart from src/protocol (a test must not check vigil's encoder
// with itself): used by the Linux port driver (os-driver.ts) and the io-thread tests.
import type { Family } from "../../src/protocol/types.ts";
import { parseAddress } from "../../src/os/linux/inet.ts";

/** Internet checksum (RFC 1071). */
function cksum(parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i += 2) sum += (p[i]! << 8) | (p[i + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A VRRPv3 advertisement with the pseudo-header checksum (RFC 5798 §5.2.8), for tcpdump to parse. */
export function encodeAdvertV3(family: Family, src: string, dst: string, vrid: number, priority: number, intervalCs: number, addrs: string[]): Uint8Array {
  const alen = family === 4 ? 4 : 16;
  const m = new Uint8Array(8 + alen * addrs.length);
  m[0] = 0x31;
  m[1] = vrid;
  m[2] = priority;
  m[3] = addrs.length;
  m[4] = (intervalCs >> 8) & 0x0f;
  m[5] = intervalCs & 0xff;
  addrs.forEach((a, i) => m.set(parseAddress(family, a), 8 + i * alen));
  const len = m.length;
  const pseudo = family === 4
    ? new Uint8Array([...parseAddress(4, src), ...parseAddress(4, dst), 0, 112, len >> 8, len & 0xff])
    : new Uint8Array([...parseAddress(6, src), ...parseAddress(6, dst), 0, 0, len >> 8, len & 0xff, 0, 0, 0, 112]);
  const c = cksum([pseudo, m]);
  m[6] = c >> 8;
  m[7] = c & 0xff;
  return m;
}
