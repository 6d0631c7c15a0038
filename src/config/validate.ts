// ConfigDraft → VigilConfig. Reports ALL problems (each with file:line:col), cross-checks instances,
// scripts and sync groups, and warns for keywords read but not yet acted on by the engine.

import type { LoadResult, SyncGroupConfig, VigilConfig } from "./schema.ts";
import { Diags, didYouMean, sortDiagnostics } from "./diagnostics.ts";
import type { ConfigDraft, InstanceDraft } from "./draft.ts";
import { route, validateInstance } from "./validate-instance.ts";
import { vipList } from "./validate-vips.ts";
import type { HostProbe } from "./host.ts";
import { NOTIFY } from "./keywords.ts";
import { validateGlobal, warnPending } from "./validate-global.ts";
import { notifyRefusals, scripts, trackFiles, trackProcesses, uniqueNames } from "./validate-track.ts";
import { foldGarpGroups, garpGroups } from "./validate-garp.ts";

function syncGroups(draft: ConfigDraft, cfg: VigilConfig, diags: Diags): SyncGroupConfig[] {
  uniqueNames(draft.syncGroups, "vrrp_sync_group", diags);
  const byName = new Map(cfg.instances.map((i) => [i.name, i]));
  const out: SyncGroupConfig[] = [];
  for (const g of draft.syncGroups) {
    const members: string[] = [];
    for (const m of g.members) {
      const inst = byName.get(m.value);
      if (!inst) {
        // keepalived: "Virtual router … specified in sync group … doesn't exist - ignoring".
        diags.tolerate(
          m.pos,
          () =>
            `vrrp_sync_group ${g.name.value}: unknown vrrp_instance '${m.value}'${diags.keepalivedCompat ? ", ignored (as keepalived)" : ""}${
              didYouMean(m.value, byName.keys())
            }`,
        );
        continue;
      }
      if (inst.syncGroup && inst.syncGroup !== g.name.value) {
        diags.error(m.pos, `vrrp_instance ${m.value} is already in vrrp_sync_group ${inst.syncGroup}`);
        continue;
      }
      if (members.includes(m.value)) diags.warn(m.pos, `vrrp_sync_group ${g.name.value}: ${m.value} listed twice`);
      else members.push(m.value);
      inst.syncGroup = g.name.value;
    }
    if (members.length === 0) {
      // keepalived: "Sync group … has no virtual router(s). removing" (and runs the rest).
      diags.tolerate(
        g.pos,
        `vrrp_sync_group ${g.name.value} lists no instances (group { … } is missing or empty)${
          diags.keepalivedCompat ? "; the group is removed (as keepalived)" : ""
        }`,
      );
    } else if (members.length < 2) {
      diags.warn(g.pos, `vrrp_sync_group ${g.name.value} has ${members.length} member(s); a sync group needs at least 2 to mean anything`);
    }
    groupTracking(g, members.map((m) => byName.get(m)!), diags);
    const notify: SyncGroupConfig["notify"] = {};
    for (const [, k] of NOTIFY) if (g.notify[k]) notify[k] = g.notify[k]!.value;
    if (members.length > 0) out.push({ name: g.name.value, instances: members, notify, pos: g.pos });
  }
  return out;
}

/**
 * A sync group's own track_interface / track_script / track_file: keepalived adds each to every
 * member with weight 0 (one failure puts the member, and so the group, in Fault); a weight given
 * there needs sync_group_tracking_weight, which vigil does not do: warned and 0 used. A member
 * already tracking the same name keeps its own line.
 */
function groupTracking(g: ConfigDraft["syncGroups"][number], members: VigilConfig["instances"], diags: Diags): void {
  for (const { kind, track } of g.tracks ?? []) {
    if (track.weight && track.weight.value !== 0) {
      diags.warn(
        track.weight.pos,
        `vrrp_sync_group ${g.name.value}: ${kind} ${track.name.value} weight ignored, 0 used (sync_group_tracking_weight is not supported)`,
      );
    }
    for (const inst of members) {
      const list = kind === "track_interface" ? inst.trackInterfaces : kind === "track_script" ? inst.trackScripts : inst.trackFiles;
      if (list.some((t) => t.name === track.name.value)) continue;
      const reverse = track.reverse ? { reverse: track.reverse.value } : {};
      list.push({ name: track.name.value, weight: 0, ...reverse, pos: track.name.pos });
    }
  }
}

/**
 * keepalived's vrrp_complete_init: an address owner (priority 255) and a sync group member run no
 * weighted tracking. Weighted track_interface: removed (owner) or weight 0 (sync group); weighted
 * track_script: removed; track_file: default weight → 0, other weights removed.
 */
function unweightedTracking(cfg: VigilConfig, diags: Diags): void {
  const scriptWeight = new Map(cfg.scripts.map((s) => [s.name, s.weight]));
  const fileWeight = new Map(cfg.trackFiles.map((t) => [t.name, t.weight]));
  for (const inst of cfg.instances) {
    const owner = inst.priority === 255;
    if (!owner && !inst.syncGroup) continue;
    const why = owner ? "it is the address owner (priority 255)" : `it is in vrrp_sync_group ${inst.syncGroup}`;
    inst.trackInterfaces = inst.trackInterfaces.filter((t) => {
      if (t.weight === 0) return true;
      diags.warn(
        t.pos,
        `vrrp_instance ${inst.name}: track_interface ${t.name} weight ${t.weight} ${owner ? "not tracked" : "set to 0"}: ${why} (as keepalived)`,
      );
      if (owner) return false;
      t.weight = 0;
      return true;
    });
    inst.trackScripts = inst.trackScripts.filter((t) => {
      const w = t.weight ?? scriptWeight.get(t.name) ?? 0;
      if (w === 0) return true;
      diags.warn(t.pos, `vrrp_instance ${inst.name}: weighted track_script ${t.name} (weight ${w}) not tracked: ${why} (as keepalived)`);
      return false;
    });
    inst.trackFiles = inst.trackFiles.filter((t) => {
      const w = t.weight ?? fileWeight.get(t.name) ?? 1;
      if (w === 0) return true;
      if (w === 1 && t.weight === undefined) {
        diags.warn(t.pos, `vrrp_instance ${inst.name}: track_file ${t.name} default weight ignored (0 used): ${why} (as keepalived)`);
        t.weight = 0;
        return true;
      }
      diags.warn(t.pos, `vrrp_instance ${inst.name}: track_file ${t.name} with weight ${w} not tracked: ${why} (as keepalived)`);
      return false;
    });
  }
}

/** Same VRID on one interface and family conflicts, unless both are unicast with disjoint peers. */
function checkVridClash(cfg: VigilConfig, drafts: InstanceDraft[], diags: Diags): void {
  const seen = new Map<string, VigilConfig["instances"][number]>();
  cfg.instances.forEach((inst, i) => {
    if (!inst.interface || !inst.vrid) return;
    const key = `${inst.interface}/${inst.family}/${inst.vrid}`;
    const other = seen.get(key);
    if (!other) return void seen.set(key, inst);
    const disjoint = inst.unicastPeers.length > 0 && other.unicastPeers.length > 0 && !inst.unicastPeers.some((p) => other.unicastPeers.includes(p));
    if (disjoint) return;
    const pos = drafts[i]!.vrid?.pos ?? inst.pos;
    diags.error(
      pos,
      `virtual_router_id ${inst.vrid} on ${inst.interface} (IPv${inst.family}) is already used by vrrp_instance ${other.name} (line ${other.pos.line})`,
    );
  });
}

/** References to scripts or files that do not exist (or were disabled) leave the track lists with a warning, as keepalived. */
function checkTrackRefs(cfg: VigilConfig, disabled: Map<string, string>, diags: Diags): void {
  const scriptNames = cfg.scripts.map((s) => s.name);
  const fileNames = cfg.trackFiles.map((t) => t.name);
  const ignored = diags.keepalivedCompat ? "; ignored (as keepalived)" : "";
  for (const inst of cfg.instances) {
    inst.trackScripts = inst.trackScripts.filter((t) => {
      if (scriptNames.includes(t.name)) return true;
      const why = disabled.get(t.name);
      if (why !== undefined) diags.warn(t.pos, `track_script '${t.name}' in vrrp_instance ${inst.name} ignored: the script is disabled (${why})`);
      else {diags.tolerate(t.pos, () =>
          `track_script '${t.name}' in vrrp_instance ${inst.name}: no vrrp_script with that name${ignored}${didYouMean(t.name, scriptNames)}`);}
      return false;
    });
    const processNames = (cfg.trackProcesses ?? []).map((t) => t.name);
    if (inst.trackProcesses) {
      inst.trackProcesses = inst.trackProcesses.filter((t) => {
        if (processNames.includes(t.name)) return true;
        diags.tolerate(
          t.pos,
          () => `track_process '${t.name}' in vrrp_instance ${inst.name}: no vrrp_track_process with that name${ignored}${didYouMean(t.name, processNames)}`,
        );
        return false;
      });
    }
    inst.trackFiles = inst.trackFiles.filter((t) => {
      if (fileNames.includes(t.name)) return true;
      diags.tolerate(
        t.pos,
        () => `track_file '${t.name}' in vrrp_instance ${inst.name}: no track_file block with that name${ignored}${didYouMean(t.name, fileNames)}`,
      );
      return false;
    });
  }
  const owners = new Map<string, string>();
  for (const inst of cfg.instances) {
    for (const v of inst.virtualIps) {
      const key = `${v.address}/${v.dev ?? inst.interface}`;
      const other = owners.get(key);
      if (other && other !== inst.name) diags.advise(v.pos, `${v.address} is also a VIP of vrrp_instance ${other}; the two will fight over it`);
      else owners.set(key, inst.name);
    }
  }
}

export function validateDraft(draft: ConfigDraft, diags: Diags, host: HostProbe): LoadResult {
  const global = validateGlobal(draft.global, diags);
  uniqueNames(draft.instances, "vrrp_instance", diags);
  const instances = draft.instances.map((d) => {
    warnPending(d, diags);
    return validateInstance(d, draft.global, diags);
  });
  if (draft.instances.length === 0) {
    // keepalived warns and runs idle (a later SIGHUP may add instances); vigil does the same, in
    // either format (so a converted file stays loadable); an error under --strict.
    diags.warn(draft.filePos, "no VRRP instance configured; vigil runs idle until a reload adds one (as keepalived)");
  }
  const cfg: VigilConfig = { source: draft.source, format: draft.format, global, instances, scripts: [], trackFiles: [], syncGroups: [] };
  const disabled = new Map<string, string>();
  cfg.scripts = scripts(draft, host, diags, disabled);
  notifyRefusals(draft, host, diags);
  cfg.trackFiles = trackFiles(draft, diags);
  const processes = trackProcesses(draft, diags);
  if (processes.length > 0) cfg.trackProcesses = processes;
  cfg.syncGroups = syncGroups(draft, cfg, diags);
  checkVridClash(cfg, draft.instances, diags);
  checkTrackRefs(cfg, disabled, diags);
  unweightedTracking(cfg, diags);
  if (draft.staticIps) cfg.staticIps = vipList(draft.staticIps, "static_ipaddress", diags);
  if (draft.staticRoutes) cfg.staticRoutes = draft.staticRoutes.map((r) => route(r, diags)).filter((r) => r !== undefined);
  if (draft.staticRules) cfg.staticRules = draft.staticRules;
  const groups = garpGroups(draft, diags);
  if (groups.length > 0) {
    cfg.garpGroups = groups;
    foldGarpGroups(groups, draft.instances, instances);
  }
  const warnings = sortDiagnostics(diags.warnings);
  if (diags.errors.length > 0) return { ok: false, errors: sortDiagnostics(diags.errors), warnings };
  return { ok: true, config: cfg, warnings };
}
