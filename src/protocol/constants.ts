// Protocol numbers from the RFCs, with units in the names. Pure data, no logic.
// RFC 3768 = VRRPv2 (IPv4), RFC 5798 = VRRPv3, RFC 9568 = VRRPv3 (obsoletes 5798).

/** IP protocol number / IPv6 next header for VRRP (RFC 5798 §5.1.1.4, §5.1.2.4). */
export const VRRP_PROTOCOL = 112;

/** TTL / hop limit sent, and required on receive (RFC 5798 §5.1.1.3, §5.1.2.3, §7.1). */
export const TTL_REQUIRED = 255;

/** IPv4 multicast group (RFC 5798 §5.1.1.2, RFC 3768 §5.2.2). */
export const GROUP_ADDRESS_V4 = "224.0.0.18";
/** IPv6 multicast group (RFC 5798 §5.1.2.2). */
export const GROUP_ADDRESS_V6 = "ff02::12";

/** The only defined packet type (RFC 5798 §5.2.2, RFC 3768 §5.3.2). */
export const TYPE_ADVERTISEMENT = 1;

export const VERSION_2 = 2;
export const VERSION_3 = 3;

/** Priority of the address owner (RFC 5798 §5.2.4). */
export const PRIORITY_OWNER = 255;
/** Priority sent by a master that resigns (RFC 5798 §5.2.4). */
export const PRIORITY_RESIGN = 0;
/** Default backup priority (RFC 5798 §5.2.4). */
export const PRIORITY_DEFAULT = 100;
/** Lowest and highest priority a backup may be configured with (RFC 5798 §5.2.4). */
export const PRIORITY_BACKUP_MIN = 1;
export const PRIORITY_BACKUP_MAX = 254;

/** VRID range (RFC 5798 §5.2.3); 0 is invalid on the wire. */
export const VRID_MIN = 1;
export const VRID_MAX = 255;

/** v3 Max Adver Int: 12 bits of centiseconds (RFC 5798 §5.2.7); 0 is discarded (RFC 9568 erratum 8301). */
export const ADVERT_INTERVAL_MIN_CS = 1;
export const ADVERT_INTERVAL_MAX_CS = 4095;
/** Default advertisement interval: 1 s (RFC 5798 §6.1, RFC 3768 §6.1). */
export const ADVERT_INTERVAL_DEFAULT_CS = 100;

/** v2 Adver Int: 8 bits of seconds (RFC 3768 §5.3.7); 0 is meaningless and dropped. */
export const V2_ADVERT_INTERVAL_MIN_S = 1;
export const V2_ADVERT_INTERVAL_MAX_S = 255;

/** Fixed header length for both versions (RFC 5798 §5.1, RFC 3768 §5.1). */
export const HEADER_LENGTH_BYTES = 8;
/** v2 trailing Authentication Data (RFC 3768 §5.3.10). */
export const V2_AUTH_DATA_BYTES = 8;

export const IPV4_ADDRESS_BYTES = 4;
export const IPV6_ADDRESS_BYTES = 16;

/** v2 Auth Type values (RFC 3768 §5.3.6; 1 = simple text password of RFC 2338 §5.3.6.1, as keepalived PASS). */
export const AUTH_TYPE_NONE = 0;
export const AUTH_TYPE_PASS = 1;
/** Longest v2 PASS password; longer ones are truncated, shorter ones zero-padded (RFC 2338 §5.3.6.1). */
export const AUTH_PASS_MAX_BYTES = 8;

/** Count IPvX Addr is one octet (RFC 5798 §5.2.5). */
export const ADDRESS_COUNT_MAX = 255;

/** Priority difference denominator of Skew_Time (RFC 5798 §6.1, RFC 3768 §6.1). */
export const SKEW_DENOMINATOR = 256;

/** Master_Down_Interval = MASTER_DOWN_MULTIPLIER × Master_Adver_Interval + Skew_Time (RFC 5798 §6.1). */
export const MASTER_DOWN_MULTIPLIER = 3;

export const CS_PER_S = 100;
