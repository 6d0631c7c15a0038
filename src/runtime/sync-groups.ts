// keepalived vrrp_sync_group: the members of a group move together, so a router never holds the
// LAN VIP while its WAN VIP is on the other box. A member's own Fault puts the others in Fault; a
// member's own move to Master or Backup makes the others follow (FSM event "sync"). Moves caused
// by the group itself (reason "sync-group") are not propagated again, so nothing loops.
import type { SyncGroupConfig } from "../config/schema.ts";
import type { TransitionReason, VrrpState } from "../protocol/types.ts";
import type { Instance } from "./instance.ts";
import { notifyTransition } from "./notify.ts";
import type { ScriptRunner } from "./spawn.ts";

export class SyncGroups {
  private groups = new Map<string, SyncGroupConfig>();

  constructor(
    private readonly lookup: (name: string) => Instance | undefined,
    private readonly runner: ScriptRunner,
  ) {}

  configure(groups: readonly SyncGroupConfig[]): void {
    this.groups = new Map(groups.map((g) => [g.name, g]));
  }

  /** Called by every instance after each transition. */
  onTransition(inst: Instance, from: VrrpState, to: VrrpState, reason: TransitionReason): void {
    const groupName = inst.cfg.syncGroup;
    const group = groupName ? this.groups.get(groupName) : undefined;
    if (!group || reason === "sync-group" || to === "init") return;
    const source = `sync_group:${group.name}:${inst.cfg.name}`;
    const others = group.instances.filter((n) => n !== inst.cfg.name).map(this.lookup);
    for (const other of others) {
      if (!other) continue;
      if (to === "fault") other.dispatch({ type: "fault", source, reason: "sync-group" });
      else if (from === "fault") other.dispatch({ type: "faultCleared", source, reason: "sync-group" });
      if (to === "master") other.dispatch({ type: "sync", to: "master" });
      else if (to === "backup" && from === "master") other.dispatch({ type: "sync", to: "backup" });
    }
    notifyTransition(this.runner, group.notify, "GROUP", group.name, to, inst.state.priority);
  }
}
