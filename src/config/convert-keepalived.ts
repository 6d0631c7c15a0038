// Model → keepalived.conf (`vigil convert --to keepalived`), written from the keyword table like the
// TOML: each descriptor's `emit` gives the value, its keepalived name and kind the line. Loading the
// output gives the same model back (positions aside), so a user can always go back to keepalived.
// vigil-only settings (http, log, …) have no keepalived keyword: they are listed as comments.

import type { Diagnostic, VigilConfig } from "./schema.ts";
import { header } from "./convert.ts";
import type { Emitted, Keyword } from "./keywords.ts";
import { GLOBAL_KEYWORDS, TOP_KEYWORDS } from "./keywords-global.ts";
import { INSTANCE_KEYWORDS } from "./keywords-instance.ts";
import { SCRIPT_KEYWORDS, SYNC_GROUP_KEYWORDS, TRACK_FILE_KEYWORDS, TRACK_PROCESS_KEYWORDS } from "./keywords-track.ts";
import { GARP_GROUP_KEYWORDS } from "./keywords-garp.ts";

const IND = "    ";

/** One keepalived word: quoted when the lexer would split or cut it (blanks, quotes, comments, braces). */
export function kaWord(s: string): string {
  if (s !== "" && !/[\s"'#!{}\\]/.test(s)) return s;
  return `"${s.replace(/["\\]/g, (c) => "\\" + c)}"`;
}

/** The lines of one descriptor's value, or [] when it writes nothing. */
function lines<M>(k: Keyword<M>, v: Emitted, ind: string): string[] {
  if (Array.isArray(v)) return [`${ind}${k.name} {`, ...v.map((l) => `${ind}${IND}${l}`), `${ind}}`];
  if (typeof v === "boolean") {
    if (v) return [`${ind}${k.name}`];
    // keepalived <BOOL> keywords take "false" (notify_priority_changes false over a global true).
    return k.negation ? [`${ind}${k.negation}`] : k.arg === "bool" ? [`${ind}${k.name} false`] : [];
  }
  return [`${ind}${k.name} ${typeof v === "number" ? String(v) : kaWord(v)}`];
}

/** A block's body from its keyword table; keywords of a sub-block (authentication) go in that block. */
function body<M>(keywords: Keyword<M>[], m: M, cfg: VigilConfig, ind: string): string[] {
  const out: string[] = [];
  for (const k of keywords) {
    if (k.arg === "block") {
      const sub = keywords.filter((s) => s.section === `${k.section}.${k.name}`);
      const inner = body(sub, m, cfg, ind + IND);
      if (inner.length > 0) out.push(`${ind}${k.name} {`, ...inner, `${ind}}`);
      continue;
    }
    if (!k.name || !k.emit || k.section.split(".").length !== ind.length / IND.length) continue;
    const v = k.emit(m, cfg);
    if (v === undefined) continue;
    // Words of this line kept under TOML keys of their own (script_user USER GROUP, weight N reverse,
    // process NAME PARAMS…): a `true` writes the key itself, a list its words.
    const extra = keywords
      .filter((p) => p.partOf === k.name && p.section === k.section)
      .flatMap((p) => {
        const w = p.emit?.(m, cfg);
        return w === undefined || w === false ? [] : w === true ? [p.kaWord ?? p.toml!] : Array.isArray(w) ? w : [String(w)];
      });
    if (extra.length > 0 && (typeof v === "string" || typeof v === "number")) out.push(`${ind}${k.name} ${[String(v), ...extra].map(kaWord).join(" ")}`);
    else out.push(...lines(k, v, ind));
  }
  return out;
}

/** vigil-only global settings that differ from their default, as comments (keepalived has no keyword). */
function vigilOnly(cfg: VigilConfig): string[] {
  const out: string[] = [];
  for (const k of GLOBAL_KEYWORDS) {
    if (k.name || k.partOf || !k.emit || !k.toml) continue;
    const v = k.emit(cfg.global, cfg);
    if (v !== undefined && v !== k.dflt) out.push(`#   ${k.toml} = ${JSON.stringify(v)}`);
  }
  return out.length > 0 ? ["# vigil-only settings, not expressible in keepalived.conf (set them in vigil's TOML or on the command line):", ...out] : [];
}

export function toKeepalived(cfg: VigilConfig, notes: Diagnostic[] = []): string {
  const blocks: string[][] = [[...header(cfg, notes, "vigil convert --to keepalived"), ...vigilOnly(cfg)]];
  const block = (head: string, inner: string[]) => blocks.push([`${head} {`, ...inner, "}"]);
  const g = body(GLOBAL_KEYWORDS, cfg.global, cfg, IND);
  if (g.length > 0) block("global_defs", g);
  for (const k of TOP_KEYWORDS) {
    const v = k.arg === "list" ? k.emit?.(cfg, cfg) : undefined;
    if (Array.isArray(v)) block(k.name, v.map((l) => IND + l));
  }
  for (const s of cfg.scripts) block(`vrrp_script ${kaWord(s.name)}`, body(SCRIPT_KEYWORDS, s, cfg, IND));
  for (const t of cfg.trackFiles) block(`track_file ${kaWord(t.name)}`, body(TRACK_FILE_KEYWORDS, t, cfg, IND));
  for (const t of cfg.trackProcesses ?? []) block(`vrrp_track_process ${kaWord(t.name)}`, body(TRACK_PROCESS_KEYWORDS, t, cfg, IND));
  for (const i of cfg.instances) block(`vrrp_instance ${kaWord(i.name)}`, body(INSTANCE_KEYWORDS, i, cfg, IND));
  for (const sg of cfg.syncGroups) block(`vrrp_sync_group ${kaWord(sg.name)}`, body(SYNC_GROUP_KEYWORDS, sg, cfg, IND));
  for (const g of cfg.garpGroups ?? []) block("garp_group", body(GARP_GROUP_KEYWORDS, g, cfg, IND));
  return blocks.map((b) => b.join("\n")).join("\n\n") + "\n";
}
