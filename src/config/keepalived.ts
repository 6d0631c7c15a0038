// keepalived.conf reader: tokens → statements → ConfigDraft. Sections vigil does not do are skipped
// with one warning each; known-but-unsupported keywords warn; unknown keywords are errors.

import type { Diags } from "./diagnostics.ts";
import { didYouMean } from "./diagnostics.ts";
import { at, newConfigDraft, type ConfigDraft, type GlobalDraft, type NotifyDraft } from "./draft.ts";
import { readInstance } from "./keepalived-instance.ts";
import {
  GLOBAL_DEFS_IGNORED,
  GLOBAL_DEFS_READ,
  SCRIPT_IGNORED,
  SCRIPT_READ,
  SKIPPED_SECTIONS,
  SMTP_KEYWORDS,
  SYNC_GROUP_IGNORED,
  SYNC_GROUP_READ,
  TOP_LEVEL_ALL,
  TOP_LEVEL_IGNORED,
  TRACK_FILE_IGNORED,
  TRACK_FILE_READ,
} from "./keepalived-keywords.ts";
import { KeepalivedLexer, type LexOptions } from "./keepalived-lexer.ts";
import { buildTree, type Stmt } from "./keepalived-tree.ts";
import {
  setNotify,
  blockLines,
  intArg,
  joinCommand,
  noArgs,
  notifyArg,
  numArg,
  Repeats,
  requireBlock,
  strArg,
  forbidBlock,
} from "./keepalived-util.ts";
import { parseBool, parseInteger } from "./lines.ts";

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
      const d = readInstance(s, diags);
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
  }
  const why = SKIPPED_SECTIONS[k];
  if (why !== undefined) {
    diags.warn(s.keyword.pos, `section '${sectionName(s)}' skipped: ${why}`);
    return;
  }
  if (TOP_LEVEL_IGNORED.has(k)) {
    diags.warn(s.keyword.pos, `'${k}' is not supported by vigil; ignored`);
    return;
  }
  // keepalived: "Unknown keyword" and the statement (with its block) is skipped; it runs on.
  diags.warn(s.keyword.pos, () => `unknown top-level keyword '${k}', skipped (as keepalived)${didYouMean(k, TOP_LEVEL_ALL)}`);
}

function readGlobal(g: GlobalDraft, block: Stmt[], diags: Diags): void {
  const repeats = new Repeats();
  const smtp: Stmt[] = [];
  for (const s of block) {
    const k = s.keyword.text;
    if (SMTP_KEYWORDS.has(k)) {
      smtp.push(s);
      continue;
    }
    if (GLOBAL_DEFS_READ.has(k)) repeats.check(s, diags);
    switch (k) {
      case "router_id":
      case "lvs_id":
        g.routerId = strArg(s, diags, "NAME");
        continue;
      case "vrrp_version":
        g.vrrpVersion = intArg(s, diags);
        continue;
      case "vrrp_garp_master_delay":
        g.garpMasterDelaySec = numArg(s, diags);
        continue;
      case "vrrp_garp_master_repeat":
        g.garpMasterRepeat = intArg(s, diags);
        continue;
      case "vrrp_garp_master_refresh":
        g.garpMasterRefreshSec = numArg(s, diags);
        continue;
      case "vrrp_garp_master_refresh_repeat":
        g.garpMasterRefreshRepeat = intArg(s, diags);
        continue;
      case "vrrp_rt_priority":
        g.realtimePriority = intArg(s, diags);
        continue;
      case "vrrp_strict":
        if (noArgs(s, diags)) g.vrrpStrict = at(true, s.keyword.pos);
        continue;
      case "vrrp_no_swap":
        if (noArgs(s, diags)) g.noSwap = at(true, s.keyword.pos);
        continue;
      case "v3_checksum_as_v2": // keepalived ≥ 2.2.8 global_defs (and per instance)
        if (forbidBlock(s, diags)) g.v3ChecksumAsV2 = parseBool(s.keyword, s.args, diags);
        continue;
      case "enable_script_security":
        if (noArgs(s, diags)) g.enableScriptSecurity = at(true, s.keyword.pos);
        continue;
      case "script_user": {
        if (!forbidBlock(s, diags)) continue;
        const [user, group] = s.args;
        if (!user) diags.error(s.keyword.pos, "script_user: missing user name");
        else g.scriptUser = at(user.text, user.pos);
        if (group) diags.warn(group.pos, `script_user: group '${group.text}' is not supported by vigil; ignored`);
        continue;
      }
    }
    if (GLOBAL_DEFS_IGNORED.has(k)) {
      diags.warn(s.keyword.pos, `global_defs: '${k}' is not supported by vigil; ignored`);
      continue;
    }
    diags.warn(s.keyword.pos, () => `unknown keyword '${k}' in global_defs, ignored (as keepalived)${didYouMean(k, [...GLOBAL_DEFS_READ, ...GLOBAL_DEFS_IGNORED, ...SMTP_KEYWORDS])}`);
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
    const k = c.keyword.text;
    if (SCRIPT_READ.has(k)) repeats.check(c, diags);
    switch (k) {
      case "script":
        if (forbidBlock(c, diags)) {
          if (c.args.length === 0) diags.error(c.keyword.pos, "script: missing command");
          else d.script = at(joinCommand(c.args), c.args[0]!.pos);
        }
        continue;
      case "interval":
        d.intervalSec = numArg(c, diags);
        continue;
      case "timeout":
        d.timeoutSec = numArg(c, diags);
        continue;
      case "rise":
        d.rise = intArg(c, diags);
        continue;
      case "fall":
        d.fall = intArg(c, diags);
        continue;
      case "weight":
        d.weight = weightArg(c, diags);
        continue;
      case "user": {
        const [user, group] = c.args;
        if (!user) diags.error(c.keyword.pos, "user: missing user name");
        else d.user = at(user.text, user.pos);
        if (group) diags.warn(group.pos, `vrrp_script ${name.text}: group '${group.text}' is not supported by vigil; ignored`);
        continue;
      }
    }
    if (SCRIPT_IGNORED.has(k)) diags.warn(c.keyword.pos, `vrrp_script ${name.text}: '${k}' is not supported by vigil; ignored`);
    else diags.warn(c.keyword.pos, () => `unknown keyword '${k}' in vrrp_script ${name.text}, ignored (as keepalived)${didYouMean(k, [...SCRIPT_READ, ...SCRIPT_IGNORED])}`);
  }
  draft.scripts.push(d);
}

/** "weight N [reverse]": reverse is not modelled. */
function weightArg(c: Stmt, diags: Diags) {
  if (!forbidBlock(c, diags)) return undefined;
  const [n, rev, extra] = c.args;
  if (!n) {
    diags.error(c.keyword.pos, "weight: missing value");
    return undefined;
  }
  if (rev?.text === "reverse") diags.warn(rev.pos, "weight … reverse is not supported by vigil; ignored");
  else if (rev) diags.warn(rev.pos, `weight: unexpected '${rev.text}'; ignored (as keepalived)`);
  if (extra) diags.warn(extra.pos, `weight: unexpected '${extra.text}'; ignored (as keepalived)`);
  return parseInteger(n, "weight", diags);
}

const SYNC_NOTIFY: Record<string, keyof NotifyDraft> = {
  notify: "any",
  notify_master: "master",
  notify_backup: "backup",
  notify_fault: "fault",
  notify_stop: "stop",
};

function readSyncGroup(draft: ConfigDraft, s: Stmt, diags: Diags): void {
  const name = named(s, diags);
  if (!name) return;
  const g: ConfigDraft["syncGroups"][number] = { name: at(name.text, name.pos), pos: s.keyword.pos, members: [], notify: {} };
  for (const c of s.block!) {
    const k = c.keyword.text;
    if (k === "group") {
      if (!requireBlock(c, diags)) continue;
      for (const line of blockLines(c, diags)) {
        for (const w of line) g.members.push(at(w.text, w.pos));
      }
    } else if (k in SYNC_NOTIFY) {
      setNotify(g.notify, SYNC_NOTIFY[k]!, c, diags);
    } else if (SYNC_GROUP_IGNORED.has(k)) {
      diags.warn(c.keyword.pos, `vrrp_sync_group ${name.text}: '${k}' is not supported by vigil; ignored`);
    } else {
      // keepalived's old form lists members without group { }: it warns "Unknown keyword" for each.
      const hint = () => didYouMean(k, [...SYNC_GROUP_READ, ...SYNC_GROUP_IGNORED]) || " (member instances go inside group { … })";
      diags.warn(c.keyword.pos, () => `unknown keyword '${k}' in vrrp_sync_group ${name.text}, ignored (as keepalived)${hint()}`);
    }
  }
  draft.syncGroups.push(g);
}

function readTrackFile(draft: ConfigDraft, s: Stmt, diags: Diags): void {
  const name = named(s, diags);
  if (!name) return;
  const t: ConfigDraft["trackFiles"][number] = { name: at(name.text, name.pos), pos: s.keyword.pos };
  for (const c of s.block!) {
    const k = c.keyword.text;
    if (k === "file") t.file = strArg(c, diags, "PATH");
    else if (k === "weight") t.weight = weightArg(c, diags);
    else if (TRACK_FILE_IGNORED.has(k)) diags.warn(c.keyword.pos, `track_file ${name.text}: '${k}' is not supported by vigil; ignored`);
    else diags.warn(c.keyword.pos, () => `unknown keyword '${k}' in track_file ${name.text}, ignored (as keepalived)${didYouMean(k, [...TRACK_FILE_READ, ...TRACK_FILE_IGNORED])}`);
  }
  draft.trackFiles.push(t);
}
