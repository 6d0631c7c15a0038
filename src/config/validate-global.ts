// global_defs → GlobalConfig, and the warnings for keywords read but not yet acted on by the engine
// (global and per instance).

import type { GlobalConfig } from "./schema.ts";
import { DEFAULT_HTTP_LISTEN } from "./schema.ts";
import { type Diags, didYouMean } from "./diagnostics.ts";
import type { GlobalDraft, InstanceDraft, Located } from "./draft.ts";
import { inRange } from "./validate-instance.ts";
import { KEYWORDS } from "./keywords.ts";

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

export function warnPending(d: InstanceDraft, diags: Diags): void {
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

export function validateGlobal(g: GlobalDraft, diags: Diags): GlobalConfig {
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
    rlimitRttimeUs: g.rlimitRttimeUs?.value ?? 10_000,
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
