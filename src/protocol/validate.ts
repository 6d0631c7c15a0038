// Checks of a decoded advert against the receiving instance (RFC 5798 §7.1, RFC 3768 §7.1).
// packet.ts checks what the bytes alone can tell; this adds what needs the configuration.

import { canonicalAddress } from "./address.ts";
import { authPassBytes, sameAuthData } from "./auth.ts";
import { AUTH_TYPE_NONE, AUTH_TYPE_PASS } from "./constants.ts";
import type { VrrpPacket } from "./packet.ts";
import type { DropReason } from "./reasons.ts";
import type { VrrpVersion } from "./types.ts";

export interface InstanceView {
  version: VrrpVersion;
  vrid: number;
  /** Our Advertisement_Interval in cs (v2: seconds × 100). */
  advertIntervalCs: number;
  /** v2 PASS password; absent = Auth Type 0. */
  authPass?: string;
  /** Our virtual addresses (a "/prefix" suffix is ignored). */
  addresses: readonly string[];
}

/** Returns the reason to drop the advert, or null to accept it. */
export function checkForInstance(packet: VrrpPacket, inst: InstanceView): DropReason | null {
  // §7.1: the version must be the instance's.
  if (packet.version !== inst.version) return "bad-version";
  // §7.1: the VRID must be configured on this interface.
  if (packet.vrid !== inst.vrid) return "bad-vrid";
  // RFC 9568 §5.2.5 erratum 8299: no address → ignored, unless we are an election-only instance
  // (no VIPs, as keepalived allows) whose peers advertise Count 0 like we do.
  if (packet.addresses.length === 0 && inst.addresses.length > 0) return "bad-address-count";
  if (inst.version === 2) {
    // RFC 3768 §5.3.6 / §7.1: Auth Type must match the configured method; with PASS the
    // 8-byte Authentication Data must equal the password (RFC 2338 §5.3.6.1, §7.1).
    const wantType = inst.authPass !== undefined ? AUTH_TYPE_PASS : AUTH_TYPE_NONE;
    if (packet.authType !== wantType) return "bad-auth";
    if (inst.authPass !== undefined && !sameAuthData(packet.authData, authPassBytes(inst.authPass))) {
      return "bad-auth";
    }
    // RFC 3768 §7.1: a v2 router MUST discard an advert whose Adver Int differs from its own.
    if (packet.maxAdvertIntervalCs !== inst.advertIntervalCs) return "interval-mismatch";
  }
  return null;
}

/**
 * Informational findings on an accepted advert: logged / counted, never a drop.
 * - addressMismatch: the address list differs from ours. RFC 5798 §7.1 / RFC 3768 §7.1 say
 *   a mismatch MAY be logged; keepalived logs and accepts, and so does vigil — dropping
 *   would let a config typo on one router make two masters.
 * - intervalMismatch (v3 only): Max Adver Int differs from ours. RFC 9568 §7.1: verify and
 *   log without dropping; the backup learns the master's interval (§6.4.2).
 */
export interface InstanceNotes {
  addressMismatch: boolean;
  intervalMismatch: boolean;
}

export function instanceNotes(packet: VrrpPacket, inst: InstanceView): InstanceNotes {
  return {
    addressMismatch: !sameAddressSet(packet.addresses, inst.addresses),
    intervalMismatch: inst.version === 3 && packet.maxAdvertIntervalCs !== inst.advertIntervalCs,
  };
}

/** Same set of addresses, compared canonically and regardless of order. */
function sameAddressSet(received: readonly string[], ours: readonly string[]): boolean {
  const norm = (list: readonly string[]): string[] => [...new Set(list.map((a) => canonicalAddress(a) ?? a))].sort();
  const x = norm(received);
  const y = norm(ours);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
