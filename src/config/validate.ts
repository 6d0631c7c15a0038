// ConfigDraft → VigilConfig. Reports ALL problems (each with file:line:col), cross-checks instances,
// scripts and sync groups, and warns for keywords read but not yet acted on by the engine.

import type { GlobalConfig, LoadResult, ScriptConfig, SourcePosition, SyncGroupConfig, TrackFileConfig, TrackProcessConfig, VigilConfig } from "./schema.ts";
import { DEFAULT_HTTP_LISTEN, QUORUM_MAX_UNLIMITED } from "./schema.ts";
import { Diags, didYouMean, sortDiagnostics } from "./diagnostics.ts";
import type { ConfigDraft, GlobalDraft, InstanceDraft, Located } from "./draft.ts";
import { inRange, route, validateInstance } from "./validate-instance.ts";
import { vipList } from "./validate-vips.ts";
import { type HostProbe, scriptProblem } from "./host.ts";
import { KEYWORDS, limits, NOTIFY, spec } from "./keywords.ts";

/**
 * Keywords vigil reads into the model but the engine does not act on yet ("pending" in the keyword
 * table): each use is a warning. Keywords writing one draft field share one label (accept/no_accept).
 */
function pendingLabels(section: "vrrp_instance" | "global_defs"): { label: string; field?: string; note: string }[] {
  const out = new Map<string, { label: string; field?: string; note: string }>();
  for (const k of KEYWORDS) {
    if (k.section !== section || k.does !== "pending") continue;
    const key = k.field ?? k.name;
    const prev = out.get(key);
    out.set(key, { label: prev ? `${prev.label}/${k.name}` : k.name, ...(k.field ? { field: k.field } : {}), note: k.note ?? "" });
  }
  return [...out.values()];
}
const PENDING_INSTANCE = pendingLabels("vrrp_instance");
const PENDING_GLOBAL = pendingLabels("global_defs");

const fieldOf = (draft: object, field: string) => (draft as Record<string, Located<unknown> | undefined>)[field];

function warnPending(d: InstanceDraft, diags: Diags): void {
  for (const p of PENDING_INSTANCE) {
    const pos = p.field ? fieldOf(d, p.field)?.pos : d.seen.get(p.label);
    if (pos) diags.warn(pos, `vrrp_instance ${d.name.value}: '${p.label}' is read but not acted on by vigil yet${p.note}`);
  }
  if (d.authType?.value === "AH") {
    diags.warn(
      d.authType.pos,
      `vrrp_instance ${d.name.value}: 'authentication AH' is read but not acted on by vigil yet; the instance runs without authentication`,
    );
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
  for (const p of PENDING_GLOBAL) {
    const v = fieldOf(g, p.field!);
    if (v && v.value !== false) diags.warn(v.pos, `'${p.label}' is read but not acted on by vigil yet${p.note}`);
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
  if (g.scriptGroup) {
    if (!g.scriptUser) diags.error(g.scriptGroup.pos, "script_group needs script_user (keepalived: script_user USER GROUP)");
    out.scriptGroup = g.scriptGroup.value;
  }
  if (g.notifyFifo) out.notifyFifo = g.notifyFifo.value;
  if (g.notifyFifoScript) out.notifyFifoScript = g.notifyFifoScript.value;
  if (g.vrrpNotifyFifo) out.vrrpNotifyFifo = g.vrrpNotifyFifo.value;
  if (g.vrrpNotifyFifoScript) out.vrrpNotifyFifoScript = g.vrrpNotifyFifoScript.value;
  if (g.notifyPriorityChanges?.value) out.notifyPriorityChanges = true;
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

/** Range and default of a vrrp_script keyword, from the keyword table. */
const S = (name: string) => limits(spec("vrrp_script", name));

function positive(v: Located<number> | undefined, dflt: number, what: string, diags: Diags): number {
  if (!v) return dflt;
  const max = spec("vrrp_script", what).range![1];
  if (!(v.value > 0) || v.value > max) {
    diags.error(v.pos, `${what} ${v.value} must be above 0 and at most ${max} seconds`);
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
  const secure = draft.global.enableScriptSecurity?.value === true;
  const out: ScriptConfig[] = [];
  for (const s of draft.scripts) {
    if (!s.script) diags.error(s.pos, `vrrp_script ${s.name.value}: missing script`);
    const intervalSec = positive(s.intervalSec, S("interval").dflt, "interval", diags);
    const timeoutSec = positive(s.timeoutSec, intervalSec, "timeout", diags);
    for (const [v, what] of [[s.rise, "rise"], [s.fall, "fall"], [s.weight, "weight"]] as const) inRange(v, S(what).lo, S(what).hi, what, diags);
    const cfg: ScriptConfig = {
      name: s.name.value,
      script: s.script?.value ?? "",
      intervalMs: Math.round(intervalSec * 1000),
      timeoutMs: Math.round(timeoutSec * 1000),
      weight: s.weight?.value ?? S("weight").dflt,
      rise: s.rise?.value ?? S("rise").dflt,
      fall: s.fall?.value ?? S("fall").dflt,
      pos: s.pos,
    };
    if (s.user) cfg.user = s.user.value;
    if (s.reverse?.value) cfg.reverse = true;
    if (s.initFail?.value) cfg.initFail = true;
    if (s.group) {
      if (!s.user) diags.error(s.group.pos, `vrrp_script ${s.name.value}: group needs user (keepalived: user USER GROUP)`);
      cfg.group = s.group.value;
    }
    const user = s.user ?? defaultUser;
    const why = !s.script
      ? undefined
      : user && !host.userExists(user.value)
      ? `user '${user.value}' does not exist${s.user ? "" : " (global_defs script_user)"}`
      : scriptProblem(cfg.script, host);
    const refused = !why && s.script && secure ? refusal(cfg.script, s.user ?? defaultUser, s.user ? s.group : draft.global.scriptGroup, host) : undefined;
    if (why || refused) {
      diags.warn(s.script!.pos, `vrrp_script ${s.name.value} disabled: ${why ?? refused}; instances tracking it run without it (as keepalived)`);
      disabled.set(s.name.value, (why ?? refused)!);
      continue;
    }
    out.push(cfg);
  }
  return out;
}

/** enable_script_security's verdict on a command run as `user` (the daemon's checkScript, through the host probe). */
function refusal(command: string, user: Located<string> | undefined, group: Located<string> | undefined, host: HostProbe): string | undefined {
  return host.scriptRefusal?.(command, user ? { name: user.value, ...(group ? { group: group.value } : {}) } : undefined);
}

/** Notify scripts enable_script_security would refuse at run time: warned where they are written. */
function notifyRefusals(draft: ConfigDraft, host: HostProbe, diags: Diags): void {
  const g = draft.global;
  if (g.enableScriptSecurity?.value !== true || !host.scriptRefusal) return;
  const check = (v: Located<string> | undefined, what: string) => {
    const why = v ? refusal(v.value, g.scriptUser, g.scriptGroup, host) : undefined;
    if (why) diags.warn(v!.pos, `${what} will not run: ${why} (as keepalived)`);
  };
  for (const d of draft.instances) for (const [name, k] of NOTIFY) check(d.notify[k], `vrrp_instance ${d.name.value}: ${name}`);
  for (const d of draft.syncGroups) for (const [name, k] of NOTIFY) check(d.notify[k], `vrrp_sync_group ${d.name.value}: ${name}`);
  check(g.notifyFifoScript, "notify_fifo_script");
  check(g.vrrpNotifyFifoScript, "vrrp_notify_fifo_script");
}

function trackFiles(draft: ConfigDraft, diags: Diags): TrackFileConfig[] {
  uniqueNames(draft.trackFiles, "track_file", diags);
  return draft.trackFiles.map((t) => {
    if (!t.file) diags.error(t.pos, `track_file ${t.name.value}: missing file`);
    const { lo, hi, dflt } = limits(spec("track_file", "weight"));
    inRange(t.weight, lo, hi, "weight", diags);
    return { name: t.name.value, file: t.file?.value ?? "", weight: t.weight?.value ?? dflt, ...(t.reverse?.value ? { reverse: true } : {}), pos: t.pos };
  });
}

/**
 * vrrp_track_process blocks, with keepalived's rules (vrrp_tprocess_*): parameters after the
 * process name mean param_match exact and full_command; quorum_max 0 means quorum 0 (good while
 * none runs); an out-of-range value, or a quorum above quorum_max, is ignored with a warning; a
 * block without `process` is dropped (its references then warn).
 */
function trackProcesses(draft: ConfigDraft, diags: Diags): TrackProcessConfig[] {
  uniqueNames(draft.trackProcesses, "vrrp_track_process", diags);
  const out: TrackProcessConfig[] = [];
  const ignored = diags.keepalivedCompat ? "; ignored (as keepalived)" : "";
  const within = (v: Located<number> | undefined, name: string): number | undefined => {
    if (!v) return undefined;
    const [lo, hi] = spec("vrrp_track_process", name).range!;
    const whole = name.startsWith("quorum") ? Number.isInteger(v.value) : true;
    if (whole && v.value >= lo && v.value <= hi) return v.value;
    diags.tolerate(v.pos, `${name} ${v.value} must be ${whole ? "" : "a whole number "}between ${lo} and ${hi}${ignored}`);
    return undefined;
  };
  for (const t of draft.trackProcesses) {
    const where = `vrrp_track_process ${t.name.value}`;
    const weightLim = spec("vrrp_track_process", "weight").range!;
    let quorum = within(t.quorum, "quorum") ?? 1;
    let quorumMax = within(t.quorumMax, "quorum_max") ?? QUORUM_MAX_UNLIMITED;
    // keepalived allows quorum_max 0 with quorum 1 (the default): good while none runs.
    if (quorum > quorumMax && !(quorumMax === 0 && quorum === 1)) {
      diags.tolerate(
        (t.quorumMax ?? t.quorum)!.pos,
        `${where}: quorum ${quorum} is greater than quorum_max ${quorumMax}${diags.keepalivedCompat ? "; quorum_max ignored (as keepalived)" : ""}`,
      );
      quorumMax = QUORUM_MAX_UNLIMITED;
    }
    if (quorumMax === 0) quorum = 0;
    const delay = within(t.delaySec, "delay");
    const terminate = within(t.terminateDelaySec, "terminate_delay") ?? delay ?? 0;
    const fork = within(t.forkDelaySec, "fork_delay") ?? delay ?? 0;
    const weight = t.weight && inRange(t.weight, weightLim[0], weightLim[1], "weight", diags) ? t.weight.value : 0;
    const params = t.params?.value ?? [];
    const paramMatch = (t.paramMatch?.value ?? (params.length > 0 ? "exact" : "none")) as TrackProcessConfig["paramMatch"];
    if (!t.process || t.process.value === "") {
      diags.tolerate(t.pos, `${where}: process name not specified${diags.keepalivedCompat ? "; the block is dropped (as keepalived)" : ""}`);
      continue;
    }
    out.push({
      name: t.name.value,
      process: t.process.value,
      params,
      paramMatch,
      fullCommand: (t.fullCommand?.value ?? false) || params.length > 0 || paramMatch !== "none",
      weight,
      reverse: t.reverse?.value ?? false,
      quorum,
      quorumMax,
      forkDelayMs: fork * 1000,
      terminateDelayMs: terminate * 1000,
      pos: t.pos,
    });
  }
  return out;
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
  const warnings = sortDiagnostics(diags.warnings);
  if (diags.errors.length > 0) return { ok: false, errors: sortDiagnostics(diags.errors), warnings };
  return { ok: true, config: cfg, warnings };
}
