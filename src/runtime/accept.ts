// RFC 5798 §6.4.3 Accept_Mode. A master that is not the address owner (priority < 255) and runs
// with `no_accept` (the default under vrrp_strict) must not accept packets addressed to its VIPs,
// except what keeps the address reachable (ARP is not IP; IPv6 neighbour discovery is let through).
// As keepalived, this is done with firewall rules: one nftables table owned by vigil,
//
//   table inet vigil {
//     set vips4 { type ipv4_addr; … }  set vips6 { type ipv6_addr; … }
//     chain input  { type filter hook input  priority -1; …  ip daddr @vips4 drop; ip6 daddr @vips6 drop }
//     chain output { type filter hook output priority -1; …  ip saddr @vips4 drop; ip6 saddr @vips6 drop }
//   }
//
// holding every VIP of every such instance (a backup does not have them, so the rules change
// nothing there). The table is written as one nft transaction, removed at stop, in the last resort
// and at the next start after a SIGKILL (journal). Accept mode is an availability feature: when the
// firewall cannot be set (no nft, no nf_tables), VRRP keeps running; the log says so, once per
// cause, and vigil_netlink_errors_total{op="nft-apply",errno} counts it.
import type { InstanceConfig } from "../config/schema.ts";
import { errnoOf, ErrorCounts } from "./error-counts.ts";
import type { AddressJournal, OwnedAddress } from "./journal.ts";
import type { Logger } from "./ports.ts";

/** Runs an nft script as one transaction (Linux: src/os/linux/nft.ts). Throws with `code` (ENOENT: no nft). */
export interface FirewallOs {
  apply(script: string): void;
}

export const NFT_TABLE = "vigil";
const RECORD: OwnedAddress = { kind: "nft", ifname: "", address: `inet ${NFT_TABLE}`, family: 4, prefixLength: 0 };
/** Create-if-missing then delete: removes the table whether or not it exists, in one transaction. */
const DELETE = `table inet ${NFT_TABLE}\ndelete table inet ${NFT_TABLE}\n`;

/** The instances whose VIPs are filtered: not accepting, and not the address owner. */
export function filtered(cfg: InstanceConfig): boolean {
  return !cfg.accept && cfg.priority < 255;
}

export function acceptRuleset(instances: readonly InstanceConfig[]): string | null {
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  for (const cfg of instances.filter(filtered)) {
    for (const v of [...cfg.virtualIps, ...cfg.excludedVips]) (v.family === 4 ? v4 : v6).add(v.address);
  }
  if (v4.size + v6.size === 0) return null;
  const elements = (s: Set<string>) => (s.size > 0 ? ` elements = { ${[...s].join(", ")} };` : "");
  const nd = "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert }";
  return `${DELETE}table inet ${NFT_TABLE} {
  set vips4 { type ipv4_addr;${elements(v4)} }
  set vips6 { type ipv6_addr;${elements(v6)} }
  chain input {
    type filter hook input priority -1; policy accept;
    ip6 daddr @vips6 ${nd} accept
    ip daddr @vips4 drop
    ip6 daddr @vips6 drop
  }
  chain output {
    type filter hook output priority -1; policy accept;
    ip6 saddr @vips6 ${nd} accept
    ip saddr @vips4 drop
    ip6 saddr @vips6 drop
  }
}
`;
}

export class AcceptFilter {
  private installed = false;
  private readonly reported = new Set<string>();

  constructor(
    private readonly os: FirewallOs | undefined,
    private readonly journal: AddressJournal,
    private readonly logger: Logger,
    private readonly errors: ErrorCounts,
  ) {}

  get active(): boolean {
    return this.installed;
  }

  /** At start: a table left by a SIGKILLed run goes. */
  cleanupStale(): void {
    if (!this.os || !this.journal.has(RECORD)) return;
    if (this.run("nft-delete", DELETE)) {
      this.journal.forget(RECORD);
      this.logger.log("warn", `removed the nftables table inet ${NFT_TABLE} left by an earlier run`);
    }
  }

  /** Start and reload: the table for these instances (none needed: no table). Never throws. */
  configure(instances: readonly InstanceConfig[]): void {
    const rules = acceptRuleset(instances);
    if (rules === null) return this.remove();
    if (!this.os) {
      this.once("unsupported", "no_accept / vrrp_strict: accept mode is not enforced on this platform (no firewall); VRRP runs");
      return;
    }
    this.journal.record(RECORD);
    if (this.run("nft-apply", rules)) {
      this.installed = true;
      this.reported.clear();
    }
  }

  /** Stop, last resort: the table goes. Never throws; a failure keeps the record for the next start. */
  remove(): void {
    if (!this.os || !this.journal.has(RECORD)) return;
    if (this.run("nft-delete", DELETE)) {
      this.installed = false;
      this.journal.forget(RECORD);
    }
  }

  private run(op: string, script: string): boolean {
    try {
      this.os!.apply(script);
      return true;
    } catch (e) {
      const code = errnoOf(e);
      this.errors.bump("netlink", `${op}/${code}`);
      const why = code === "ENOENT" ? "the nft tool was not found" : e instanceof Error ? e.message : String(e);
      this.once(
        `${op}/${code}`,
        op === "nft-apply"
          ? `no_accept / vrrp_strict: accept mode is NOT enforced (${why}); VRRP runs, but a master that does not own its VIPs accepts packets to them`
          : `could not remove the nftables table inet ${NFT_TABLE} (${why}); the next start tries again`,
      );
      return false;
    }
  }

  private once(key: string, msg: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.logger.log("error", msg);
  }
}
