// Model → vigil TOML, written from the keyword table (keywords.ts): each descriptor's `emit` gives the
// value, its `toml` the key. Defaults are left out so the output reads like a hand-written file;
// loading the output gives the same model back (positions aside). What was skipped becomes comments.

import type { Diagnostic, VigilConfig } from "./schema.ts";
import { DEFAULT_HTTP_LISTEN } from "./schema.ts";
import type { Emitted, Keyword } from "./keywords.ts";
import { GLOBAL_KEYWORDS, TOP_KEYWORDS } from "./keywords-global.ts";
import { INSTANCE_KEYWORDS } from "./keywords-instance.ts";
import { SCRIPT_KEYWORDS, SYNC_GROUP_KEYWORDS, TRACK_FILE_KEYWORDS, TRACK_PROCESS_KEYWORDS } from "./keywords-track.ts";
import { GARP_GROUP_KEYWORDS } from "./keywords-garp.ts";

/** TOML basic string; JSON's escapes are a subset of TOML's. */
const q = (s: string): string => JSON.stringify(s);
const list = (items: string[]): string =>
  items.length <= 2 && items.join("").length < 60 ? `[${items.map(q).join(", ")}]` : `[\n${items.map((i) => `  ${q(i)},`).join("\n")}\n]`;

function value(v: Emitted): string {
  if (Array.isArray(v)) return list(v);
  return typeof v === "string" ? q(v) : String(v);
}

/** `key = value` lines of one table, in the keyword table's order. */
export function tomlLines<M>(keywords: Keyword<M>[], m: M, cfg: VigilConfig): string[] {
  const out: string[] = [];
  for (const k of keywords) {
    if (!k.toml || !k.emit) continue;
    const v = k.emit(m, cfg);
    if (v === undefined) continue;
    const note = k.toml === "http" && v === DEFAULT_HTTP_LISTEN ? '  # /health /status /metrics; "" disables' : "";
    out.push(`${k.toml} = ${value(v)}${note}`);
  }
  return out;
}

/** Comment lines naming what the source had and the TOML does not carry (the load warnings). */
export function header(cfg: VigilConfig, notes: Diagnostic[], tool: string, comment = "#"): string[] {
  const o = [`${comment} vigil configuration, converted by '${tool}' from ${cfg.source} (${cfg.format}).`];
  if (notes.length === 0) return o;
  o.push(comment, `${comment} Not carried over, or to review (from the source file):`);
  for (const n of notes) o.push(`${comment}   line ${n.pos.line}${n.pos.file === cfg.source ? "" : ` of ${n.pos.file}`}: ${n.message.replace(/\n/g, " ")}`);
  return o;
}

export function toToml(cfg: VigilConfig, notes: Diagnostic[] = []): string {
  // static_ipaddress / static_routes / static_rules: root keys, so before the first table.
  const statics = tomlLines(TOP_KEYWORDS, cfg, cfg);
  const blocks: string[][] = [header(cfg, notes, "vigil convert"), ...(statics.length ? [statics] : []), [
    "[global]",
    ...tomlLines(GLOBAL_KEYWORDS, cfg.global, cfg),
  ]];
  for (const i of cfg.instances) blocks.push(["[[instance]]", `name = ${q(i.name)}`, ...tomlLines(INSTANCE_KEYWORDS, i, cfg)]);
  for (const s of cfg.scripts) blocks.push(["[[vrrp_script]]", `name = ${q(s.name)}`, ...tomlLines(SCRIPT_KEYWORDS, s, cfg)]);
  for (const t of cfg.trackFiles) blocks.push(["[[vrrp_track_file]]", `name = ${q(t.name)}`, ...tomlLines(TRACK_FILE_KEYWORDS, t, cfg)]);
  for (const t of cfg.trackProcesses ?? []) blocks.push(["[[vrrp_track_process]]", `name = ${q(t.name)}`, ...tomlLines(TRACK_PROCESS_KEYWORDS, t, cfg)]);
  for (const g of cfg.syncGroups) blocks.push(["[[vrrp_sync_group]]", `name = ${q(g.name)}`, ...tomlLines(SYNC_GROUP_KEYWORDS, g, cfg)]);
  for (const g of cfg.garpGroups ?? []) blocks.push(["[[garp_group]]", ...tomlLines(GARP_GROUP_KEYWORDS, g, cfg)]);
  return blocks.map((b) => b.join("\n")).join("\n\n") + "\n";
}
