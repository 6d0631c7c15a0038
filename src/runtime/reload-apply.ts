// Applying a SIGHUP reload to the running daemon, as one transaction (ARCHITECTURE.md, "The path of
// a SIGHUP reload"). Prepare — resolve the interfaces of the instances that start and open their
// sockets — can fail, and then nothing running was touched. Commit cannot fail on an expected
// error: the config is swapped, removed and re-created instances resign (priority 0,
// make-before-break), updated ones change in place, new ones start, unused sockets are released.
import type { VigilConfig } from "../config/schema.ts";
import type { InstanceTable } from "./instance-table.ts";
import type { Logger } from "./ports.ts";
import { planReload, type ReloadPlan } from "./reload.ts";

export interface ReloadHost {
  table: InstanceTable;
  logger: Logger;
  /** Swap the config of everything that is not an instance (notify, sync groups, monitors, accept, statics). */
  commitConfig(next: VigilConfig): void;
  /** True once a stop began: the instances that would start are not started. */
  stopping(): boolean;
}

export type ReloadOutcome =
  | { refused: string[] }
  | { refused: null; cancelled: boolean };

export async function applyReload(host: ReloadHost, current: VigilConfig, next: VigilConfig): Promise<ReloadOutcome> {
  const { table, logger } = host;
  const plan = vmacChangesRecreate(planReload(current, next), table);
  const starting = [...plan.added, ...plan.recreated];
  const { links, waiting } = table.resolveAll(starting);
  try {
    table.openFor(starting, links);
  } catch (e) {
    return { refused: [e instanceof Error ? e.message : String(e)] };
  }

  // Commit: nothing below throws on an expected error.
  logger.log("info", "reload: applying", { removed: plan.removed.length, recreated: plan.recreated.length, added: plan.added.length });
  host.commitConfig(next);
  await Promise.all([...plan.removed, ...plan.recreated.map((c) => c.name)].map((name) => table.retire(name, plan.removed.includes(name))));
  if (host.stopping()) {
    logger.log("warn", "reload cancelled by the stop: new instances not started");
    return { refused: null, cancelled: true };
  }
  for (const cfg of plan.updated) table.updateInPlace(cfg);
  table.launchAll(starting, links, waiting);
  table.releaseUnusedSockets();
  logger.log("info", "configuration reloaded", {
    unchanged: plan.unchanged.length,
    updated: plan.updated.length,
    added: plan.added.length,
    removed: plan.removed.length,
    recreated: plan.recreated.length,
  });
  return { refused: null, cancelled: false };
}

/** A VMAC cannot change under a running instance: one whose use_vmac changed starts afresh. */
function vmacChangesRecreate(plan: ReloadPlan, table: InstanceTable): ReloadPlan {
  const vmacChanged = plan.updated.filter((c) => {
    const old = table.get(c.name)?.instance.cfg;
    return old !== undefined && (old.useVmac !== c.useVmac || !!old.vmacXmitBase !== !!c.vmacXmitBase || old.vmacAddress !== c.vmacAddress);
  });
  if (vmacChanged.length === 0) return plan;
  return { ...plan, updated: plan.updated.filter((c) => !vmacChanged.includes(c)), recreated: [...plan.recreated, ...vmacChanged] };
}
