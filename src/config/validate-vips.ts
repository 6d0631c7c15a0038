// Virtual addresses of one instance: parsing, the family rule, duplicates and the advert size limit,
// each as keepalived does it (keepalived/vrrp: alloc_vrrp_vip, vrrp_complete_instance).

import type { Family, VrrpVersion } from "../protocol/types.ts";
import type { VirtualAddress } from "./schema.ts";
import type { Diags } from "./diagnostics.ts";
import type { Located, VipDraft } from "./draft.ts";
import { ipv4HostBits, isMulticast, parseIp, parsePrefix } from "./address.ts";

const SCOPES = ["global", "site", "link", "host", "nowhere"] as const;

/** RFC 5798 §5.2.6 / RFC 3768 §5.3.5: Count IPvX Addr is one octet. */
export const MAX_VIPS_PER_ADVERT = 255;
/** keepalived sizes adverts for this MTU when it does not know the interface's (DEFAULT_MTU). */
export const DEFAULT_MTU_BYTES = 1500;
// keepalived counts the Ethernet header inside the MTU too (vrrp_complete_instance); vigil uses the
// same count so the same addresses are advertised: 89 IPv6 addresses at 1500, not 90.
const ETHER_HEADER_BYTES = 14;
const IPV4_HEADER_BYTES = 20;
const IPV6_HEADER_BYTES = 40;
const VRRP_HEADER_BYTES = 8;
const V2_AUTH_BYTES = 8; // RFC 3768 §5.3.10: Authentication Data

export function checkIfName(v: Located<string>, what: string, diags: Diags): void {
  const n = v.value;
  if (n.length === 0 || n.length > 15 || /[\s/:]/.test(n) || n === "." || n === "..") {
    diags.error(v.pos, `${what} '${n}' is not a valid interface name (1–15 characters, no '/', ':' or spaces)`);
  }
}

function vip(d: VipDraft, diags: Diags): VirtualAddress | undefined {
  const p = parsePrefix(d.address.value);
  if ("error" in p) {
    // keepalived: "VRRP parsed invalid IP … skipping IP…"
    diags.tolerate(d.address.pos, `bad virtual address: ${p.error}${diags.keepalivedCompat ? "; skipped (as keepalived)" : ""}`);
    return undefined;
  }
  if (isMulticast(p) || p.bytes.every((b) => b === 0)) {
    diags.error(d.address.pos, `virtual address ${p.address} must be a unicast address`);
    return undefined;
  }
  const out: VirtualAddress = { address: p.address, prefixLength: p.prefixLength, family: p.family, pos: d.address.pos };
  if (d.dev) {
    checkIfName(d.dev, "dev", diags);
    out.dev = d.dev.value;
  }
  if (d.scope) {
    const s = d.scope.value as (typeof SCOPES)[number];
    if (SCOPES.includes(s)) out.scope = s;
    else diags.tolerate(d.scope.pos, `scope '${d.scope.value}' is not one of ${SCOPES.join(", ")}${diags.keepalivedCompat ? "; ignored" : ""}`);
  }
  if (d.label) {
    if (p.family === 6) diags.warn(d.label.pos, `label '${d.label.value}' ignored: Linux has no labels on IPv6 addresses`);
    else if (d.label.value.length > 15) diags.error(d.label.pos, `label '${d.label.value}' is longer than 15 characters`);
    else out.label = d.label.value;
  }
  if (d.brd) {
    const b = d.brd.value;
    if (p.family === 6) diags.error(d.brd.pos, "brd applies to IPv4 addresses only");
    else if (b === "+" || b === "-") out.broadcast = ipv4HostBits(p.bytes, p.prefixLength, b === "+");
    else {
      const ip = parseIp(b);
      if (!ip || ip.family !== 4) diags.error(d.brd.pos, `brd '${b}' is not an IPv4 address`);
      else out.broadcast = ip.address;
    }
  }
  return out;
}

/**
 * Parses a VIP list. A repeat is kept: keepalived adds it again and counts it again in adverts, so
 * dropping it would change what peers receive. With `family`, addresses of the other family are
 * dropped with a warning, as keepalived's "address family must match VRRP instance - ignoring".
 */
export function vipList(list: VipDraft[], what: string, diags: Diags, family?: Family): VirtualAddress[] {
  const out: VirtualAddress[] = [];
  const seen = new Map<string, VirtualAddress>();
  for (const d of list) {
    const v = vip(d, diags);
    if (!v) continue;
    if (family && v.family !== family) {
      diags.tolerate(
        v.pos,
        `${v.address} is IPv${v.family} but the instance is IPv${family} (its first address)${
          diags.keepalivedCompat ? "; ignored (as keepalived)" : "; put other-family addresses in virtual_ipaddress_excluded"
        }`,
      );
      continue;
    }
    const key = `${v.address}/${v.dev ?? ""}`;
    const first = seen.get(key);
    if (first) diags.advise(v.pos, `${what} ${v.address} is listed again; kept, as keepalived does (adverts carry it each time)`);
    else seen.set(key, v);
    out.push(v);
  }
  return out;
}

/** How many addresses fit one advert at the default MTU (keepalived's count, capped at 255). */
export function maxVipsPerAdvert(family: Family, version: VrrpVersion, mtuBytes = DEFAULT_MTU_BYTES): number {
  const header = ETHER_HEADER_BYTES + VRRP_HEADER_BYTES + (family === 4 ? IPV4_HEADER_BYTES + (version === 2 ? V2_AUTH_BYTES : 0) : IPV6_HEADER_BYTES);
  const fit = Math.floor((mtuBytes - header) / (family === 4 ? 4 : 16));
  return Math.min(MAX_VIPS_PER_ADVERT, fit);
}

/**
 * keepalived: "Number of VIPs (N) exceeds maximum/space available in packet (max M addresses) -
 * excess moved to eVIPs". The excess is still added to the interface but not advertised.
 */
export function moveExcessVips(vips: VirtualAddress[], excluded: VirtualAddress[], family: Family, version: VrrpVersion, where: string, diags: Diags): void {
  const max = maxVipsPerAdvert(family, version);
  if (vips.length <= max) return;
  const excess = vips.splice(max);
  diags.warn(
    excess[0]!.pos,
    `${where}: ${
      vips.length + excess.length
    } virtual addresses exceed what one advert carries (max ${max} IPv${family} addresses at MTU ${DEFAULT_MTU_BYTES}); the ${excess.length} from here on are moved to virtual_ipaddress_excluded (as keepalived)`,
  );
  excluded.push(...excess); // list_add_tail: after the configured excluded addresses
}
