// What is on the wire, as bytes: `tcpdump -w` in a lab node (usually the client "c"), the pcap read
// back here and every VRRP message decoded by the pure core (src/protocol/packet.ts). Timestamps are
// the capture's own (µs), so failover gaps are measured on the wire, not in the test process.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatAddress } from "../../src/protocol/address.ts";
import { decodeAdvert, type DecodeResult } from "../../src/protocol/packet.ts";
import type { Family } from "../../src/protocol/types.ts";
import type { Lab } from "../netns/lab.ts";

export interface WireAdvert {
  /** Capture time, seconds since the epoch (µs resolution). */
  t: number;
  family: Family;
  src: string;
  dst: string;
  /** TTL / hop limit. */
  ttl: number;
  /** The VRRP message as captured (IP header removed; trailing padding kept). */
  payload: Uint8Array;
  decoded: DecodeResult;
}

const LINKTYPE_ETHERNET = 1;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const PROTO_VRRP = 112;

/** Parses a classic pcap (µs, either byte order, Ethernet); keeps IP protocol 112 only. */
export function readPcap(bytes: Uint8Array): WireAdvert[] {
  if (bytes.length < 24) return [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0, true);
  const le = magic === 0xa1b2c3d4;
  if (!le && v.getUint32(0, false) !== 0xa1b2c3d4) throw new Error(`pcap: unsupported magic ${magic.toString(16)}`);
  const linktype = v.getUint32(20, le);
  if (linktype !== LINKTYPE_ETHERNET) throw new Error(`pcap: linktype ${linktype}, want Ethernet`);
  const out: WireAdvert[] = [];
  let off = 24;
  while (off + 16 <= bytes.length) {
    const sec = v.getUint32(off, le);
    const usec = v.getUint32(off + 4, le);
    const incl = v.getUint32(off + 8, le);
    if (off + 16 + incl > bytes.length) break; // record still being written
    const frame = bytes.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const w = parseFrame(frame, sec + usec / 1e6);
    if (w) out.push(w);
  }
  return out;
}

function parseFrame(frame: Uint8Array, t: number): WireAdvert | undefined {
  if (frame.length < 14) return undefined;
  const etherType = (frame[12]! << 8) | frame[13]!;
  const ip = frame.subarray(14);
  let family: Family;
  let src: string;
  let dst: string;
  let ttl: number;
  let payload: Uint8Array;
  if (etherType === ETHERTYPE_IPV4 && ip.length >= 20) {
    const ihl = (ip[0]! & 0x0f) * 4;
    const total = (ip[2]! << 8) | ip[3]!;
    if (ip[9] !== PROTO_VRRP) return undefined;
    family = 4;
    ttl = ip[8]!;
    src = formatAddress(ip, 12, 4);
    dst = formatAddress(ip, 16, 4);
    payload = ip.slice(ihl, Math.max(ihl, Math.min(total, ip.length)));
  } else if (etherType === ETHERTYPE_IPV6 && ip.length >= 40) {
    if (ip[6] !== PROTO_VRRP) return undefined; // no extension headers in VRRP traffic
    const plen = (ip[4]! << 8) | ip[5]!;
    family = 6;
    ttl = ip[7]!;
    src = formatAddress(ip, 8, 6);
    dst = formatAddress(ip, 24, 6);
    payload = ip.slice(40, 40 + plen);
  } else return undefined;
  const decoded = decodeAdvert(payload, { family, srcAddress: src, dstAddress: dst, ttl });
  return { t, family, src, dst, ttl, payload, decoded };
}

export interface Wire {
  /** Everything captured so far (tcpdump writes packet-buffered, -U). */
  adverts(): WireAdvert[];
  /** Waits until `pred` holds for some advert captured so far; returns it. */
  waitFor(pred: (a: WireAdvert) => boolean, timeoutMs?: number, what?: string): Promise<WireAdvert>;
  stop(): Promise<WireAdvert[]>;
}

/** Starts `tcpdump -w` on `node`'s eth0 for IP protocol 112; `keepFile` keeps the pcap there. */
export async function startWire(lab: Lab, node: string, keepFile?: string): Promise<Wire> {
  const dir = keepFile === undefined ? mkdtempSync(join(tmpdir(), "vigil-wire-")) : undefined;
  const file = keepFile ?? join(dir!, "vrrp.pcap");
  const cap = await lab.capture(node, "proto 112", { extraArgs: ["--immediate-mode", "-U", "-s", "0", "-w", file] });
  const adverts = () => (existsSync(file) ? readPcap(new Uint8Array(readFileSync(file))) : []);
  let stopped: WireAdvert[] | undefined;
  return {
    adverts: () => stopped ?? adverts(),
    async waitFor(pred, timeoutMs = 10_000, what = "a matching advert") {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const hit = adverts().find(pred);
        if (hit) return hit;
        if (performance.now() > deadline) {
          const seen = adverts().slice(-8).map(describe).join("\n");
          throw new Error(`wire: no ${what} within ${timeoutMs} ms; last adverts:\n${seen}`);
        }
        await Bun.sleep(25);
      }
    },
    async stop() {
      if (stopped) return stopped;
      await cap.stop();
      stopped = adverts();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      return stopped;
    },
  };
}

/** One line per advert, tcpdump-like, for failure messages and the bench. */
export function describe(a: WireAdvert): string {
  const d = a.decoded;
  const body = d.ok
    ? `VRRPv${d.packet.version} vrid ${d.packet.vrid} prio ${d.packet.priority} int ${d.packet.maxAdvertIntervalCs}cs ` +
      `addrs ${d.packet.addresses.join(",")} checksum ${d.checksumForm}`
    : `undecodable: ${d.reason}`;
  return `${a.t.toFixed(6)} ${a.src} > ${a.dst} ttl ${a.ttl} ${body}`;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Priority of a decoded advert, or -1. */
export const prio = (a: WireAdvert): number => (a.decoded.ok ? a.decoded.packet.priority : -1);
