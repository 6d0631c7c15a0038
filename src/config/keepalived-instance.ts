// vrrp_instance { … } → InstanceDraft. Syntax and keyword checks only; ranges and cross-references
// are validate.ts's job so TOML gets the same rules.

import type { Diags } from "./diagnostics.ts";
import { at, type InstanceDraft, newInstanceDraft } from "./draft.ts";
import { keyword } from "./keywords.ts";
import type { Stmt } from "./keepalived-tree.ts";
import { blockLines, forbidBlock, readByTable, Repeats, requireBlock, strArg } from "./keepalived-util.ts";
import { parseBool, parsePeerLine, parseRouteLine, parseTrackLine, parseVipLine } from "./lines.ts";
import { parseRuleLine, type RulePrefs } from "./keepalived-rules.ts";
import { readGarpExtraIf } from "./keepalived-garp.ts";

/** List blocks and authentication { } may repeat; any other keyword given twice is warned about. */
const mayRepeat = (name: string): boolean => {
  const arg = keyword("vrrp_instance", name)?.arg;
  return arg === "list" || arg === "block";
};

export function readInstance(stmt: Stmt, diags: Diags, prefs: RulePrefs): InstanceDraft | undefined {
  const [name, extra] = stmt.args;
  if (!name) {
    diags.error(stmt.keyword.pos, "vrrp_instance needs a name (vrrp_instance NAME { … })");
    return undefined;
  }
  if (extra) diags.error(extra.pos, `vrrp_instance ${name.text}: unexpected '${extra.text}' before '{'`);
  if (!requireBlock(stmt, diags)) return undefined;
  const d = newInstanceDraft(at(name.text, name.pos), stmt.keyword.pos);
  const repeats = new Repeats();
  for (const s of stmt.block!) {
    const k = s.keyword.text;
    if (!mayRepeat(k)) repeats.check(s, diags);
    readKeyword(d, s, diags, prefs);
  }
  return d;
}

function readKeyword(d: InstanceDraft, s: Stmt, diags: Diags, prefs: RulePrefs): void {
  const k = readByTable("vrrp_instance", `vrrp_instance ${d.name.value}`, s, d, d.notify, diags);
  if (!k) return;
  switch (k.name) {
    case "use_vmac": {
      if (!forbidBlock(s, diags)) return;
      // keepalived 2.2.7 takes a word with ':' as the MAC, any other as the name; the first of each wins.
      let ifname: (typeof s.args)[number] | undefined;
      for (const a of s.args) {
        if (!a.text.includes(":")) {
          if (ifname) diags.warn(a.pos, `use_vmac: the interface name is given already; '${a.text}' ignored (as keepalived)`);
          ifname ??= a;
        } else if (d.vmacAddress) diags.warn(a.pos, `use_vmac: the MAC address is given already; '${a.text}' ignored (as keepalived)`);
        else d.vmacAddress = at(a.text, a.pos);
      }
      d.useVmac = at(ifname?.text ?? "", s.keyword.pos);
      return;
    }
    case "garp_extra_if":
    case "vmac_garp_intvl":
      readGarpExtraIf(s, d, diags);
      return;
    case "smtp_alert":
      if (forbidBlock(s, diags) && parseBool(s.keyword, s.args, diags)?.value) d.seen.set(k.name, s.keyword.pos);
      return;
    case "lvs_sync_daemon_interface":
      if (strArg(s, diags, "IFNAME")) d.seen.set(k.name, s.keyword.pos);
      return;
    case "authentication":
      readAuth(d, s, diags);
      return;
  }
  if (k.arg === "list") {
    if (!requireBlock(s, diags)) return;
    if (s.args[0]) diags.error(s.args[0].pos, `${k.name}: unexpected '${s.args[0].text}' before '{'`);
    if (k.name === "virtual_routes") d.routesPos ??= s.keyword.pos;
    for (const line of blockLines(s, diags)) readListLine(d, k.name, line, diags, prefs);
  }
}

function readListLine(d: InstanceDraft, k: string, line: Stmt["args"], diags: Diags, prefs: RulePrefs): void {
  switch (k) {
    case "unicast_peer": {
      const p = parsePeerLine(line, diags);
      if (p) d.unicastPeers.push(p);
      return;
    }
    case "virtual_ipaddress":
    case "virtual_ipaddress_excluded": {
      const v = parseVipLine(line, diags);
      if (v) (k === "virtual_ipaddress" ? d.vips : d.excludedVips).push(v);
      return;
    }
    case "virtual_routes": {
      const r = parseRouteLine(line, diags);
      if (r) d.routes.push(r);
      return;
    }
    case "virtual_rules": {
      const r = parseRuleLine(line, diags, prefs);
      if (r) (d.rules ??= []).push(r);
      return;
    }
    case "track_interface":
    case "track_script":
    case "track_file": {
      const t = parseTrackLine(line, k, diags);
      if (!t) return;
      (k === "track_interface" ? d.trackInterfaces : k === "track_script" ? d.trackScripts : d.trackFiles).push(t);
      return;
    }
    case "track_process": {
      const t = parseTrackLine(line, k, diags);
      if (t) (d.trackProcesses ??= []).push(t);
      return;
    }
  }
}

function readAuth(d: InstanceDraft, s: Stmt, diags: Diags): void {
  if (!requireBlock(s, diags)) return;
  for (const c of s.block!) readByTable("vrrp_instance.authentication", "authentication", c, d, undefined, diags);
}
