// Address text <-> bytes. Output is canonical (IPv6 per RFC 5952: lower case, longest zero run
// of two or more groups compressed, first one on ties) so the runtime can compare strings.

import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "../../protocol/address.ts";
import type { Family } from "../../protocol/types.ts";

// One parser for the whole project lives in the pure core; these names keep this folder's API.
export const parseIPv4 = (text: string): Uint8Array | null => parseIpv4(text);
/** A "%zone" suffix is dropped: the scope id travels separately (sockaddr_in6.sin6_scope_id). */
export const parseIPv6 = (text: string): Uint8Array | null => parseIpv6(text);

export function parseAddress(family: Family, text: string): Uint8Array {
  const b = family === 4 ? parseIPv4(text) : parseIPv6(text);
  if (!b) throw new TypeError(`invalid IPv${family} address: ${JSON.stringify(text)}`);
  return b;
}

/** Family of an address text, or null when it is neither. */
export function familyOf(text: string): Family | null {
  if (parseIPv4(text)) return 4;
  if (parseIPv6(text)) return 6;
  return null;
}

export const formatIPv4 = (b: Uint8Array, off = 0): string => formatIpv4(b, off);
export const formatIPv6 = (b: Uint8Array, off = 0): string => formatIpv6(b, off);

export function formatAddress(family: Family, b: Uint8Array, off = 0): string {
  return family === 4 ? formatIPv4(b, off) : formatIPv6(b, off);
}

export function isUnspecified(text: string): boolean {
  return text === "" || text === "0.0.0.0" || text === "::";
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (x) => x.toString(16).padStart(2, "0")).join(":");
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(":");
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) {
    throw new TypeError(`invalid MAC address: ${JSON.stringify(text)}`);
  }
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}
