// Minimal pcap writer for tests: wraps VRRP messages in an IPv4 or IPv6 header
// (LINKTYPE_RAW = 101: each record starts with the IP header) so tshark can dissect them.

import { parseAddress } from "../../src/protocol/address.ts";
import { internetChecksum } from "../../src/protocol/checksum.ts";
import { TTL_REQUIRED, VRRP_PROTOCOL } from "../../src/protocol/constants.ts";
import type { Family } from "../../src/protocol/types.ts";

export const LINKTYPE_RAW = 101;

export interface RawPacket {
  family: Family;
  src: string;
  dst: string;
  payload: Uint8Array;
  ttl?: number;
}

function addr(text: string, family: Family): Uint8Array {
  const b = parseAddress(text, family);
  if (b === null) throw new Error(`bad IPv${family} address ${text}`);
  return b;
}

export function ipDatagram(p: RawPacket): Uint8Array {
  const ttl = p.ttl ?? TTL_REQUIRED;
  if (p.family === 4) {
    const out = new Uint8Array(20 + p.payload.length);
    const v = new DataView(out.buffer);
    out[0] = 0x45;
    v.setUint16(2, out.length);
    v.setUint16(4, 1); // identification
    out[8] = ttl;
    out[9] = VRRP_PROTOCOL;
    out.set(addr(p.src, 4), 12);
    out.set(addr(p.dst, 4), 16);
    v.setUint16(10, internetChecksum(out.subarray(0, 20)));
    out.set(p.payload, 20);
    return out;
  }
  const out = new Uint8Array(40 + p.payload.length);
  const v = new DataView(out.buffer);
  out[0] = 0x60;
  v.setUint16(4, p.payload.length);
  out[6] = VRRP_PROTOCOL;
  out[7] = ttl;
  out.set(addr(p.src, 6), 8);
  out.set(addr(p.dst, 6), 24);
  out.set(p.payload, 40);
  return out;
}

/** A classic little-endian pcap file holding one record per packet, 1 s apart. */
export function pcapFile(packets: RawPacket[]): Uint8Array {
  const records = packets.map(ipDatagram);
  const size = 24 + records.reduce((n, r) => n + 16 + r.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 65535, true);
  v.setUint32(20, LINKTYPE_RAW, true);
  let off = 24;
  records.forEach((r, i) => {
    v.setUint32(off, 1_700_000_000 + i, true);
    v.setUint32(off + 4, 0, true);
    v.setUint32(off + 8, r.length, true);
    v.setUint32(off + 12, r.length, true);
    out.set(r, off + 16);
    off += 16 + r.length;
  });
  return out;
}
