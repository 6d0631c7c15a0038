// IPv4 / IPv6 text ↔ bytes, canonical IPv6 text (RFC 5952) and numeric comparison
// for the equal-priority tie-break (RFC 5798 §6.4.3: "primary IPvX Address ... greater").
// Parsers return null on bad input; nothing here throws.

import { IPV4_ADDRESS_BYTES, IPV6_ADDRESS_BYTES } from "./constants.ts";
import type { Family } from "./types.ts";

/** Dotted quad → 4 bytes; strict (no leading zeros beyond "0", each octet 0..255). */
export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(IPV4_ADDRESS_BYTES);
  for (let i = 0; i < 4; i++) {
    const octet = parseDecimalOctet(parts[i] ?? "");
    if (octet === null) return null;
    out[i] = octet;
  }
  return out;
}

function parseDecimalOctet(part: string): number | null {
  if (part.length === 0 || part.length > 3) return null;
  if (part.length > 1 && part[0] === "0") return null;
  let value = 0;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    value = value * 10 + c;
  }
  return value <= 255 ? value : null;
}

/** IPv6 text → 16 bytes. Accepts "::", embedded IPv4 tail and a "%zone" suffix (dropped). */
export function parseIpv6(text: string): Uint8Array | null {
  const zone = text.indexOf("%");
  const addr = zone >= 0 ? text.slice(0, zone) : text;
  if (addr.length === 0 || addr.length > 45) return null;
  const halves = addr.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : (halves[0] ?? "").split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : (halves[1] ?? "").split(":")) : [];
  const groups: number[] = [];
  const tailGroups: number[] = [];
  if (!pushGroups(head, groups, halves.length === 1)) return null;
  if (!pushGroups(tail, tailGroups, true)) return null;
  const total = groups.length + tailGroups.length;
  if (halves.length === 1) {
    if (total !== 8) return null;
  } else if (total > 7) {
    return null; // "::" stands for at least one zero group
  }
  const all = halves.length === 1 ? groups : [...groups, ...new Array<number>(8 - total).fill(0), ...tailGroups];
  const out = new Uint8Array(IPV6_ADDRESS_BYTES);
  for (let i = 0; i < 8; i++) {
    const g = all[i] ?? 0;
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  }
  return out;
}

/** Parses hex groups; the last part of the address may be a dotted IPv4 (two groups). */
function pushGroups(parts: string[], into: number[], lastMayBeV4: boolean): boolean {
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? "";
    if (lastMayBeV4 && i === parts.length - 1 && p.includes(".")) {
      const v4 = parseIpv4(p);
      if (v4 === null) return false;
      into.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (p.length === 0 || p.length > 4 || !/^[0-9a-fA-F]+$/.test(p)) return false;
    into.push(parseInt(p, 16));
  }
  return true;
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset] ?? 0}.${bytes[offset + 1] ?? 0}.${bytes[offset + 2] ?? 0}.${bytes[offset + 3] ?? 0}`;
}

/**
 * RFC 5952 §4: lowercase hex, no leading zeros, the longest run (≥ 2) of zero groups
 * shortened to "::" (the first one on a tie), a lone zero group left as "0".
 * RFC 5952 §5: IPv4-mapped addresses (::ffff:0:0/96) in mixed notation.
 */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[offset + i * 2] ?? 0) << 8) | (bytes[offset + i * 2 + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes, offset + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(":");
  const left = hex.slice(0, bestStart).join(":");
  const right = hex.slice(bestStart + bestLen).join(":");
  return `${left}::${right}`;
}

/** Text → bytes for the given family (or either when omitted); drops a "/prefix" suffix. */
export function parseAddress(text: string, family?: Family): Uint8Array | null {
  const slash = text.indexOf("/");
  const bare = slash >= 0 ? text.slice(0, slash) : text;
  if (family === 4) return parseIpv4(bare);
  if (family === 6) return parseIpv6(bare);
  return parseIpv4(bare) ?? parseIpv6(bare);
}

export function formatAddress(bytes: Uint8Array, offset = 0, family: Family = bytes.length === 4 ? 4 : 6): string {
  return family === 4 ? formatIpv4(bytes, offset) : formatIpv6(bytes, offset);
}

/** Canonical text (RFC 5952 for IPv6), or null when not an address. */
export function canonicalAddress(text: string, family?: Family): string | null {
  const bytes = parseAddress(text, family);
  return bytes === null ? null : formatAddress(bytes);
}

/** Unsigned big-endian comparison (network byte order): <0, 0, >0. Shorter sorts first. */
export function compareAddressBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Numeric comparison of two address texts (RFC 5798 §6.4.3 tie-break).
 * Returns null when either is not a valid address of the same family.
 */
export function compareAddresses(a: string, b: string): number | null {
  const x = parseAddress(a);
  const y = parseAddress(b);
  if (x === null || y === null || x.length !== y.length) return null;
  return compareAddressBytes(x, y);
}
