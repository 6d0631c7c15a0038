// Why a received packet was dropped. One value = one `reason` label on
// vigil_vrrp_packets_dropped_total (as OpenBSD's carpstats keeps one counter per cause).

export const DROP_REASONS = [
  "short", // shorter than the fixed header or than its address count implies (RFC 5798 §7.1)
  "bad-ttl", // TTL / hop limit not 255 (RFC 5798 §7.1, RFC 3768 §7.1)
  "bad-version", // version field not 2 or 3, or not the instance's version
  "bad-type", // type not ADVERTISEMENT (1)
  "bad-checksum", // checksum does not verify in any accepted form (RFC 5798 §5.2.8)
  "bad-vrid", // VRID 0, or no instance on this interface for this VRID
  "bad-address-count", // count 0 (v3) or count × address size ≠ remaining length
  "bad-auth", // v2 auth type or password mismatch (RFC 3768 §5.3.6)
  "interval-mismatch", // v2: Adver Int differs from ours (RFC 3768 §7.1)
  "wrong-family", // IPv4 payload on an IPv6 socket or vice versa
  "address-mismatch", // VIP list differs from ours (logged, RFC 5798 §7.1 MAY)
  "own-packet", // our own advert looped back
  "bad-interval", // v3 Max Adver Int 0 (RFC 9568 §7.1, erratum 8301) or v2 Adver Int 0
  "unknown-peer", // unicast mode: source not among the configured peers (keepalived unicast_peer)
] as const;

export type DropReason = (typeof DROP_REASONS)[number];
