// keepalived.conf reader: tokens → statements → ConfigDraft. Sections vigil does not do are skipped
// with one warning each; known-but-unsupported keywords warn; unknown keywords warn (as keepalived).
// What each keyword is and does comes from the keyword table (keywords.ts).

import type { Diags } from "./diagnostics.ts";
import { didYouMean } from "./diagnostics.ts";
import { at, type ConfigDraft, type GlobalDraft, newConfigDraft, type TrackProcessDraft } from "./draft.ts";
import { readInstance } from "./keepalived-instance.ts";
import { keyword, keywordNames } from "./keywords.ts";
import { KeepalivedLexer, type LexOptions } from "./keepalived-lexer.ts";
import { buildTree, type Stmt } from "./keepalived-tree.ts";
import { blockLines, forbidBlock, readByTable, Repeats, requireBlock } from "./keepalived-util.ts";
import { parseRouteLine, parseTrackLine, parseVipLine } from "./lines.ts";
import { newRulePrefs, parseRuleLine } from "./keepalived-rules.ts";
import { readGarpExtraIf, readGarpGroup } from "./keepalived-garp.ts";

export type { LexOptions } from "./keepalived-lexer.ts";

export function readKeepalived(path: string, text: string, opts: LexOptions, diags: Diags): ConfigDraft {
  diags.keepalivedCompat = true;
  const lexer = new KeepalivedLexer(opts, diags);
  lexer.lexText(path, text);
  const tree = buildTree(lexer.items, diags);
  const draft = newConfigDraft(path, "keepalived");
  for (const s of tree) readTop(draft, s, diags);
  return draft;
}

function sectionName(s: Stmt): string {
  return [s.keyword.text, ...s.args.map((a) => a.text)].join(" ");
}

function readTop(draft: ConfigDraft, s: Stmt, diags: Diags): void {
  const k = s.keyword.text;
  switch (k) {
    case "global_defs":
      if (requireBlock(s, diags)) readGlobal(draft.global, s.block!, diags);
      return;
    case "vrrp_instance": {
      const d = readInstance(s, diags, draft.rulePrefs ??= newRulePrefs());
      if (d) draft.instances.push(d);
      return;
    }
    case "vrrp_script":
      readScript(draft, s, diags);
      return;
    case "vrrp_sync_group":
      readSyncGroup(draft, s, diags);
      return;
    case "vrrp_track_file":
    case "track_file":
      readTrackFile(draft, s, diags);
      return;
    case "vrrp_track_process":
      readTrackProcess(draft, s, diags);
      return;
    case "static_ipaddress":
    case "static_routes":
    case "static_rules":
      if (requireBlock(s, diags)) readStatic(draft, k, s, diags);
      return;
    case "garp_group":
      readGarpGroup(draft, s, diags);
      return;
  }
  const kw = keyword("top", k);
  if (kw?.does === "skipped") {
    diags.warn(s.keyword.pos, `section '${sectionName(s)}' skipped: ${kw.why}`);
    return;
  }
  if (kw?.does === "ignored") {
    diags.warn(s.keyword.pos, `'${k}' is not supported by vigil; ignored`);
    return;
  }
  // keepalived: "Unknown keyword" and the statement (with its block) is skipped; it runs on.
  diags.warn(s.keyword.pos, () => `unknown top-level keyword '${k}', skipped (as keepalived)${didYouMean(k, keywordNames("top"))}`);
}

function readGlobal(g: GlobalDraft, block: Stmt[], diags: Diags): void {
  const repeats = new Repeats();
  const smtp: Stmt[] = [];
  for (const s of block) {
    const k = keyword("global_defs", s.keyword.text);
    if (k?.does === "mail") {
      smtp.push(s);
      continue;
    }
    if (k?.does === "read" || k?.does === "pending") repeats.check(s, diags);
    const special = readByTable("global_defs", "global_defs", s, g, undefined, diags)?.name;
    if (special === undefined || !forbidBlock(s, diags)) continue;
    if (special === "vrrp_garp_extra_if" || special === "vrrp_vmac_garp_intvl") {
      readGarpExtraIf(s, g, diags);
      continue;
    }
    const [first, second] = s.args;
    if (special === "script_user") {
      if (!first) diags.error(s.keyword.pos, "script_user: missing user name");
      else g.scriptUser = at(first.text, first.pos);
      if (second) g.scriptGroup = at(second.text, second.pos);
      continue;
    }
    // notify_fifo FIFO [user [group]], notify_fifo_script SCRIPT [user [group]] (and vrrp_ forms).
    const field = ({
      notify_fifo: "notifyFifo",
      notify_fifo_script: "notifyFifoScript",
      vrrp_notify_fifo: "vrrpNotifyFifo",
      vrrp_notify_fifo_script: "vrrpNotifyFifoScript",
    } as const)[special as "notify_fifo"];
    if (!field) continue;
    if (!first) diags.error(s.keyword.pos, `${special}: missing ${special.endsWith("script") ? "script" : "FIFO name"}`);
    else g[field] = at(first.text, first.pos);
    if (second) diags.warn(second.pos, `${special}: user/group '${second.text}' is not supported by vigil; ignored`);
  }
  if (smtp.length > 0) {
    const names = [...new Set(smtp.map((s) => s.keyword.text))].join(", ");
    diags.warn(smtp[0]!.keyword.pos, `SMTP settings skipped (${names}): vigil sends no mail; use notify scripts`);
  }
}

function named(s: Stmt, diags: Diags): { text: string; pos: Stmt["keyword"]["pos"] } | undefined {
  const [name, extra] = s.args;
  if (!name) {
    diags.error(s.keyword.pos, `${s.keyword.text} needs a name (${s.keyword.text} NAME { … })`);
    return undefined;
  }
  if (extra) diags.error(extra.pos, `${s.keyword.text} ${name.text}: unexpected '${extra.text}' before '{'`);
  return requireBlock(s, diags) ? name : undefined;
}

function readScript(draft: ConfigDraft, s: Stmt, diags: Diags): void {
  const name = named(s, diags);
  if (!name) return;
  const d: ConfigDraft["scripts"][number] = { name: at(name.text, name.pos), pos: s.keyword.pos };
  const repeats = new Repeats();
  for (const c of s.block!) {
    const k = keyword("vrrp_script", c.keyword.text);
    if (k?.does === "read") repeats.check(c, diags);
    if (readByTable("vrrp_script", `vrrp_script ${name.text}`, c, d, undefined, diags)?.name !== "user") continue;
    const [user, group] = c.args;
    if (!user) diags.error(c.keyword.pos, "user: missing user name");
    else d.user = at(user.text, user.pos);
    if (group) d.group = at(group.text.replace(/^:/, ""), group.pos);
  }
  draft.scripts.push(d);
}

function readSyncGroup(draft: ConfigDraft, s: Stmt, diags: Diags): void {
  const name = named(s, diags);
  if (!name) return;
  const g: ConfigDraft["syncGroups"][number] = { name: at(name.text, name.pos), pos: s.keyword.pos, members: [], notify: {} };
  // keepalived's old form lists members without group { }: it warns "Unknown keyword" for each.
  const hint = () => " (member instances go inside group { … })";
  for (const c of s.block!) {
    const k = readByTable("vrrp_sync_group", `vrrp_sync_group ${name.text}`, c, g, g.notify, diags, hint)?.name;
    if (k === "track_interface" || k === "track_script" || k === "track_file") {
      if (!requireBlock(c, diags)) continue;
      for (const line of blockLines(c, diags)) {
        const t = parseTrackLine(line, k, diags);
        if (t) (g.tracks ??= []).push({ kind: k, track: t });
      }
      continue;
    }
    if (k !== "group") continue;
    if (!requireBlock(c, diags)) continue;
    for (const line of blockLines(c, diags)) {
      for (const w of line) g.members.push(at(w.text, w.pos));
    }
  }
  draft.syncGroups.push(g);
}

function readTrackFile(draft: ConfigDraft, s: Stmt, diags: Diags): void {
  const name = named(s, diags);
  if (!name) return;
  const t: ConfigDraft["trackFiles"][number] = { name: at(name.text, name.pos), pos: s.keyword.pos };
  for (const c of s.block!) readByTable("track_file", `track_file ${name.text}`, c, t, undefined, diags);
  draft.trackFiles.push(t);
}

/** vrrp_track_process NAME { process NAME [PARAMS…]; param_match [initial|partial]; weight N [reverse]; … } (keepalived's vrrp_tprocess_*). */
function readTrackProcess(draft: ConfigDraft, s: Stmt, diags: Diags): void {
  const name = named(s, diags);
  if (!name) return;
  const t: TrackProcessDraft = { name: at(name.text, name.pos), pos: s.keyword.pos };
  const where = `vrrp_track_process ${name.text}`;
  for (const c of s.block!) {
    const k = readByTable("vrrp_track_process", where, c, t, undefined, diags);
    if (!k || !forbidBlock(c, diags)) continue;
    const [first, ...rest] = c.args;
    if (k.name === "process") {
      if (!first) diags.error(c.keyword.pos, "process: missing process name");
      else if (t.process) diags.tolerate(first.pos, `${where}: process already set at line ${t.process.pos.line}; '${first.text}' ignored (as keepalived)`);
      else {
        t.process = at(first.text, first.pos);
        if (rest.length > 0) t.params = at(rest.map((w) => w.text), rest[0]!.pos);
      }
    } else if (k.name === "param_match") {
      if (!first) t.paramMatch = at("exact", c.keyword.pos);
      else if (first.text === "initial" || first.text === "partial") t.paramMatch = at(first.text, first.pos);
      else diags.tolerate(first.pos, `${where}: invalid param_match type '${first.text}' (bare, initial or partial); ignored (as keepalived)`);
    }
  }
  draft.trackProcesses.push(t);
}

/** static_ipaddress / static_routes / static_rules { one per line } (each line as in virtual_*). */
function readStatic(draft: ConfigDraft, k: "static_ipaddress" | "static_routes" | "static_rules", s: Stmt, diags: Diags): void {
  for (const line of blockLines(s, diags)) {
    if (k === "static_ipaddress") {
      const v = parseVipLine(line, diags);
      if (v) (draft.staticIps ??= []).push(v);
    } else if (k === "static_routes") {
      const r = parseRouteLine(line, diags);
      if (r) (draft.staticRoutes ??= []).push(r);
    } else {
      const r = parseRuleLine(line, diags, draft.rulePrefs ??= newRulePrefs());
      if (r) (draft.staticRules ??= []).push(r);
    }
  }
}
