// What a link event (carrier, admin state, an interface created, deleted or renamed) does to the
// running instances: a VMAC deleted under its instance is made again in place (vmac-restore.ts), a
// VMAC set down faults its instance and set up again gets its IPv6 link-local back (tracking.ts),
// an instance whose interface came back with a new ifindex restarts on it, trackers that watch the
// interface re-evaluate, and instances waiting for it try again.
import type { InstanceTable } from "./instance-table.ts";
import type { PendingInstances } from "./pending.ts";
import type { LinkInfo } from "./ports.ts";
import { restoreDeletedVmac, type RestoreDeps, restoreVmacAddresses } from "./vmac-restore.ts";
import type { VmacManager } from "./vmac.ts";

export function handleLinkEvent(link: LinkInfo, table: InstanceTable, pending: PendingInstances, vmacs: VmacManager, deps: RestoreDeps): void {
  // A VMAC deleted under its instance is made again in place; if it cannot be, the instance restarts.
  for (const i of restoreDeletedVmac(link, table.all().map((r) => r.instance), vmacs, deps)) table.relaunch(i.cfg.name, true);
  // A VMAC set up again: its link-local back first, then its instance leaves Fault (below).
  restoreVmacAddresses(link, table.all().map((r) => r.instance), vmacs);
  for (const [name, r] of table.entries()) {
    if (r.instance.cfg.interface === link.name && link.index !== r.instance.ifindex) table.relaunch(name);
    else if (r.tracker.watches(link.name)) r.tracker.evaluate();
  }
  if (pending.waitsFor(link.name)) pending.retry();
}
