// VRRPv2 simple text password (Auth Type 1, RFC 2338 §5.3.6.1; kept by keepalived as `auth_type PASS`).
// RFC 3768 §5.3.6 reserves the type for compatibility; v3 has no authentication (RFC 5798 §9).

import { AUTH_PASS_MAX_BYTES } from "./constants.ts";

/** UTF-8 bytes of a string, without relying on host text APIs. */
export function utf8Bytes(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Authentication Data for PASS: the password truncated / zero-padded to 8 bytes (RFC 2338 §5.3.6.1). */
export function authPassBytes(password: string): Uint8Array {
  const out = new Uint8Array(AUTH_PASS_MAX_BYTES);
  out.set(utf8Bytes(password).subarray(0, AUTH_PASS_MAX_BYTES));
  return out;
}

/** Constant-shape comparison of two 8-byte Authentication Data fields. */
export function sameAuthData(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== AUTH_PASS_MAX_BYTES || b.length !== AUTH_PASS_MAX_BYTES) return false;
  let diff = 0;
  for (let i = 0; i < AUTH_PASS_MAX_BYTES; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
