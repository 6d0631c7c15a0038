// SIGUSR1 / SIGUSR2: keepalived writes /tmp/keepalived.data (configuration and state) and
// /tmp/keepalived.stats (counters) when it gets them, and operators and exporters send them.
// vigil writes vigil.data and vigil.stats to its state directory and logs where; a signal that
// asks for a report must never stop the daemon, so nothing here throws.
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ErrorCounts } from "./error-counts.ts";
import type { DaemonStatus, Logger } from "./ports.ts";

const iso = (ms: number) => new Date(ms).toISOString();

export function dataDump(s: DaemonStatus): string {
  const out = [
    "------< vigil data >------",
    `version = ${s.version}`,
    `config = ${s.configFile}`,
    `router_id = ${s.routerId ?? ""}`,
    `started = ${iso(s.startedAtWallMs)}`,
    `last_reload = ${s.lastReload ? `${iso(s.lastReload.atWallMs)} ${s.lastReload.ok ? "ok" : "failed"}` : "none"}`,
    "",
    "------< VRRP instances >------",
  ];
  for (const i of s.instances) {
    out.push(
      ` VRRP Instance = ${i.name}`,
      `   State = ${i.state.toUpperCase()}`,
      `   Interface = ${i.interface}`,
      `   Virtual Router ID = ${i.vrid}`,
      `   Version = ${i.version}, family IPv${i.family}`,
      `   Priority = ${i.basePriority}, effective ${i.effectivePriority}`,
      `   Advert interval = ${i.advertIntervalCs * 10} ms, master's ${i.masterAdvertIntervalCs * 10} ms`,
      `   Master = ${i.masterAddress ?? "none"}`,
      `   Virtual IPs = ${i.virtualIps.length}`,
      ...i.virtualIps.map((v) => `     ${v}`),
      `   Faults = ${i.faults.length === 0 ? "none" : i.faults.join(", ")}`,
      `   Last transition = ${
        i.lastTransition ? `${iso(i.lastTransition.atWallMs)} ${i.lastTransition.from} -> ${i.lastTransition.to} (${i.lastTransition.reason})` : "none"
      }`,
    );
  }
  return out.join("\n") + "\n";
}

export function statsDump(s: DaemonStatus, errors: ErrorCounts): string {
  const out = ["------< vigil statistics >------"];
  for (const i of s.instances) {
    out.push(` VRRP Instance: ${i.name}`, `   Advertisements sent: ${i.advertsSent}`, `   Advertisements received: ${i.advertsReceived}`);
  }
  out.push("", "------< errors survived >------");
  for (const kind of ["state_write", "vrrp_send", "netlink", "http_listen"] as const) {
    const rows = errors.byLabel(kind);
    out.push(` ${kind}: ${rows.length === 0 ? 0 : rows.map(([l, n]) => `${l}=${n}`).join(" ")}`);
  }
  return out.join("\n") + "\n";
}

/** Write one dump next to the journal; the log says where (or why not). */
export function writeDump(dir: string, name: "vigil.data" | "vigil.stats", text: string, logger: Logger, errors: ErrorCounts): void {
  const path = join(dir, name);
  try {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
    logger.log("info", `${name === "vigil.data" ? "state" : "stats"} dump written`, { path, dump: text });
  } catch (e) {
    errors.bump("state_write", (e as { code?: string }).code ?? "unknown");
    logger.log("error", `could not write ${name}`, { path, error: e instanceof Error ? e.message : String(e) });
  }
}
