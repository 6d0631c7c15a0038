// A VMAC deleted under a running instance (`ip link del vrrp.51` by an operator or another tool)
// takes the VIPs with it: a master would keep advertising while no host can reach its addresses.
// keepalived re-creates it; vigil does too, from the link event that reports it gone: the same
// name, MAC and ifindex (VmacManager.recreate), its sysctls, and — on a master — its VIPs again,
// announced at once (gratuitous ARP / unsolicited NA from the VMAC, RFC 5798 §6.4.2 as at a
// takeover), without a state change: the instance never stopped advertising.
import type { Instance } from "./instance.ts";
import type { Announcer, LinkInfo, Logger } from "./ports.ts";
import type { VmacManager } from "./vmac.ts";

/**
 * A VMAC set down and up again by an operator (its instance went to Fault and back, tracking.ts):
 * the kernel flushed its IPv6 link-local on the way down; give it back before the instance sends.
 */
export function restoreVmacAddresses(link: LinkInfo, instances: Iterable<Instance>, vmacs: VmacManager): void {
  if (!link.up) return;
  for (const inst of instances) if (inst.vmacName === link.name) vmacs.restoreLinkLocal(link.name, link.index);
}

export interface RestoreDeps {
  announcer: Announcer;
  logger: Logger;
}

/**
 * Called for every link event. Returns the instances whose VMAC could not be made again in place:
 * the daemon starts those afresh (a new VMAC, or Fault until it can be made).
 */
export function restoreDeletedVmac(link: LinkInfo, instances: Iterable<Instance>, vmacs: VmacManager, deps: RestoreDeps): Instance[] {
  if (link.up) return [];
  const restart: Instance[] = [];
  for (const inst of instances) {
    if (inst.vmacName !== link.name) continue;
    const r = vmacs.recreate(link.name, link.index);
    if (r === "failed") restart.push(inst);
    else if (r === "restored" && inst.vips.holding) readdVips(inst, vmacs, deps);
  }
  return restart;
}

function readdVips(inst: Instance, vmacs: VmacManager, deps: RestoreDeps): void {
  const name = inst.cfg.name;
  const failed = inst.vips.addAll();
  if (failed.length > 0) {
    deps.logger.log("error", `${name}: VIPs not added again on the re-created VMAC`, {
      instance: name,
      addresses: failed.map((v) => v.address).join(","),
    });
  }
  const vmac = vmacs.get(inst.vmacName!);
  if (!vmac) return;
  // The switch and the neighbours may have dropped the virtual MAC meanwhile: announce it again.
  for (let i = 0; i < Math.max(1, inst.cfg.garpMasterRepeat); i++) {
    for (const v of inst.vips.list()) {
      if (failed.includes(v) || (v.dev && v.dev !== inst.cfg.interface)) continue;
      try {
        if (v.family === 4) deps.announcer.garp(vmac.ifindex, vmac.mac, v.address);
        else deps.announcer.unsolicitedNa(vmac.ifindex, vmac.mac, v.address);
      } catch (e) {
        deps.logger.log("warn", `${name}: announcing ${v.address} on ${vmac.name} failed`, { instance: name, error: String(e) });
      }
    }
  }
}
