// keepalived.conf's garp_extra_if / vrrp_garp_extra_if lines and garp_group blocks → drafts, read as
// keepalived 2.2.7 reads them: `garp_extra_if [all] SECONDS` (the words in any order, seconds a
// whole number 0–86400, "specified without time" ignores the line); `garp_group { garp_interval D
// gna_interval D interface X | interfaces { X … } }`.
import type { Diags } from "./diagnostics.ts";
import { at, type ConfigDraft, type GarpGroupDraft, type Located } from "./draft.ts";
import type { Stmt } from "./keepalived-tree.ts";
import { blockLines, forbidBlock, readByTable, requireBlock } from "./keepalived-util.ts";

export interface GarpExtraIfDraft {
  garpExtraIfSec?: Located<number>;
  garpExtraIfAll?: Located<boolean>;
}

export function readGarpExtraIf(s: Stmt, target: GarpExtraIfDraft, diags: Diags): void {
  if (!forbidBlock(s, diags)) return;
  const name = s.keyword.text;
  if (name === "vmac_garp_intvl" || name === "vrrp_vmac_garp_intvl") {
    diags.advise(s.keyword.pos, `'${name}' is deprecated, use '${name.replace("vmac_garp_intvl", "garp_extra_if")}' (as keepalived says)`);
  }
  let all: Located<boolean> | undefined;
  let sec: Located<number> | undefined;
  for (const a of s.args) {
    if (a.text === "all") all = at(true, a.pos);
    else if (/^\d+$/.test(a.text) && Number(a.text) <= 86400) sec = at(Number(a.text), a.pos);
    else return diags.tolerate(a.pos, `${name}: '${a.text}' invalid (all, or seconds 0–86400)${diags.keepalivedCompat ? "; ignored (as keepalived)" : ""}`);
  }
  if (!sec) return diags.tolerate(s.keyword.pos, `${name} specified without time${diags.keepalivedCompat ? "; ignored (as keepalived)" : ""}`);
  target.garpExtraIfSec = sec;
  target.garpExtraIfAll = all ?? at(false, s.keyword.pos);
}

export function readGarpGroup(draft: ConfigDraft, s: Stmt, diags: Diags): void {
  if (s.args[0]) diags.error(s.args[0].pos, `garp_group: unexpected '${s.args[0].text}' before '{'`);
  if (!requireBlock(s, diags)) return;
  const g: GarpGroupDraft = { pos: s.keyword.pos };
  for (const c of s.block!) {
    if (readByTable("garp_group", "garp_group", c, g, undefined, diags)?.name !== "interfaces") continue;
    if (!requireBlock(c, diags)) continue;
    for (const line of blockLines(c, diags)) for (const w of line) (g.interfaces ??= []).push(at(w.text, w.pos));
  }
  (draft.garpGroups ??= []).push(g);
}
