// The internet checksum (RFC 1071) as VRRP uses it, in every form seen on the wire.
//
// - v2: over the VRRP message only (RFC 3768 §5.3.8).
// - v3 over IPv6: VRRP message plus the IPv6 pseudo-header of RFC 8200 §8.1
//   (src, dst, upper-layer length, 3 zero bytes, next header 112) (RFC 5798/9568 §5.2.8).
// - v3 over IPv4, two forms:
//   "vrrp-only"     — the VRRP message only. This is what RFC 9568 §5.2.8 settles: "For the
//                     IPv4 address family, the checksum calculation only includes the VRRP
//                     message". Cisco and others always read RFC 5798 that way; keepalived
//                     calls it `v3_checksum_as_v2`, FRR `no checksum-with-ipv4-pseudoheader`.
//   "pseudo-header" — the message plus the IPv4 pseudo-header (src, dst, zero, protocol 112,
//                     VRRP length), the RFC 5798 reading that keepalived and FRR use by default
//                     and that Wireshark checks unless `vrrp.v3_checksum_as_in_v2` is set.
//   vigil sends whichever the instance is configured for and accepts either on receive,
//   reporting which one matched so the runtime can count it.
//
// The checksum field (bytes 6–7 of the message) is always treated as zero while summing,
// so callers never need to clear it first.

import { IPV4_ADDRESS_BYTES, IPV6_ADDRESS_BYTES, VRRP_PROTOCOL } from "./constants.ts";
import type { Family, VrrpVersion } from "./types.ts";

/** Which checksum computation a packet used. */
/**
 * "group-pseudo-header": keepalived ≤ 1.3.5 (and `old_unicast_checksum`) sent unicast v3/IPv4
 * adverts with 224.0.0.18, not the peer, as the pseudo-header destination (RHEL/CentOS 7).
 */
export type ChecksumForm = "v2" | "pseudo-header" | "vrrp-only" | "group-pseudo-header";
/** The two forms a v3 IPv4 sender may choose between. */
export type V3Ipv4ChecksumForm = "pseudo-header" | "vrrp-only" | "group-pseudo-header";

const CHECKSUM_OFFSET = 6;

/**
 * 32-bit accumulation of big-endian 16-bit words of `data[start, end)` onto `initial`
 * (RFC 1071 §4.1). An odd final byte is the high byte of a last word.
 * Bytes `skipAt`, `skipAt+1` are summed as zero (the checksum field).
 */
export function onesComplementSum(data: Uint8Array, initial = 0, start = 0, end = data.length, skipAt = -1): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) {
    if (i === skipAt) continue;
    sum += ((data[i] ?? 0) << 8) | (data[i + 1] ?? 0);
    // Fold early so the sum stays a small safe integer whatever the length.
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  if (i < end && i !== skipAt) sum += (data[i] ?? 0) << 8;
  return sum;
}

/** Folds carries into 16 bits (RFC 1071 §4.1 "end-around carry"). */
export function foldSum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** RFC 1071 internet checksum of `data` (field at `skipAt` summed as zero), 0..0xffff. */
export function internetChecksum(data: Uint8Array, initialSum = 0, skipAt = -1): number {
  return ~foldSum(onesComplementSum(data, initialSum, 0, data.length, skipAt)) & 0xffff;
}

/** IPv4 pseudo-header partial sum: src, dst, zero, protocol 112, VRRP length (RFC 768/793 layout). */
export function pseudoHeaderSumV4(src: Uint8Array, dst: Uint8Array, vrrpLengthBytes: number): number {
  let sum = onesComplementSum(src, 0, 0, IPV4_ADDRESS_BYTES);
  sum = onesComplementSum(dst, sum, 0, IPV4_ADDRESS_BYTES);
  return sum + VRRP_PROTOCOL + (vrrpLengthBytes & 0xffff);
}

/** IPv6 pseudo-header partial sum (RFC 8200 §8.1): src, dst, 32-bit length, zeros, next header 112. */
export function pseudoHeaderSumV6(src: Uint8Array, dst: Uint8Array, vrrpLengthBytes: number): number {
  let sum = onesComplementSum(src, 0, 0, IPV6_ADDRESS_BYTES);
  sum = onesComplementSum(dst, sum, 0, IPV6_ADDRESS_BYTES);
  return sum + Math.floor(vrrpLengthBytes / 0x10000) + (vrrpLengthBytes & 0xffff) + VRRP_PROTOCOL;
}

export interface ChecksumContext {
  version: VrrpVersion;
  family: Family;
  /** IP source and destination as bytes (4 or 16); used only by the pseudo-header forms. */
  src: Uint8Array;
  dst: Uint8Array;
}

/** Partial sum contributed by the pseudo-header for a form, or 0 when the form has none. */
const GROUP_V4 = new Uint8Array([224, 0, 0, 18]); // RFC 5798 §5.1.1.2

function pseudoSum(form: ChecksumForm, ctx: ChecksumContext, lengthBytes: number): number {
  if (form === "group-pseudo-header") return pseudoHeaderSumV4(ctx.src, GROUP_V4, lengthBytes);
  if (form !== "pseudo-header") return 0;
  return ctx.family === 6 ? pseudoHeaderSumV6(ctx.src, ctx.dst, lengthBytes) : pseudoHeaderSumV4(ctx.src, ctx.dst, lengthBytes);
}

/** The form a sender uses: v2 → "v2"; v3/IPv6 → "pseudo-header"; v3/IPv4 → as configured. */
export function sendForm(version: VrrpVersion, family: Family, v3Ipv4Form: V3Ipv4ChecksumForm): ChecksumForm {
  if (version === 2) return "v2";
  return family === 6 ? "pseudo-header" : v3Ipv4Form;
}

/**
 * Checksum of the VRRP message `msg` (exactly the declared length, no padding) in `form`.
 * The checksum field inside `msg` is ignored.
 */
export function vrrpChecksum(msg: Uint8Array, ctx: ChecksumContext, form: ChecksumForm): number {
  return internetChecksum(msg, pseudoSum(form, ctx, msg.length), CHECKSUM_OFFSET);
}

/** Forms a receiver accepts, in the order tried (RFC 9568 §5.2.8 and the deployed base). */
export function acceptedForms(version: VrrpVersion, family: Family): readonly ChecksumForm[] {
  if (version === 2) return ["v2"];
  // v3/IPv4: the pseudo-header form first (keepalived/FRR defaults, the common case on
  // Linux LANs), then the RFC 9568 message-only form.
  return family === 6 ? ["pseudo-header"] : ["pseudo-header", "vrrp-only", "group-pseudo-header"];
}

/**
 * Verifies the checksum carried in `msg` (bytes 6–7): the one's complement sum of the
 * whole message, checksum included, plus the pseudo-header must be 0xffff (RFC 1071 §2,
 * which also accepts either representation of zero). Returns the form that matched, or
 * null when none does. `msg` must be exactly the declared VRRP length (no padding).
 */
export function verifyVrrpChecksum(msg: Uint8Array, ctx: ChecksumContext): ChecksumForm | null {
  if (msg.length < CHECKSUM_OFFSET + 2) return null;
  for (const form of acceptedForms(ctx.version, ctx.family)) {
    if (foldSum(onesComplementSum(msg, pseudoSum(form, ctx, msg.length))) === 0xffff) return form;
  }
  return null;
}
