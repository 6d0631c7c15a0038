// Where an instance lives on the host: its interface's index and MAC, and the address its adverts
// leave from. A string is why it cannot run yet (the daemon then keeps it waiting in Fault).
import type { InstanceConfig } from "../config/schema.ts";
import type { InstanceLink } from "./instance.ts";
import type { LinkInfo, LinkWatcher } from "./ports.ts";

/** A VIP or route naming another interface (`dev eth1`) that does not exist yet. */
export function missingDevs(cfg: InstanceConfig, links: LinkWatcher): string | null {
  for (const v of [...cfg.virtualIps, ...cfg.excludedVips]) {
    if (v.dev && !links.link(v.dev)) return `interface ${v.dev} (of VIP ${v.address}) not found`;
  }
  return null;
}

/** The address adverts go out from: unicast_src_ip, else the first IPv4 / the IPv6 link-local. */
export function resolveLink(cfg: InstanceConfig, link: LinkInfo | undefined): InstanceLink | string {
  if (!link) return `interface ${cfg.interface} not found`;
  const vipSet = new Set(cfg.virtualIps.map((v) => v.address));
  let src = cfg.unicastSrcIp ?? cfg.mcastSrcIp;
  if (src === undefined) {
    const ofFamily = link.addresses.filter((a) => a.family === cfg.family);
    // An address owner (255) sends from its own address, which is also its VIP (RFC 5798 §1).
    const candidates = cfg.priority === 255 ? ofFamily : ofFamily.filter((a) => !vipSet.has(a.address));
    const pick = cfg.family === 4 ? candidates[0] : candidates.find((a) => a.address.startsWith("fe80:"));
    if (!pick) {
      return cfg.family === 4
        ? `interface ${cfg.interface} has no IPv4 address to send adverts from`
        : `interface ${cfg.interface} has no IPv6 link-local address to send adverts from`;
    }
    src = pick.address;
  }
  return { ifindex: link.index, mac: link.mac, srcAddress: src };
}

/** The instance's link, or why it cannot run yet (interface, its address, or a VIP's `dev`). */
export function resolveInstance(cfg: InstanceConfig, links: LinkWatcher): InstanceLink | string {
  const r = resolveLink(cfg, links.link(cfg.interface));
  return typeof r === "string" ? r : (missingDevs(cfg, links) ?? r);
}
