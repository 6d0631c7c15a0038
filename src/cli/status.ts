// `vigil status`: fetch /status from a running daemon and print it as an aligned table.
// Exit 0 ok, 1 daemon unreachable or bad answer, 2 usage error (src/cli/command.ts).

import { flag, parseCommand, usageError } from "./args.ts";
import { type Command, described, STATUS_DEFAULT_URL as DEFAULT_URL, STATUS_SPEC } from "./command.ts";
import type { DaemonStatus, InstanceStatus } from "../runtime/ports.ts";

const TIMEOUT_MS = 3000;
const MAX_VIPS_SHOWN = 3;

export const statusCommand: Command = {
  ...described(STATUS_SPEC),
  run: (args) => runStatus(args),
};

async function runStatus(args: string[]): Promise<number> {
  const p = parseCommand(STATUS_SPEC, args);
  if (typeof p === "number") return p;
  if (p.positionals.length > 0) return usageError(STATUS_SPEC, `unexpected argument '${p.positionals[0]}'`);
  const url = flag(p, "url") ?? DEFAULT_URL;
  const json = p.flags.has("json");
  const base = (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`).replace(/\/+$/, "");
  const target = `${base}/status`;

  let res: Response;
  try {
    res = await fetch(target, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { Accept: "application/json" } });
  } catch (e) {
    console.error(`vigil status: cannot reach vigil at ${base}: ${reason(e)}`);
    console.error("  is the daemon running, with [global] http set to this address? (--url to choose another)");
    return 1;
  }
  if (!res.ok) {
    console.error(`vigil status: ${target} answered ${res.status} ${res.statusText}`.trimEnd());
    return 1;
  }
  let status: DaemonStatus;
  try {
    status = (await res.json()) as DaemonStatus;
    if (!Array.isArray(status.instances)) throw new Error("no instances array");
  } catch (e) {
    console.error(`vigil status: ${target} did not answer a vigil status document: ${reason(e)}`);
    return 1;
  }
  console.log(json ? JSON.stringify(status, null, 2) : formatStatus(status, Date.now()));
  return 0;
}

function reason(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === "TimeoutError") return `no answer within ${TIMEOUT_MS / 1000} s`;
    const code = (e as { code?: string }).code;
    if (code === "ConnectionRefused" || code === "ECONNREFUSED") return "connection refused";
    return code ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}

/** "45s", "3m12s", "2h05m", "3d04h": coarse enough to read at a glance. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}

function vips(list: readonly string[]): string {
  if (list.length === 0) return "-";
  const shown = list.slice(0, MAX_VIPS_SHOWN).join(",");
  return list.length > MAX_VIPS_SHOWN ? `${shown} +${list.length - MAX_VIPS_SHOWN}` : shown;
}

function lastTransition(i: InstanceStatus, nowMs: number): string {
  const t = i.lastTransition;
  if (!t) return "-";
  return `${t.from}→${t.to} (${t.reason}) ${formatAge(nowMs - t.atWallMs)} ago`;
}

const COLUMNS = ["INSTANCE", "INTERFACE", "VRID", "VER", "STATE", "PRIO EFF/BASE", "MASTER", "VIPS", "LAST TRANSITION"];

/** The human view of a /status document: a summary line, the table, then faults if any. */
export function formatStatus(s: DaemonStatus, nowMs: number): string {
  const reload = s.lastReload ? `, last reload ${formatAge(nowMs - s.lastReload.atWallMs)} ago ${s.lastReload.ok ? "ok" : "FAILED"}` : "";
  const head = `vigil ${s.version}${s.routerId ? `, router ${s.routerId}` : ""}, up ${formatAge(nowMs - s.startedAtWallMs)}` +
    `, config ${s.configFile}${reload}`;
  const lines = [head];
  if (s.lastReload && !s.lastReload.ok) { for (const e of s.lastReload.errors) lines.push(`  reload error: ${e}`); }
  if (s.instances.length === 0) return [...lines, "", "no instances configured"].join("\n");

  const rows = s.instances.map((i) => [
    i.name,
    i.interface,
    String(i.vrid),
    `v${i.version}`,
    i.state.toUpperCase(),
    `${i.effectivePriority}/${i.basePriority}`,
    i.masterAddress ?? "-",
    vips(i.virtualIps),
    lastTransition(i, nowMs),
  ]);
  const widths = COLUMNS.map((c, k) => Math.max(c.length, ...rows.map((r) => r[k]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((cell, k) => (k === r.length - 1 ? cell : cell.padEnd(widths[k]!)))
      .join("  ")
      .trimEnd();
  lines.push("", fmt(COLUMNS), ...rows.map(fmt));

  const tracked = s.instances.filter((i) => (i.trackers?.length ?? 0) > 0);
  if (tracked.length > 0) {
    // SOURCE: how a track_process learns of processes (proc-connector, or proc-scan and why).
    const withSource = tracked.some((i) => i.trackers!.some((t) => t.source !== undefined));
    lines.push("", `TRACKER                          STATE    WEIGHT  EFFECT${withSource ? "  SOURCE" : ""}`);
    for (const i of tracked) {
      for (const t of i.trackers!) {
        const state = t.ok === null ? "unknown" : t.ok ? "ok" : "FAILED";
        const effect = t.fault ? "FAULT" : t.delta !== 0 ? `${t.delta > 0 ? "+" : ""}${t.delta}` : "-";
        const source = t.source === undefined ? "" : `  ${t.source}${t.sourceReason ? ` (${t.sourceReason})` : ""}`;
        lines.push(
          `${`${i.name} ${t.kind} ${t.name}`.padEnd(32)} ${state.padEnd(8)} ${String(t.weight).padStart(6)}  ${withSource ? effect.padEnd(6) : effect}${source}`
            .trimEnd(),
        );
      }
    }
  }

  const faulty = s.instances.filter((i) => i.faults.length > 0);
  if (faulty.length > 0) {
    lines.push("");
    for (const i of faulty) lines.push(`${i.name}: ${i.state === "fault" ? "FAULT" : "degraded"}: ${i.faults.join(", ")}`);
  }
  return lines.join("\n");
}
