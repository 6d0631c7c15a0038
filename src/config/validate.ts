// ConfigDraft → VigilConfig. Reports ALL problems (each with file:line:col), cross-checks instances,
// scripts and sync groups, and warns for keywords read but not yet acted on by the engine.

import type { GlobalConfig, LoadResult, ScriptConfig, SourcePosition, SyncGroupConfig, TrackFileConfig, VigilConfig } from "./schema.ts";
import { DEFAULT_HTTP_LISTEN } from "./schema.ts";
import { Diags, didYouMean, sortDiagnostics } from "./diagnostics.ts";
import type { ConfigDraft, GlobalDraft, InstanceDraft, Located } from "./draft.ts";
import { inRange, validateInstance } from "./validate-instance.ts";
import { scriptProblem, type HostProbe } from "./host.ts";

/**
 * Keywords vigil reads into the model but the engine does not act on yet: each use is a warning.
 * Shrink this list as the engine grows (the value stays in the model either way).
 */
export const NOT_YET_ACTED_ON = [
  "use_vmac",
  "vmac_xmit_base",
  "smtp_alert",
  "authentication AH",
  "vrrp_strict",
  "accept/no_accept",
  "lvs_sync_daemon_interface",
] as const;

type Pending = (typeof NOT_YET_ACTED_ON)[number];

/** Where each pending keyword was used in an instance, if it was. */
const INSTANCE_USES: Record<Exclude<Pending, "vrrp_strict">, (d: InstanceDraft) => SourcePosition | undefined> = {
  use_vmac: (d) => d.useVmac?.pos,
  vmac_xmit_base: (d) => d.vmacXmitBase?.pos,
  smtp_alert: (d) => d.seen.get("smtp_alert"),
  "authentication AH": (d) => (d.authType?.value === "AH" ? d.authType.pos : undefined),
  "accept/no_accept": (d) => d.accept?.pos,
  lvs_sync_daemon_interface: (d) => d.seen.get("lvs_sync_daemon_interface"),
};

function warnPending(d: InstanceDraft, diags: Diags): void {
  for (const k of NOT_YET_ACTED_ON) {
    if (k === "vrrp_strict") continue;
    const pos = INSTANCE_USES[k](d);
    if (!pos) continue;
    const extra = k === "authentication AH" ? "; the instance runs without authentication" : "";
    diags.warn(pos, `vrrp_instance ${d.name.value}: '${k}' is read but not acted on by vigil yet${extra}`);
  }
}

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
const LOG_FORMATS = ["text", "json"] as const;

function oneOf<T extends string>(v: Located<string> | undefined, allowed: readonly T[], dflt: T, what: string, diags: Diags): T {
  if (!v) return dflt;
  if ((allowed as readonly string[]).includes(v.value)) return v.value as T;
  diags.error(v.pos, `${what} '${v.value}' is not one of ${allowed.join(", ")}${didYouMean(v.value, allowed)}`);
  return dflt;
}

function validateGlobal(g: GlobalDraft, diags: Diags): GlobalConfig {
  const http = g.http?.value ?? DEFAULT_HTTP_LISTEN;
  if (g.http && http !== "" && !/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):([0-9]{1,5})$/.test(http)) {
    diags.error(g.http.pos, `http '${http}' is not "host:port" ("[::1]:9650" for IPv6, "" to disable)`);
  } else if (g.http && http !== "" && Number(http.slice(http.lastIndexOf(":") + 1)) > 65535) {
    diags.error(g.http.pos, `http port in '${http}' is above 65535`);
  }
  if (g.realtimePriority && inRange(g.realtimePriority, 0, 99, "realtime priority", diags) && !Number.isInteger(g.realtimePriority.value)) {
    diags.error(g.realtimePriority.pos, "realtime priority must be a whole number");
  }
  if (g.vrrpStrict?.value && NOT_YET_ACTED_ON.includes("vrrp_strict")) {
    diags.warn(g.vrrpStrict.pos, "'vrrp_strict' is read but not acted on by vigil yet (only its accept-mode default applies)");
  }
  if (g.scriptUser) {
    diags.warn(g.scriptUser.pos, "'script_user' is read but not acted on by vigil yet: scripts run as vigil's own user");
  }
  if (g.enableScriptSecurity?.value) {
    diags.warn(g.enableScriptSecurity.pos, "'enable_script_security' is read but not acted on by vigil yet: script permissions are not checked");
  }
  const out: GlobalConfig = {
    http,
    logLevel: oneOf(g.log, LOG_LEVELS, "info", "log", diags),
    logFormat: oneOf(g.logFormat, LOG_FORMATS, "text", "log_format", diags),
    keepalivedExporterNames: g.keepalivedExporterNames?.value ?? false,
    realtimePriority: g.realtimePriority?.value ?? 0,
    noSwap: g.noSwap?.value ?? false,
    vrrpStrict: g.vrrpStrict?.value ?? false,
  };
  if (g.routerId) out.routerId = g.routerId.value;
  if (g.scriptUser) out.scriptUser = g.scriptUser.value;
  if (g.enableScriptSecurity?.value) out.enableScriptSecurity = true;
  return out;
}

/** Reports the second and later uses of a name. */
function uniqueNames(list: { name: Located<string> }[], what: string, diags: Diags): void {
  const seen = new Map<string, SourcePosition>();
  for (const x of list) {
    const first = seen.get(x.name.value);
    if (first) diags.error(x.name.pos, `${what} '${x.name.value}' is defined twice (first at line ${first.line})`);
    else seen.set(x.name.value, x.name.pos);
  }
}

function positive(v: Located<number> | undefined, dflt: number, what: string, diags: Diags): number {
  if (!v) return dflt;
  if (!(v.value > 0) || v.value > 86400) {
    diags.error(v.pos, `${what} ${v.value} must be above 0 and at most 86400 seconds`);
    return dflt;
  }
  return v.value;
}

/**
 * vrrp_script blocks. keepalived disables a script it cannot run (file missing or not executable,
 * user unknown) with a warning and runs the instances without it; vigil drops it the same way, so
 * `disabled` lists their names for the track_script references.
 */
function scripts(draft: ConfigDraft, host: HostProbe, diags: Diags, disabled: Map<string, string>): ScriptConfig[] {
  uniqueNames(draft.scripts, "vrrp_script", diags);
  const defaultUser = draft.global.scriptUser;
  const out: ScriptConfig[] = [];
  for (const s of draft.scripts) {
    if (!s.script) diags.error(s.pos, `vrrp_script ${s.name.value}: missing script`);
    const intervalSec = positive(s.intervalSec, 1, "interval", diags);
    const timeoutSec = positive(s.timeoutSec, intervalSec, "timeout", diags);
    for (const [v, what] of [[s.rise, "rise"], [s.fall, "fall"]] as const) inRange(v, 1, 1000000, what, diags);
    inRange(s.weight, -253, 253, "weight", diags);
    const cfg: ScriptConfig = {
      name: s.name.value,
      script: s.script?.value ?? "",
      intervalMs: Math.round(intervalSec * 1000),
      timeoutMs: Math.round(timeoutSec * 1000),
      weight: s.weight?.value ?? 0,
      rise: s.rise?.value ?? 1,
      fall: s.fall?.value ?? 1,
      pos: s.pos,
    };
    if (s.user) cfg.user = s.user.value;
    const user = s.user ?? defaultUser;
    const why = !s.script
      ? undefined
      : user && !host.userExists(user.value)
        ? `user '${user.value}' does not exist${s.user ? "" : " (global_defs script_user)"}`
        : scriptProblem(cfg.script, host);
    if (why) {
      diags.warn(s.script!.pos, `vrrp_script ${s.name.value} disabled: ${why}; instances tracking it run without it (as keepalived)`);
      disabled.set(s.name.value, why);
      continue;
    }
    out.push(cfg);
  }
  return out;
}

function trackFiles(draft: ConfigDraft, diags: Diags): TrackFileConfig[] {
  uniqueNames(draft.trackFiles, "track_file", diags);
  return draft.trackFiles.map((t) => {
    if (!t.file) diags.error(t.pos, `track_file ${t.name.value}: missing file`);
    inRange(t.weight, -2147483647, 2147483647, "weight", diags);
    return { name: t.name.value, file: t.file?.value ?? "", weight: t.weight?.value ?? 1, pos: t.pos };
  });
}

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
        diags.tolerate(m.pos, () => `vrrp_sync_group ${g.name.value}: unknown vrrp_instance '${m.value}'${diags.keepalivedCompat ? ", ignored (as keepalived)" : ""}${didYouMean(m.value, byName.keys())}`);
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
      diags.tolerate(g.pos, `vrrp_sync_group ${g.name.value} lists no instances (group { … } is missing or empty)${diags.keepalivedCompat ? "; the group is removed (as keepalived)" : ""}`);
    } else if (members.length < 2) {
      diags.warn(g.pos, `vrrp_sync_group ${g.name.value} has ${members.length} member(s); a sync group needs at least 2 to mean anything`);
    }
    const notify: SyncGroupConfig["notify"] = {};
    for (const k of ["master", "backup", "fault", "stop", "any"] as const) if (g.notify[k]) notify[k] = g.notify[k]!.value;
    if (members.length > 0) out.push({ name: g.name.value, instances: members, notify, pos: g.pos });
  }
  return out;
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
      diags.warn(t.pos, `vrrp_instance ${inst.name}: track_interface ${t.name} weight ${t.weight} ${owner ? "not tracked" : "set to 0"}: ${why} (as keepalived)`);
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
    const disjoint =
      inst.unicastPeers.length > 0 && other.unicastPeers.length > 0 && !inst.unicastPeers.some((p) => other.unicastPeers.includes(p));
    if (disjoint) return;
    const pos = drafts[i]!.vrid?.pos ?? inst.pos;
    diags.error(pos, `virtual_router_id ${inst.vrid} on ${inst.interface} (IPv${inst.family}) is already used by vrrp_instance ${other.name} (line ${other.pos.line})`);
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
      else diags.tolerate(t.pos, () => `track_script '${t.name}' in vrrp_instance ${inst.name}: no vrrp_script with that name${ignored}${didYouMean(t.name, scriptNames)}`);
      return false;
    });
    inst.trackFiles = inst.trackFiles.filter((t) => {
      if (fileNames.includes(t.name)) return true;
      diags.tolerate(t.pos, () => `track_file '${t.name}' in vrrp_instance ${inst.name}: no track_file block with that name${ignored}${didYouMean(t.name, fileNames)}`);
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
    diags.error(draft.filePos, `no VRRP instance configured (${draft.format === "toml" ? "[[instance]]" : "vrrp_instance"}); nothing for vigil to run`);
  }
  const cfg: VigilConfig = { source: draft.source, format: draft.format, global, instances, scripts: [], trackFiles: [], syncGroups: [] };
  const disabled = new Map<string, string>();
  cfg.scripts = scripts(draft, host, diags, disabled);
  cfg.trackFiles = trackFiles(draft, diags);
  cfg.syncGroups = syncGroups(draft, cfg, diags);
  checkVridClash(cfg, draft.instances, diags);
  checkTrackRefs(cfg, disabled, diags);
  unweightedTracking(cfg, diags);
  const warnings = sortDiagnostics(diags.warnings);
  if (diags.errors.length > 0) return { ok: false, errors: sortDiagnostics(diags.errors), warnings };
  return { ok: true, config: cfg, warnings };
}
