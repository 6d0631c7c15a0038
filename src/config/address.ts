// IP address parsing to canonical text (IPv6 per RFC 5952), so equal addresses compare equal as strings.

import { formatIpv6, parseIpv4, parseIpv6 } from "../protocol/address.ts";
import type { Family } from "../protocol/types.ts";

export interface ParsedIp {
  address: string;
  family: Family;
  bytes: number[];
}

export interface ParsedPrefix extends ParsedIp {
  prefixLength: number;
  /** True when the text carried an explicit /len. */
  explicitPrefix: boolean;
}

// Parsing and RFC 5952 formatting come from the pure core (one parser for the whole project).
function parseV4(text: string): number[] | null {
  const b = parseIpv4(text);
  return b ? [...b] : null;
}

function parseV6(text: string): number[] | null {
  if (text.includes("%")) return null; // zone ids are not addresses we can assign
  const b = parseIpv6(text);
  return b ? [...b] : null;
}

function formatV6(bytes: number[]): string {
  return formatIpv6(Uint8Array.from(bytes));
}

export function parseIp(text: string): ParsedIp | null {
  if (text.includes(":")) {
    const b = parseV6(text);
    return b ? { address: formatV6(b), family: 6, bytes: b } : null;
  }
  const b = parseV4(text);
  return b ? { address: b.join("."), family: 4, bytes: b } : null;
}

/** "ADDR[/LEN]"; a missing length means a host address (/32, /128) as keepalived does. */
export function parsePrefix(text: string): ParsedPrefix | { error: string } {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip) return { error: `'${addrText}' is not an IPv4 or IPv6 address` };
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ...ip, prefixLength: max, explicitPrefix: false };
  const lenText = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText) || Number(lenText) > max) {
    return { error: `prefix length '/${lenText}' is out of range for IPv${ip.family} (0–${max})` };
  }
  return { ...ip, prefixLength: Number(lenText), explicitPrefix: true };
}

/** IPv4 broadcast ('+') or network ('-') address of addr/len, as keepalived's brd +/- does. */
export function ipv4HostBits(bytes: number[], prefixLength: number, set: boolean): string {
  const v = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const out = set ? (v | ~mask) >>> 0 : (v & mask) >>> 0;
  return [out >>> 24, (out >>> 16) & 255, (out >>> 8) & 255, out & 255].join(".");
}

export function isIpv6LinkLocal(bytes: number[]): boolean {
  return bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80;
}

export function isMulticast(ip: ParsedIp): boolean {
  return ip.family === 4 ? ip.bytes[0]! >= 224 && ip.bytes[0]! <= 239 : ip.bytes[0] === 0xff;
}
