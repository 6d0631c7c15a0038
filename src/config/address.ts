// IP address parsing to canonical text (IPv6 per RFC 5952), so equal addresses compare equal as strings.

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

function parseV4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    // Reject leading zeros: "010" is octal to inet_aton and decimal to humans.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseV6(text: string): number[] | null {
  if (text.includes("%")) return null; // zone ids are not addresses we can assign
  let tail: number[] = [];
  let body = text;
  const lastColon = body.lastIndexOf(":");
  if (body.includes(".")) {
    const v4 = parseV4(body.slice(lastColon + 1));
    if (!v4) return null;
    tail = v4;
    body = body.slice(0, lastColon + 1) + "0:0"; // placeholder groups, replaced below
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return null;
  let all: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return null;
    all = [...head, ...new Array<number>(missing).fill(0), ...rest];
  } else {
    if (head.length !== 8) return null;
    all = head;
  }
  const bytes: number[] = [];
  for (const g of all) bytes.push(g >> 8, g & 0xff);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** RFC 5952 text: lowercase, no leading zeros, longest run (≥2) of zero groups as "::". */
function formatV6(bytes: number[]): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
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
