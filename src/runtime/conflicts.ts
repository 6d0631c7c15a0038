// Start-up check: is a VIP already used by another host on the link? A VIP that answers ARP is
// normal when a VRRP master holds it, so a holder is a conflict only when it is not the router
// that advertises the VIP's VRID: its MAC must be the MAC of that master's advert source (or a
// VRRP virtual MAC, RFC 5798 §7.3). Nothing is changed here; problems come back as messages.
import type { InstanceConfig, VigilConfig, VirtualAddress } from "../config/schema.ts";
import { decodeAdvert } from "../protocol/packet.ts";
import { masterDownIntervalMs } from "../protocol/timers.ts";
import { resolveLink } from "./resolve-link.ts";
import type { InstanceLink } from "./instance.ts";
import type { AddressProber, Clock, LinkWatcher, VrrpTransport } from "./ports.ts";

export interface ConflictDeps {
  links: LinkWatcher;
  transport: VrrpTransport;
  prober: AddressProber;
  clock: Clock;
}

/** How long ARP replies are awaited (a LAN answers in well under a millisecond). */
export const ARP_WAIT_MS = 200;
const VRRP_VIRTUAL_MAC = /^00:00:5e:00:0[12]:/i; // RFC 5798 §7.3 (IPv4 and IPv6)

interface Suspect {
  cfg: InstanceConfig;
  vip: VirtualAddress;
  link: InstanceLink;
  holders: string[];
}

export async function findVipConflicts(config: VigilConfig, deps: ConflictDeps): Promise<string[]> {
  const suspects = probe(config, deps);
  if (suspects.length === 0) return [];
  const masters = await listenForMasters(suspects, deps);
  const macsOf = masterMacs(suspects, masters, deps);
  const problems: string[] = [];
  for (const s of suspects) {
    const where = `${s.vip.pos.file}:${s.vip.pos.line}:${s.vip.pos.col}`;
    const what = `${s.vip.address} is already used by another host (${s.holders.join(", ")})`;
    const master = masters.get(key(s.link.ifindex, s.cfg.vrid));
    if (!master) {
      problems.push(`${where}: ${what}, and no VRRP router advertises virtual_router_id ${s.cfg.vrid}; remove it there first`);
      continue;
    }
    const masterMacs = macsOf.get(s.link.ifindex)?.get(master) ?? [];
    const stranger = s.holders.filter((m) => !masterMacs.includes(m));
    if (stranger.length > 0) {
      problems.push(
        `${where}: ${s.vip.address} is already used by another host (${
          stranger.join(", ")
        }), not by the VRRP master ${master} of virtual_router_id ${s.cfg.vrid}`,
      );
    }
  }
  return problems;
}

const key = (ifindex: number, vrid: number) => `${ifindex}/${vrid}`;

/** One ARP round per interface for every IPv4 VIP not on this host; returns those someone holds. */
function probe(config: VigilConfig, deps: ConflictDeps): Suspect[] {
  const byLink = new Map<number, { link: InstanceLink; items: { cfg: InstanceConfig; vip: VirtualAddress }[] }>();
  for (const cfg of config.instances) {
    // An owner's VIP is its own address (RFC 5798 §1); IPv6 has no ARP (DAD covers it).
    if (cfg.family !== 4 || cfg.priority === 255) continue;
    const info = deps.links.link(cfg.interface);
    const link = resolveLink(cfg, info);
    if (typeof link === "string" || !info) continue; // the daemon reports it with its position
    const local = new Set(info.addresses.map((a) => a.address));
    for (const vip of cfg.virtualIps) {
      // A VIP on another interface cannot be matched with the adverts of this one.
      if ((vip.dev && vip.dev !== cfg.interface) || local.has(vip.address)) continue;
      const entry = byLink.get(link.ifindex) ?? { link, items: [] };
      entry.items.push({ cfg, vip });
      byLink.set(link.ifindex, entry);
    }
  }
  const suspects: Suspect[] = [];
  for (const { link, items } of byLink.values()) {
    const claims = deps.prober.whoHas(link.ifindex, link.mac, "0.0.0.0", [...new Set(items.map((i) => i.vip.address))], ARP_WAIT_MS);
    for (const { cfg, vip } of items) {
      // use_vmac NAME MAC: the configured MAC is the VRRP routers' shared one too.
      const holders = (claims.get(vip.address) ?? []).filter((m) => !VRRP_VIRTUAL_MAC.test(m) && m !== cfg.vmacAddress);
      if (holders.length > 0) suspects.push({ cfg, vip, link, holders });
    }
  }
  return suspects;
}

/**
 * The MACs of the masters found, one ARP round per interface for all of them: each round waits
 * ARP_WAIT_MS, and 255 instances usually share one master (one round per VIP took 51 s).
 */
function masterMacs(suspects: Suspect[], masters: Map<string, string>, deps: ConflictDeps): Map<number, Map<string, string[]>> {
  const byLink = new Map<number, { link: InstanceLink; targets: Set<string> }>();
  for (const s of suspects) {
    const master = masters.get(key(s.link.ifindex, s.cfg.vrid));
    if (!master) continue;
    const entry = byLink.get(s.link.ifindex) ?? { link: s.link, targets: new Set<string>() };
    entry.targets.add(master);
    byLink.set(s.link.ifindex, entry);
  }
  const out = new Map<number, Map<string, string[]>>();
  for (const [ifindex, { link, targets }] of byLink) out.set(ifindex, deps.prober.whoHas(ifindex, link.mac, link.srcAddress, [...targets], ARP_WAIT_MS));
  return out;
}

/** Waits (at most one Master_Down_Interval each) for an advert naming each suspect's VRID. */
async function listenForMasters(suspects: Suspect[], deps: ConflictDeps): Promise<Map<string, string>> {
  const masters = new Map<string, string>();
  const wanted = new Set(suspects.map((s) => key(s.link.ifindex, s.cfg.vrid)));
  let listening = true;
  deps.transport.onReceive((d) => {
    if (!listening || d.family !== 4) return;
    const r = decodeAdvert(d.payload, { family: 4, srcAddress: d.src, dstAddress: d.dst, ttl: d.ttl });
    if (r.ok && r.packet.priority > 0 && wanted.has(key(d.ifindex, r.packet.vrid))) masters.set(key(d.ifindex, r.packet.vrid), d.src);
  });
  for (const s of suspects) deps.transport.open(s.cfg.interface, s.link.ifindex, 4);
  const waitMs = Math.max(...suspects.map((s) => masterDownIntervalMs(s.cfg.version, s.cfg.priority, s.cfg.advertIntervalCs)));
  const deadline = deps.clock.nowMs() + waitMs;
  while (masters.size < wanted.size && deps.clock.nowMs() < deadline) {
    await new Promise<void>((resolve) => deps.clock.setTimer(Math.min(deadline, deps.clock.nowMs() + 20), resolve));
  }
  listening = false;
  return masters;
}
