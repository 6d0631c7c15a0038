// vrrp_instance { … } → InstanceDraft. Syntax and keyword checks only; ranges and cross-references
// are validate.ts's job so TOML gets the same rules.

import type { Diags } from "./diagnostics.ts";
import { didYouMean } from "./diagnostics.ts";
import { at, newInstanceDraft, type InstanceDraft, type NotifyDraft } from "./draft.ts";
import { INSTANCE_IGNORED, INSTANCE_READ } from "./keepalived-keywords.ts";
import type { Stmt } from "./keepalived-tree.ts";
import {
  blockLines,
  intArg,
  noArgs,
  numArg,
  setNotify,
  Repeats,
  requireBlock,
  strArg,
  forbidBlock,
} from "./keepalived-util.ts";
import { parseBool, parsePeerLine, parseRouteLine, parseTrackLine, parseVipLine } from "./lines.ts";

const NOTIFY: Record<string, keyof NotifyDraft> = {
  notify: "any",
  notify_master: "master",
  notify_backup: "backup",
  notify_fault: "fault",
  notify_stop: "stop",
};

const LIST_BLOCKS = new Set([
  "unicast_peer",
  "virtual_ipaddress",
  "virtual_ipaddress_excluded",
  "virtual_routes",
  "track_interface",
  "track_script",
  "track_file",
  "authentication",
]);

export function readInstance(stmt: Stmt, diags: Diags): InstanceDraft | undefined {
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
    if (!LIST_BLOCKS.has(k)) repeats.check(s, diags);
    readKeyword(d, s, diags);
  }
  return d;
}

function readKeyword(d: InstanceDraft, s: Stmt, diags: Diags): void {
  const k = s.keyword.text;
  const where = `vrrp_instance ${d.name.value}`;
  switch (k) {
    case "state": {
      // Exactly as written: keepalived compares "MASTER" / "BACKUP" case-sensitively.
      d.state = strArg(s, diags, "MASTER|BACKUP");
      return;
    }
    case "interface":
      d.interface = strArg(s, diags, "IFNAME");
      return;
    case "virtual_router_id":
      d.vrid = intArg(s, diags);
      return;
    case "priority":
      d.priority = intArg(s, diags);
      return;
    case "advert_int":
      d.advertIntSec = numArg(s, diags);
      return;
    case "version":
      d.version = intArg(s, diags);
      return;
    case "nopreempt":
      if (noArgs(s, diags)) d.preempt = at(false, s.keyword.pos);
      return;
    case "preempt":
      if (noArgs(s, diags)) d.preempt = at(true, s.keyword.pos);
      return;
    case "preempt_delay":
      d.preemptDelaySec = numArg(s, diags);
      return;
    case "unicast_src_ip":
      d.unicastSrcIp = strArg(s, diags, "ADDRESS");
      return;
    case "mcast_src_ip":
      d.mcastSrcIp = strArg(s, diags, "ADDRESS");
      return;
    case "garp_master_delay":
      d.garpMasterDelaySec = numArg(s, diags);
      return;
    case "garp_master_repeat":
      d.garpMasterRepeat = intArg(s, diags);
      return;
    case "garp_master_refresh":
      d.garpMasterRefreshSec = numArg(s, diags);
      return;
    case "garp_master_refresh_repeat":
      d.garpMasterRefreshRepeat = intArg(s, diags);
      return;
    case "accept":
    case "no_accept":
      if (noArgs(s, diags)) d.accept = at(k === "accept", s.keyword.pos);
      return;
    case "dont_track_primary":
      if (noArgs(s, diags)) d.dontTrackPrimary = at(true, s.keyword.pos);
      return;
    case "vmac_xmit_base":
      if (noArgs(s, diags)) d.vmacXmitBase = at(true, s.keyword.pos);
      return;
    case "v3_checksum_as_v2":
      if (forbidBlock(s, diags)) d.v3ChecksumAsV2 = parseBool(s.keyword, s.args, diags);
      return;
    case "old_unicast_checksum": // keepalived ≤ 1.3.5's unicast v3 checksum (group address in the pseudo-header)
      if (noArgs(s, diags)) d.oldUnicastChecksum = at(true, s.keyword.pos);
      return;
    case "use_vmac": {
      if (!forbidBlock(s, diags)) return;
      const [ifname, mac] = s.args;
      d.useVmac = at(ifname?.text ?? "", s.keyword.pos);
      if (mac) diags.warn(mac.pos, `use_vmac: a fixed MAC address is not supported by vigil; ignored`);
      return;
    }
    case "smtp_alert":
      if (forbidBlock(s, diags) && parseBool(s.keyword, s.args, diags)?.value) d.seen.set(k, s.keyword.pos);
      return;
    case "lvs_sync_daemon_interface":
      if (strArg(s, diags, "IFNAME")) d.seen.set(k, s.keyword.pos);
      return;
    case "authentication":
      readAuth(d, s, diags);
      return;
  }
  if (k in NOTIFY) {
    setNotify(d.notify, NOTIFY[k]!, s, diags);
    return;
  }
  if (LIST_BLOCKS.has(k)) {
    if (!requireBlock(s, diags)) return;
    if (s.args[0]) diags.error(s.args[0].pos, `${k}: unexpected '${s.args[0].text}' before '{'`);
    if (k === "virtual_routes") d.routesPos ??= s.keyword.pos;
    for (const line of blockLines(s, diags)) readListLine(d, k, line, diags);
    return;
  }
  if (INSTANCE_IGNORED.has(k)) {
    diags.warn(s.keyword.pos, `${where}: '${k}' is not supported by vigil; ignored`);
    return;
  }
  // keepalived: "Unknown keyword", the line is skipped and the instance runs.
  diags.warn(s.keyword.pos, () => `unknown keyword '${k}' in ${where}, ignored (as keepalived)${didYouMean(k, [...INSTANCE_READ, ...INSTANCE_IGNORED])}`);
}

function readListLine(d: InstanceDraft, k: string, line: Stmt["args"], diags: Diags): void {
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
    case "track_interface":
    case "track_script":
    case "track_file": {
      const t = parseTrackLine(line, k, diags);
      if (!t) return;
      (k === "track_interface" ? d.trackInterfaces : k === "track_script" ? d.trackScripts : d.trackFiles).push(t);
      return;
    }
  }
}

function readAuth(d: InstanceDraft, s: Stmt, diags: Diags): void {
  if (!requireBlock(s, diags)) return;
  for (const c of s.block!) {
    const k = c.keyword.text;
    if (k === "auth_type") {
      // keepalived compares exactly ("PASS", "AH"); anything else is warned about and ignored.
      const v = strArg(c, diags, "PASS|AH");
      if (v) d.authType = v;
    } else if (k === "auth_pass") {
      d.authPass = strArg(c, diags, "PASSWORD");
    } else {
      diags.warn(c.keyword.pos, () => `unknown keyword '${k}' in authentication, ignored (as keepalived)${didYouMean(k, ["auth_type", "auth_pass"])}`);
    }
  }
}
