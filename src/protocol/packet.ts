// Encode and decode VRRP advertisements (the VRRP message only, no IP header).
//
// v2 (RFC 3768 §5.1):            v3 (RFC 5798 §5.1, RFC 9568 §5.1):
//   0: Version | Type              0: Version | Type
//   1: VRID                        1: VRID
//   2: Priority                    2: Priority
//   3: Count IP Addrs              3: Count IPvX Addr
//   4: Auth Type                   4–5: Reserved (4 bits) | Max Adver Int (12 bits, cs)
//   5: Adver Int (s)
//   6–7: Checksum                  6–7: Checksum
//   8…: IPv4 addresses             8…: IPv4 or IPv6 addresses
//   then 8 bytes Authentication Data
//
// decodeAdvert never throws: every malformed input yields { ok: false, reason }.
// encodeAdvert throws RangeError on options that cannot be put on the wire (a caller bug).

import { formatAddress, parseAddress } from "./address.ts";
import { authPassBytes } from "./auth.ts";
import { sendForm, verifyVrrpChecksum, vrrpChecksum } from "./checksum.ts";
import type { ChecksumForm, V3Ipv4ChecksumForm } from "./checksum.ts";
import {
  ADDRESS_COUNT_MAX,
  ADVERT_INTERVAL_MAX_CS,
  ADVERT_INTERVAL_MIN_CS,
  AUTH_TYPE_NONE,
  AUTH_TYPE_PASS,
  CS_PER_S,
  HEADER_LENGTH_BYTES,
  IPV4_ADDRESS_BYTES,
  IPV6_ADDRESS_BYTES,
  TTL_REQUIRED,
  TYPE_ADVERTISEMENT,
  V2_ADVERT_INTERVAL_MAX_S,
  V2_ADVERT_INTERVAL_MIN_S,
  V2_AUTH_DATA_BYTES,
  VRID_MAX,
  VRID_MIN,
} from "./constants.ts";
import type { DropReason } from "./reasons.ts";
import type { Family, VrrpVersion } from "./types.ts";

// Instance-level checks live in validate.ts; re-exported so the receive path has one import.
export { checkForInstance, instanceNotes } from "./validate.ts";
export type { InstanceNotes, InstanceView } from "./validate.ts";
export type { ChecksumForm, V3Ipv4ChecksumForm } from "./checksum.ts";

export interface EncodeOptions {
  version: VrrpVersion;
  family: Family;
  vrid: number;
  priority: number;
  /** v3: Max Adver Int in cs; v2: must be a whole number of seconds × 100. */
  advertIntervalCs: number;
  addresses: string[];
  /** v2 only: Auth Type 1 (PASS), up to 8 bytes, zero-padded (RFC 2338 §5.3.6.1). */
  authPass?: string;
  /** IP source / destination the message will be sent with (pseudo-header forms). */
  srcAddress: string;
  dstAddress: string;
  /** v3 over IPv4 only; default "pseudo-header" (keepalived/FRR interop, see checksum.ts). */
  v3Ipv4Checksum?: V3Ipv4ChecksumForm;
}

export interface VrrpPacket {
  version: VrrpVersion;
  vrid: number;
  priority: number;
  /** Canonical text (RFC 5952 for IPv6). */
  addresses: string[];
  /** v3: Max Adver Int (cs); v2: Adver Int × 100. */
  maxAdvertIntervalCs: number;
  /** v2 Auth Type; 0 for v3 (no such field). */
  authType: number;
  /** v2 only: the 8 bytes of Authentication Data. */
  authData?: Uint8Array;
  /** Declared message length in bytes (without trailing padding). */
  length: number;
}

export interface DecodeContext {
  family: Family;
  srcAddress: string;
  dstAddress: string;
  /** TTL (IPv4) or hop limit (IPv6) of the received datagram. */
  ttl: number;
}

export type DecodeResult =
  | { ok: true; packet: VrrpPacket; checksumForm: ChecksumForm }
  | { ok: false; reason: DropReason };

export function addressBytes(family: Family): number {
  return family === 4 ? IPV4_ADDRESS_BYTES : IPV6_ADDRESS_BYTES;
}

/** Declared message length for a version/family/count (RFC 3768 §5.1, RFC 5798 §5.1). */
export function messageLengthBytes(version: VrrpVersion, family: Family, count: number): number {
  return HEADER_LENGTH_BYTES + count * addressBytes(family) + (version === 2 ? V2_AUTH_DATA_BYTES : 0);
}

function requireInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

function requireAddress(name: string, text: string, family: Family): Uint8Array {
  const bytes = parseAddress(text, family);
  if (bytes === null) throw new RangeError(`${name} is not an IPv${family} address: ${text}`);
  return bytes;
}

/** Builds one ADVERTISEMENT (RFC 5798 §7.2, RFC 3768 §7.2), checksum filled in. */
export function encodeAdvert(o: EncodeOptions): Uint8Array {
  const { version, family } = o;
  if (version !== 2 && version !== 3) throw new RangeError(`version must be 2 or 3, got ${String(version)}`);
  if (family !== 4 && family !== 6) throw new RangeError(`family must be 4 or 6, got ${String(family)}`);
  if (version === 2 && family === 6) throw new RangeError("VRRPv2 is IPv4 only (RFC 3768)");
  if (version === 3 && o.authPass !== undefined) throw new RangeError("VRRPv3 has no authentication (RFC 5798 §9)");
  requireInt("vrid", o.vrid, VRID_MIN, VRID_MAX);
  requireInt("priority", o.priority, 0, 255);
  // 0 only for keepalived's election-only instances (no virtual_ipaddress): keepalived advertises
  // them with Count 0, and a drop-in must too (RFC 5798 §5.2.5 asks for at least 1).
  requireInt("address count", o.addresses.length, 0, ADDRESS_COUNT_MAX);
  if (version === 3) {
    requireInt("advertIntervalCs", o.advertIntervalCs, ADVERT_INTERVAL_MIN_CS, ADVERT_INTERVAL_MAX_CS);
  } else {
    requireInt("v2 advert interval (s)", o.advertIntervalCs / CS_PER_S, V2_ADVERT_INTERVAL_MIN_S, V2_ADVERT_INTERVAL_MAX_S);
  }
  const src = requireAddress("srcAddress", o.srcAddress, family);
  const dst = requireAddress("dstAddress", o.dstAddress, family);

  const size = addressBytes(family);
  const length = messageLengthBytes(version, family, o.addresses.length);
  const msg = new Uint8Array(length);
  msg[0] = (version << 4) | TYPE_ADVERTISEMENT; // §5.2.1, §5.2.2
  msg[1] = o.vrid; // §5.2.3
  msg[2] = o.priority; // §5.2.4
  msg[3] = o.addresses.length; // §5.2.5
  if (version === 3) {
    // §5.2.6 Reserved = 0, §5.2.7 Max Adver Int (12 bits, centiseconds).
    msg[4] = (o.advertIntervalCs >> 8) & 0x0f;
    msg[5] = o.advertIntervalCs & 0xff;
  } else {
    // RFC 3768 §5.3.6 Auth Type, §5.3.7 Adver Int in seconds.
    msg[4] = o.authPass !== undefined ? AUTH_TYPE_PASS : AUTH_TYPE_NONE;
    msg[5] = o.advertIntervalCs / CS_PER_S;
  }
  o.addresses.forEach((text, i) => {
    msg.set(requireAddress(`addresses[${i}]`, text, family), HEADER_LENGTH_BYTES + i * size);
  });
  if (version === 2 && o.authPass !== undefined) {
    // RFC 3768 §5.3.10 Authentication Data (PASS as in RFC 2338 §5.3.6.1); zero otherwise.
    msg.set(authPassBytes(o.authPass), length - V2_AUTH_DATA_BYTES);
  }
  const form = sendForm(version, family, o.v3Ipv4Checksum ?? "pseudo-header");
  const sum = vrrpChecksum(msg, { version, family, src, dst }, form); // §5.2.8 / RFC 3768 §5.3.8
  msg[6] = sum >> 8;
  msg[7] = sum & 0xff;
  return msg;
}

/**
 * Parses and validates one received VRRP message, in the order of RFC 5798 §7.1 / RFC 3768 §7.1.
 * Checks that need the instance (auth, interval, address list) are in validate.ts.
 * Bytes after the declared length (Ethernet padding) are ignored.
 */
export function decodeAdvert(bytes: Uint8Array, ctx: DecodeContext): DecodeResult {
  // §7.1: TTL / hop limit must be 255 (guards against off-link senders).
  if (ctx.ttl !== TTL_REQUIRED) return { ok: false, reason: "bad-ttl" };
  if (bytes.length < HEADER_LENGTH_BYTES) return { ok: false, reason: "short" };

  const b0 = bytes[0] ?? 0;
  const version = b0 >> 4;
  // §7.1: version must be 3 (v3) / 2 (v2); v2 exists only over IPv4 (RFC 3768).
  if (version !== 2 && version !== 3) return { ok: false, reason: "bad-version" };
  if (version === 2 && ctx.family === 6) return { ok: false, reason: "bad-version" };
  // §5.2.2: type 1 ADVERTISEMENT is the only one; others are discarded.
  if ((b0 & 0x0f) !== TYPE_ADVERTISEMENT) return { ok: false, reason: "bad-type" };

  const count = bytes[3] ?? 0;
  const length = messageLengthBytes(version, ctx.family, count);
  // §7.1: the packet must contain the complete message (fixed fields and all addresses).
  if (bytes.length < length) return { ok: false, reason: "short" };

  const src = parseAddress(ctx.srcAddress, ctx.family);
  const dst = parseAddress(ctx.dstAddress, ctx.family);
  if (src === null || dst === null) return { ok: false, reason: "wrong-family" };

  // §7.1, §5.2.8 (RFC 3768 §5.3.8 for v2): checksum over the declared length only.
  const msg = bytes.subarray(0, length);
  const checksumForm = verifyVrrpChecksum(msg, { version, family: ctx.family, src, dst });
  if (checksumForm === null) return { ok: false, reason: "bad-checksum" };

  // §5.2.3: VRID 1..255; 0 is not a valid virtual router.
  const vrid = bytes[1] ?? 0;
  if (vrid === 0) return { ok: false, reason: "bad-vrid" };

  // §5.2.5 (RFC 9568 erratum 8299): an advert with no address is ignored — by an instance that
  // has addresses (validate.ts checkForInstance). keepalived's election-only instances (no
  // virtual_ipaddress) advertise Count 0 to each other, so decoding accepts it.

  const maxAdvertIntervalCs = version === 3 ? (((bytes[4] ?? 0) & 0x0f) << 8) | (bytes[5] ?? 0) : (bytes[5] ?? 0) * CS_PER_S;
  // RFC 9568 §7.1 (erratum 8301): Max Adver Int 0 is discarded; v2 Adver Int 0 likewise.
  if (maxAdvertIntervalCs === 0) return { ok: false, reason: "bad-interval" };

  const size = addressBytes(ctx.family);
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(formatAddress(msg, HEADER_LENGTH_BYTES + i * size, ctx.family));

  const packet: VrrpPacket = {
    version,
    vrid,
    priority: bytes[2] ?? 0,
    addresses,
    maxAdvertIntervalCs,
    authType: version === 2 ? (bytes[4] ?? 0) : 0,
    length,
  };
  if (version === 2) packet.authData = msg.slice(length - V2_AUTH_DATA_BYTES, length);
  return { ok: true, packet, checksumForm };
}
