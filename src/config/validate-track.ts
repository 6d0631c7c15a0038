// vrrp_script, track_file and vrrp_track_process blocks → their configs, with keepalived's rules
// for scripts it cannot run (disabled) and for enable_script_security (notify scripts too).

import type { ScriptConfig, SourcePosition, TrackFileConfig, TrackProcessConfig } from "./schema.ts";
import { QUORUM_MAX_UNLIMITED } from "./schema.ts";
import type { Diags } from "./diagnostics.ts";
import type { ConfigDraft, Located } from "./draft.ts";
import { inRange } from "./validate-instance.ts";
import { type HostProbe, scriptProblem } from "./host.ts";
import { limits, NOTIFY, spec } from "./keywords.ts";

/** Reports the second and later uses of a name. */
export function uniqueNames(list: { name: Located<string> }[], what: string, diags: Diags): void {
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
export function scripts(draft: ConfigDraft, host: HostProbe, diags: Diags, disabled: Map<string, string>): ScriptConfig[] {
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
export function notifyRefusals(draft: ConfigDraft, host: HostProbe, diags: Diags): void {
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

export function trackFiles(draft: ConfigDraft, diags: Diags): TrackFileConfig[] {
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
export function trackProcesses(draft: ConfigDraft, diags: Diags): TrackProcessConfig[] {
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
