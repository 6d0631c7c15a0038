// vigil's TOML → ConfigDraft. Keys are named after keepalived keywords, so list items may
// be keepalived lines ("192.168.0.254/24 dev eth0") or tables ({ address = "…", dev = "eth0" }).

import { parse, TomlError } from "smol-toml";
import type { SourcePosition } from "./schema.ts";
import { didYouMean, type Diags } from "./diagnostics.ts";
import { at, newConfigDraft, newInstanceDraft, type ConfigDraft, type Located, type NotifyDraft, type TrackDraft } from "./draft.ts";
import { parsePeerLine, parseRouteLine, parseTrackLine, parseVipLine, splitString, type Tok } from "./lines.ts";
import { TomlLocator } from "./toml-positions.ts";

type Table = Record<string, unknown>;

export const TOML_GLOBAL_KEYS = `router_id http log log_format keepalived_exporter_names realtime_priority no_swap
  vrrp_strict script_user enable_script_security strict`.split(/\s+/);
export const TOML_INSTANCE_KEYS = `name interface virtual_router_id priority advert_int version state preempt nopreempt
  preempt_delay unicast_src_ip unicast_peer auth_type auth_pass virtual_ipaddress virtual_ipaddress_excluded
  virtual_routes track_interface track_script track_file notify notify_master notify_backup notify_fault notify_stop
  garp_master_delay garp_master_repeat garp_master_refresh garp_master_refresh_repeat accept no_accept use_vmac
  vmac_xmit_base v3_checksum_as_v2 old_unicast_checksum dont_track_primary mcast_src_ip`.split(/\s+/);
const SCRIPT_KEYS = "name script interval timeout weight rise fall user".split(" ");
const GROUP_KEYS = "name group notify notify_master notify_backup notify_fault notify_stop".split(" ");
const TRACK_FILE_KEYS = "name file weight".split(" ");
const ROOT_KEYS = ["global", "instance", "vrrp_script", "vrrp_sync_group", "vrrp_track_file"];
const NOTIFY_KEYS: Record<string, keyof NotifyDraft> = { notify: "any", notify_master: "master", notify_backup: "backup", notify_fault: "fault", notify_stop: "stop" };

const typeName = (v: unknown): string => (Array.isArray(v) ? "an array" : v === null ? "null" : typeof v === "object" ? "a table" : `a ${typeof v}`);

/** Typed access to one TOML table, with positions for every message. */
class Tbl {
  constructor(
    readonly t: Table,
    readonly table: string,
    readonly index: number,
    readonly loc: TomlLocator,
    readonly diags: Diags,
  ) {}
  pos(key: string): SourcePosition {
    return this.loc.key(this.table, this.index, key);
  }
  get where(): SourcePosition {
    return this.loc.table(this.table, this.index);
  }
  private typed<T>(key: string, want: string, ok: (v: unknown) => v is T): Located<T> | undefined {
    const v = this.t[key];
    if (v === undefined) return undefined;
    if (ok(v)) return at(v, this.loc.value(this.table, this.index, key));
    this.diags.error(this.loc.value(this.table, this.index, key), `${key}: expected ${want}, got ${typeName(v)}`);
    return undefined;
  }
  str(key: string) {
    return this.typed(key, "a string", (v): v is string => typeof v === "string");
  }
  num(key: string) {
    return this.typed(key, "a number", (v): v is number => typeof v === "number" && Number.isFinite(v));
  }
  int(key: string) {
    const v = this.typed(key, "an integer", (x): x is number => typeof x === "number" && Number.isFinite(x));
    if (v && !Number.isInteger(v.value)) {
      this.diags.error(v.pos, `${key}: expected an integer, got ${v.value}`);
      return undefined;
    }
    return v;
  }
  bool(key: string) {
    return this.typed(key, "true or false", (v): v is boolean => typeof v === "boolean");
  }
  /** Items of an array value, each with its position. */
  items(key: string): { value: unknown; pos: SourcePosition }[] {
    const v = this.typed(key, "an array", (x): x is unknown[] => Array.isArray(x));
    return (v?.value ?? []).map((value, n) => ({ value, pos: this.loc.item(this.table, this.index, key, n) }));
  }
  unknownKeys(allowed: string[], what: string): void {
    for (const k of Object.keys(this.t)) {
      if (!allowed.includes(k)) this.diags.error(this.pos(k), `unknown key '${k}' in ${what}${didYouMean(k, allowed)}`);
    }
  }
}

/** A list item: a keepalived-style line, or a table whose keys are rewritten as that line's tokens. */
function itemTokens(item: { value: unknown; pos: SourcePosition }, key: string, first: string, diags: Diags): Tok[] | undefined {
  const { value, pos } = item;
  if (typeof value === "string") return splitString(value, pos);
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const t = value as Table;
    const head = t[first];
    if (typeof head !== "string") {
      diags.error(pos, `${key}: a table item needs a string '${first}'`);
      return undefined;
    }
    const toks: Tok[] = [{ text: head, pos }];
    for (const [k, v] of Object.entries(t)) {
      if (k === first) continue;
      if (typeof v !== "string" && typeof v !== "number") {
        diags.error(pos, `${key}: '${k}' must be a string or a number, got ${typeName(v)}`);
        continue;
      }
      toks.push({ text: k, pos }, { text: String(v), pos });
    }
    return toks;
  }
  diags.error(pos, `${key}: expected a string or a table, got ${typeName(value)}`);
  return undefined;
}

function readInstance(x: Tbl, draft: ConfigDraft): void {
  const { diags } = x;
  x.unknownKeys(TOML_INSTANCE_KEYS, "[[instance]]");
  const name = x.str("name");
  if (!name) diags.error(x.where, "[[instance]] needs name = \"…\"");
  const d = newInstanceDraft(name ?? at(`#${x.index + 1}`, x.where), x.where);
  d.interface = x.str("interface");
  d.vrid = x.int("virtual_router_id");
  d.priority = x.int("priority");
  d.advertIntSec = x.num("advert_int");
  d.version = x.int("version");
  const state = x.str("state");
  if (state) d.state = at(state.value.toUpperCase(), state.pos);
  d.preempt = x.bool("preempt");
  const nopreempt = x.bool("nopreempt");
  if (nopreempt) {
    if (d.preempt && d.preempt.value === nopreempt.value) diags.error(nopreempt.pos, "preempt and nopreempt contradict each other");
    d.preempt = at(!nopreempt.value, nopreempt.pos);
  }
  d.preemptDelaySec = x.num("preempt_delay");
  d.unicastSrcIp = x.str("unicast_src_ip");
  d.mcastSrcIp = x.str("mcast_src_ip");
  const authType = x.str("auth_type");
  if (authType) d.authType = at(authType.value.toUpperCase(), authType.pos);
  d.authPass = x.str("auth_pass");
  if (d.authPass && !d.authType) d.authType = at("PASS", d.authPass.pos); // TOML: a password implies PASS
  for (const item of x.items("unicast_peer")) {
    const toks = itemTokens(item, "unicast_peer", "address", diags);
    const p = toks && parsePeerLine(toks, diags);
    if (p) d.unicastPeers.push(p);
  }
  for (const key of ["virtual_ipaddress", "virtual_ipaddress_excluded"] as const) {
    for (const item of x.items(key)) {
      const toks = itemTokens(item, key, "address", diags);
      const v = toks && parseVipLine(toks, diags);
      if (v) (key === "virtual_ipaddress" ? d.vips : d.excludedVips).push(v);
    }
  }
  if (x.t.virtual_routes !== undefined) d.routesPos = x.pos("virtual_routes");
  for (const item of x.items("virtual_routes")) {
    const toks = itemTokens(item, "virtual_routes", "to", diags);
    const r = toks && parseRouteLine(toks, diags);
    if (r) d.routes.push(r);
  }
  const tracks: [string, TrackDraft[]][] = [["track_interface", d.trackInterfaces], ["track_script", d.trackScripts], ["track_file", d.trackFiles]];
  for (const [key, out] of tracks) {
    for (const item of x.items(key)) {
      const toks = itemTokens(item, key, "name", diags);
      const t = toks && parseTrackLine(toks, key, diags);
      if (t) out.push(t);
    }
  }
  for (const [k, field] of Object.entries(NOTIFY_KEYS)) d.notify[field] = x.str(k);
  d.garpMasterDelaySec = x.num("garp_master_delay");
  d.garpMasterRepeat = x.int("garp_master_repeat");
  d.garpMasterRefreshSec = x.num("garp_master_refresh");
  d.garpMasterRefreshRepeat = x.int("garp_master_refresh_repeat");
  d.accept = x.bool("accept");
  const noAccept = x.bool("no_accept");
  if (noAccept) d.accept = at(!noAccept.value, noAccept.pos);
  const vmac = x.t.use_vmac;
  if (typeof vmac === "boolean") {
    if (vmac) d.useVmac = at("", x.pos("use_vmac"));
  } else d.useVmac = x.str("use_vmac");
  d.vmacXmitBase = x.bool("vmac_xmit_base");
  d.v3ChecksumAsV2 = x.bool("v3_checksum_as_v2");
  d.oldUnicastChecksum = x.bool("old_unicast_checksum");
  d.dontTrackPrimary = x.bool("dont_track_primary");
  draft.instances.push(d);
}

function readGlobal(x: Tbl, draft: ConfigDraft): void {
  x.unknownKeys(TOML_GLOBAL_KEYS, "[global]");
  const g = draft.global;
  g.routerId = x.str("router_id");
  g.http = x.str("http");
  g.log = x.str("log");
  g.logFormat = x.str("log_format");
  g.keepalivedExporterNames = x.bool("keepalived_exporter_names");
  g.realtimePriority = x.int("realtime_priority");
  g.noSwap = x.bool("no_swap");
  g.vrrpStrict = x.bool("vrrp_strict");
  g.scriptUser = x.str("script_user");
  g.enableScriptSecurity = x.bool("enable_script_security");
}

function nameOf(x: Tbl, what: string): Located<string> {
  const n = x.str("name");
  if (!n) x.diags.error(x.where, `${what} needs name = "…"`);
  return n ?? at(`#${x.index + 1}`, x.where);
}

function readScript(x: Tbl, draft: ConfigDraft): void {
  x.unknownKeys(SCRIPT_KEYS, "[[vrrp_script]]");
  const s: ConfigDraft["scripts"][number] = { name: nameOf(x, "[[vrrp_script]]"), pos: x.where };
  s.script = x.str("script");
  s.intervalSec = x.num("interval");
  s.timeoutSec = x.num("timeout");
  s.weight = x.int("weight");
  s.rise = x.int("rise");
  s.fall = x.int("fall");
  s.user = x.str("user");
  draft.scripts.push(s);
}

function readGroup(x: Tbl, draft: ConfigDraft): void {
  x.unknownKeys(GROUP_KEYS, "[[vrrp_sync_group]]");
  const g: ConfigDraft["syncGroups"][number] = { name: nameOf(x, "[[vrrp_sync_group]]"), pos: x.where, members: [], notify: {} };
  for (const item of x.items("group")) {
    if (typeof item.value === "string") g.members.push(at(item.value, item.pos));
    else x.diags.error(item.pos, `group: expected instance names (strings), got ${typeName(item.value)}`);
  }
  for (const [k, field] of Object.entries(NOTIFY_KEYS)) g.notify[field] = x.str(k);
  draft.syncGroups.push(g);
}

function readTrackFile(x: Tbl, draft: ConfigDraft): void {
  x.unknownKeys(TRACK_FILE_KEYS, "[[vrrp_track_file]]");
  draft.trackFiles.push({ name: nameOf(x, "[[vrrp_track_file]]"), pos: x.where, file: x.str("file"), weight: x.int("weight") });
}

const READERS: Record<string, (x: Tbl, d: ConfigDraft) => void> = {
  instance: readInstance,
  vrrp_script: readScript,
  vrrp_sync_group: readGroup,
  vrrp_track_file: readTrackFile,
};

/** Returns undefined on a TOML syntax error (already reported with smol-toml's line/column). */
export function readToml(path: string, text: string, diags: Diags): ConfigDraft | undefined {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const msg = e.message.replace(/^Invalid TOML document:\s*/, "").split("\n")[0];
      diags.error({ file: path, line: e.line, col: e.column }, `TOML syntax error: ${msg}`);
      return undefined;
    }
    throw e;
  }
  const loc = new TomlLocator(text, path);
  const draft = newConfigDraft(path, "toml");
  // `strict = true` under [global] is `vigil check --strict` for every load of this file; it must
  // hold before the first warning, so it is read ahead of the rest.
  const g = doc.global as Table | undefined;
  if (g && typeof g === "object" && g.strict !== undefined) {
    if (typeof g.strict === "boolean") diags.strict ||= g.strict;
    else diags.error(loc.value("global", 0, "strict"), `strict: expected true or false, got ${typeName(g.strict)}`);
  }
  for (const [key, value] of Object.entries(doc)) {
    const where = loc.hasTable(key) ? loc.table(key) : loc.key("", 0, key);
    if (key === "global") {
      if (value && typeof value === "object" && !Array.isArray(value)) readGlobal(new Tbl(value as Table, "global", 0, loc, diags), draft);
      else diags.error(where, `global must be a table ([global]), got ${typeName(value)}`);
      continue;
    }
    const reader = READERS[key];
    if (!reader) {
      diags.error(where, `unknown ${typeof value === "object" ? "table" : "key"} '${key}'${didYouMean(key, ROOT_KEYS)}`);
      continue;
    }
    if (!Array.isArray(value)) {
      diags.error(where, `${key} must be an array of tables ([[${key}]]), got ${typeName(value)}`);
      continue;
    }
    value.forEach((t, i) => {
      if (t && typeof t === "object" && !Array.isArray(t)) reader(new Tbl(t as Table, key, i, loc, diags), draft);
      else diags.error(loc.table(key, i), `[[${key}]] item ${i + 1} is ${typeName(t)}, not a table`);
    });
  }
  return draft;
}
