// Model → vigil TOML. Defaults are left out so the output reads like a hand-written file; loading the
// output gives the same model back (positions aside). What was skipped becomes comments on top.

import type { Diagnostic, InstanceConfig, NotifyScripts, VigilConfig, VirtualAddress, VirtualRoute } from "./schema.ts";
import { DEFAULT_HTTP_LISTEN } from "./schema.ts";
import { DEFAULTS, defaultAccept } from "./validate-instance.ts";

/** TOML basic string; JSON's escapes are a subset of TOML's. */
const q = (s: string): string => JSON.stringify(s);
const list = (items: string[]): string =>
  items.length <= 2 && items.join("").length < 60 ? `[${items.map(q).join(", ")}]` : `[\n${items.map((i) => `  ${q(i)},`).join("\n")}\n]`;
/** Seconds from ms/cs without float noise (0.1 + 0.2 style). */
const secs = (n: number, per: number): string => String(Number((n / per).toFixed(6)));

function vipLine(v: VirtualAddress): string {
  let s = `${v.address}/${v.prefixLength}`;
  if (v.dev) s += ` dev ${v.dev}`;
  if (v.broadcast) s += ` brd ${v.broadcast}`;
  if (v.scope) s += ` scope ${v.scope}`;
  if (v.label) s += ` label ${v.label}`;
  return s;
}

function routeLine(r: VirtualRoute): string {
  let s = r.to;
  if (r.src) s += ` src ${r.src}`;
  if (r.via) s += ` via ${r.via}`;
  if (r.dev) s += ` dev ${r.dev}`;
  if (r.metric !== undefined) s += ` metric ${r.metric}`;
  if (r.table !== undefined) s += ` table ${r.table}`;
  return s;
}

const track = (t: { name: string; weight?: number }, dflt?: number): string =>
  t.weight === undefined || t.weight === dflt ? t.name : `${t.name} weight ${t.weight}`;

function notifyLines(n: NotifyScripts, out: string[]): void {
  const keys: [keyof NotifyScripts, string][] = [["any", "notify"], ["master", "notify_master"], ["backup", "notify_backup"], ["fault", "notify_fault"], ["stop", "notify_stop"]];
  for (const [field, key] of keys) if (n[field] !== undefined) out.push(`${key} = ${q(n[field]!)}`);
}

function instance(i: InstanceConfig, cfg: VigilConfig): string[] {
  const o: string[] = ["[[instance]]", `name = ${q(i.name)}`, `interface = ${q(i.interface)}`, `virtual_router_id = ${i.vrid}`, `priority = ${i.priority}`];
  o.push(`advert_int = ${secs(i.advertIntervalCs, 100)}`, `version = ${i.version}`);
  if (i.initialState === "master") o.push(`state = "MASTER"`);
  if (!i.preempt) o.push("preempt = false");
  if (i.preemptDelayMs) o.push(`preempt_delay = ${secs(i.preemptDelayMs, 1000)}`);
  if (i.authPass !== undefined) o.push(`auth_pass = ${q(i.authPass)}`);
  if (i.unicastSrcIp) o.push(`unicast_src_ip = ${q(i.unicastSrcIp)}`);
  if (i.mcastSrcIp) o.push(`mcast_src_ip = ${q(i.mcastSrcIp)}`);
  if (i.unicastPeers.length) o.push(`unicast_peer = ${list(i.unicastPeers)}`);
  o.push(`virtual_ipaddress = ${list(i.virtualIps.map(vipLine))}`);
  if (i.excludedVips.length) o.push(`virtual_ipaddress_excluded = ${list(i.excludedVips.map(vipLine))}`);
  if (i.virtualRoutes.length) o.push(`virtual_routes = ${list(i.virtualRoutes.map(routeLine))}`);
  if (i.trackInterfaces.length) o.push(`track_interface = ${list(i.trackInterfaces.map((t) => track(t, 0)))}`);
  if (i.trackScripts.length) o.push(`track_script = ${list(i.trackScripts.map((t) => track(t)))}`);
  if (i.trackFiles.length) o.push(`track_file = ${list(i.trackFiles.map((t) => track(t)))}`);
  notifyLines(i.notify, o);
  if (i.garpMasterDelayMs !== DEFAULTS.garpMasterDelaySec * 1000) o.push(`garp_master_delay = ${secs(i.garpMasterDelayMs, 1000)}`);
  if (i.garpMasterRepeat !== DEFAULTS.garpMasterRepeat) o.push(`garp_master_repeat = ${i.garpMasterRepeat}`);
  if (i.garpMasterRefreshMs !== DEFAULTS.garpMasterRefreshSec * 1000) o.push(`garp_master_refresh = ${secs(i.garpMasterRefreshMs, 1000)}`);
  if (i.garpMasterRefreshRepeat !== DEFAULTS.garpMasterRefreshRepeat) o.push(`garp_master_refresh_repeat = ${i.garpMasterRefreshRepeat}`);
  if (i.accept !== defaultAccept(cfg.global.vrrpStrict, i.priority)) o.push(`accept = ${i.accept}`);
  if (i.useVmac !== undefined) o.push(`use_vmac = ${q(i.useVmac)}`);
  if (i.vmacXmitBase) o.push("vmac_xmit_base = true");
  if (i.v3Ipv4Checksum === "vrrp-only") o.push("v3_checksum_as_v2 = true");
  if (i.v3Ipv4Checksum === "group-pseudo-header") o.push("old_unicast_checksum = true");
  if (i.dontTrackPrimary) o.push("dont_track_primary = true");
  return o;
}

function global(cfg: VigilConfig): string[] {
  const g = cfg.global;
  const o = ["[global]"];
  if (g.routerId !== undefined) o.push(`router_id = ${q(g.routerId)}`);
  o.push(`http = ${q(g.http)}${g.http === DEFAULT_HTTP_LISTEN ? "  # /health /status /metrics; \"\" disables" : ""}`);
  if (g.logLevel !== "info") o.push(`log = ${q(g.logLevel)}`);
  if (g.logFormat !== "text") o.push(`log_format = ${q(g.logFormat)}`);
  if (g.keepalivedExporterNames) o.push("keepalived_exporter_names = true");
  if (g.realtimePriority) o.push(`realtime_priority = ${g.realtimePriority}`);
  if (g.noSwap) o.push("no_swap = true");
  if (g.vrrpStrict) o.push("vrrp_strict = true");
  if (g.scriptUser !== undefined) o.push(`script_user = ${q(g.scriptUser)}`);
  if (g.enableScriptSecurity) o.push("enable_script_security = true");
  return o;
}

/** Comment lines naming what the source had and the TOML does not carry (the load warnings). */
function header(cfg: VigilConfig, notes: Diagnostic[]): string[] {
  const o = [`# vigil configuration, converted by 'vigil convert' from ${cfg.source} (${cfg.format}).`];
  if (notes.length === 0) return o;
  o.push("#", "# Not carried over, or to review (from the source file):");
  for (const n of notes) o.push(`#   line ${n.pos.line}${n.pos.file === cfg.source ? "" : ` of ${n.pos.file}`}: ${n.message.replace(/\n/g, " ")}`);
  return o;
}

export function toToml(cfg: VigilConfig, notes: Diagnostic[] = []): string {
  const blocks: string[][] = [header(cfg, notes), global(cfg)];
  for (const i of cfg.instances) blocks.push(instance(i, cfg));
  for (const s of cfg.scripts) {
    const o = ["[[vrrp_script]]", `name = ${q(s.name)}`, `script = ${q(s.script)}`, `interval = ${secs(s.intervalMs, 1000)}`];
    if (s.timeoutMs !== s.intervalMs) o.push(`timeout = ${secs(s.timeoutMs, 1000)}`);
    if (s.weight) o.push(`weight = ${s.weight}`);
    if (s.rise !== 1) o.push(`rise = ${s.rise}`);
    if (s.fall !== 1) o.push(`fall = ${s.fall}`);
    if (s.user !== undefined) o.push(`user = ${q(s.user)}`);
    blocks.push(o);
  }
  for (const t of cfg.trackFiles) {
    const o = ["[[vrrp_track_file]]", `name = ${q(t.name)}`, `file = ${q(t.file)}`];
    if (t.weight !== 1) o.push(`weight = ${t.weight}`);
    blocks.push(o);
  }
  for (const g of cfg.syncGroups) {
    const o = ["[[vrrp_sync_group]]", `name = ${q(g.name)}`, `group = ${list(g.instances)}`];
    notifyLines(g.notify, o);
    blocks.push(o);
  }
  return blocks.map((b) => b.join("\n")).join("\n\n") + "\n";
}
