// vigil's TOML → ConfigDraft, driven by the keyword table (keywords.ts). Keys are named after keepalived keywords, so list items may
// be keepalived lines ("192.168.0.254/24 dev eth0") or tables ({ address = "…", dev = "eth0" }).

import { parse, TomlError } from "smol-toml";
import { type Diags, didYouMean } from "./diagnostics.ts";
import { at, type ConfigDraft, type GarpGroupDraft, type Located, newConfigDraft, newInstanceDraft, type NotifyDraft, type TrackDraft } from "./draft.ts";
import { KEYWORDS, TOML_TABLE, tomlKeys } from "./keywords.ts";
import { parsePeerLine, parseRouteLine, parseTrackLine, parseVipLine, type Tok } from "./lines.ts";
import { TomlLocator } from "./toml-positions.ts";
import { eachLine, type Table, Tbl, typeName } from "./toml-table.ts";
import { newRulePrefs, parseRuleLine } from "./keepalived-rules.ts";

const ROOT_KEYS = [
  "global",
  "instance",
  "vrrp_script",
  "vrrp_sync_group",
  "vrrp_track_file",
  "vrrp_track_process",
  "garp_group",
  "static_ipaddress",
  "static_routes",
  "static_rules",
];

/** keepalived's top-level static_ipaddress / static_routes / static_rules: root keys of the TOML, keepalived lines as items. */
function readStatic(root: Tbl, key: string, draft: ConfigDraft): void {
  const { diags } = root;
  if (key === "static_ipaddress") {
    eachLine(root, key, "address", (t) => {
      const v = parseVipLine(t, diags);
      if (v) (draft.staticIps ??= []).push(v);
    });
  } else if (key === "static_routes") {
    eachLine(root, key, "to", (t) => {
      const r = parseRouteLine(t, diags);
      if (r) (draft.staticRoutes ??= []).push(r);
    });
  } else {
    eachLine(root, key, "", (t) => {
      const r = parseRuleLine(t, diags, draft.rulePrefs ??= newRulePrefs());
      if (r) (draft.staticRules ??= []).push(r);
    });
  }
}

/** Reads every key of a TOML table that the keyword table gives a plain kind; `custom` reads the rest. */
function readKeys(x: Tbl, table: string, target: object, notify: NotifyDraft | undefined, custom: Record<string, () => void> = {}): void {
  x.unknownKeys(["name", ...tomlKeys(table)], table === "global" ? "[global]" : `[[${table}]]`);
  const set = (field: string | undefined, v: unknown) => {
    if (field) (target as Record<string, unknown>)[field] = v;
  };
  for (const k of KEYWORDS) {
    if (!k.toml || k.section === "top" || TOML_TABLE[k.section] !== table || x.t[k.toml] === undefined) continue;
    const key = k.toml;
    const own = custom[key];
    if (own) {
      own();
      continue;
    }
    switch (k.arg) {
      case "string":
      case "command":
        set(k.field, x.str(key));
        break;
      case "int":
      case "weight":
        set(k.field, x.int(key));
        break;
      case "number":
        set(k.field, x.num(key));
        break;
      case "flag":
      case "bool":
        set(k.field, x.bool(key));
        break;
      case "noflag": {
        const v = x.bool(key);
        if (v) set(k.field, at(!v.value, v.pos));
        break;
      }
      case "notify":
        if (notify && k.notify) notify[k.notify] = x.str(key);
        break;
      default:
        throw new Error(`toml: no reader for ${table}.${key}`);
    }
  }
}

function readInstance(x: Tbl, draft: ConfigDraft): void {
  const { diags } = x;
  const name = x.str("name");
  if (!name) diags.error(x.where, '[[instance]] needs name = "…"');
  const d = newInstanceDraft(name ?? at(`#${x.index + 1}`, x.where), x.where);
  const lines = (key: string, first: string, parse: (t: Tok[]) => void) => eachLine(x, key, first, parse);
  const tracks: Record<string, TrackDraft[]> = { track_interface: d.trackInterfaces, track_script: d.trackScripts, track_file: d.trackFiles };
  if (x.t.track_process !== undefined) tracks.track_process = d.trackProcesses = [];
  readKeys(x, "instance", d, d.notify, {
    state: () => {
      const state = x.str("state");
      if (state) d.state = at(state.value.toUpperCase(), state.pos);
    },
    nopreempt: () => {
      const nopreempt = x.bool("nopreempt");
      if (!nopreempt) return;
      if (d.preempt && d.preempt.value === nopreempt.value) diags.error(nopreempt.pos, "preempt and nopreempt contradict each other");
      d.preempt = at(!nopreempt.value, nopreempt.pos);
    },
    auth_type: () => {
      const t = x.str("auth_type");
      if (t) d.authType = at(t.value.toUpperCase(), t.pos);
    },
    auth_pass: () => {
      d.authPass = x.str("auth_pass");
      if (d.authPass && !d.authType) d.authType = at("PASS", d.authPass.pos); // TOML: a password implies PASS
    },
    unicast_peer: () =>
      lines("unicast_peer", "address", (t) => {
        const p = parsePeerLine(t, diags);
        if (p) d.unicastPeers.push(p);
      }),
    virtual_ipaddress: () =>
      lines("virtual_ipaddress", "address", (t) => {
        const v = parseVipLine(t, diags);
        if (v) d.vips.push(v);
      }),
    virtual_ipaddress_excluded: () =>
      lines("virtual_ipaddress_excluded", "address", (t) => {
        const v = parseVipLine(t, diags);
        if (v) d.excludedVips.push(v);
      }),
    virtual_routes: () => {
      d.routesPos = x.pos("virtual_routes");
      lines("virtual_routes", "to", (t) => {
        const r = parseRouteLine(t, diags);
        if (r) d.routes.push(r);
      });
    },
    virtual_rules: () =>
      lines("virtual_rules", "", (t) => {
        const r = parseRuleLine(t, diags, draft.rulePrefs ??= newRulePrefs());
        if (r) (d.rules ??= []).push(r);
      }),
    ...Object.fromEntries(
      Object.entries(tracks).map(([key, out]) => [key, () =>
        lines(key, "name", (t) => {
          const tr = parseTrackLine(t, key, diags);
          if (tr) out.push(tr);
        })]
      ),
    ),
    garp_extra_if: () => (d.garpExtraIfSec = x.num("garp_extra_if")),
    use_vmac: () => {
      const vmac = x.t.use_vmac;
      if (typeof vmac !== "boolean") d.useVmac = x.str("use_vmac");
      else if (vmac) d.useVmac = at("", x.pos("use_vmac"));
    },
  });
  draft.instances.push(d);
}

function readGlobal(x: Tbl, draft: ConfigDraft): void {
  // `strict` was read ahead (readToml); script_user is a plain string in TOML.
  const g = draft.global;
  readKeys(x, "global", g, undefined, {
    strict: () => {},
    script_user: () => (g.scriptUser = x.str("script_user")),
    notify_fifo: () => (g.notifyFifo = x.str("notify_fifo")),
    notify_fifo_script: () => (g.notifyFifoScript = x.str("notify_fifo_script")),
    vrrp_notify_fifo: () => (g.vrrpNotifyFifo = x.str("vrrp_notify_fifo")),
    vrrp_notify_fifo_script: () => (g.vrrpNotifyFifoScript = x.str("vrrp_notify_fifo_script")),
  });
}

function nameOf(x: Tbl, what: string): Located<string> {
  const n = x.str("name");
  if (!n) x.diags.error(x.where, `${what} needs name = "…"`);
  return n ?? at(`#${x.index + 1}`, x.where);
}

function readScript(x: Tbl, draft: ConfigDraft): void {
  const s: ConfigDraft["scripts"][number] = { name: nameOf(x, "[[vrrp_script]]"), pos: x.where };
  readKeys(x, "vrrp_script", s, undefined, { user: () => (s.user = x.str("user")) });
  draft.scripts.push(s);
}

function readGroup(x: Tbl, draft: ConfigDraft): void {
  const g: ConfigDraft["syncGroups"][number] = { name: nameOf(x, "[[vrrp_sync_group]]"), pos: x.where, members: [], notify: {} };
  readKeys(x, "vrrp_sync_group", g, g.notify, {
    group: () => {
      for (const item of x.items("group")) {
        if (typeof item.value === "string") g.members.push(at(item.value, item.pos));
        else x.diags.error(item.pos, `group: expected instance names (strings), got ${typeName(item.value)}`);
      }
    },
  });
  draft.syncGroups.push(g);
}

function readTrackFile(x: Tbl, draft: ConfigDraft): void {
  const t: ConfigDraft["trackFiles"][number] = { name: nameOf(x, "[[vrrp_track_file]]"), pos: x.where };
  readKeys(x, "vrrp_track_file", t, undefined);
  draft.trackFiles.push(t);
}

function readTrackProcess(x: Tbl, draft: ConfigDraft): void {
  const t: ConfigDraft["trackProcesses"][number] = { name: nameOf(x, "[[vrrp_track_process]]"), pos: x.where };
  readKeys(x, "vrrp_track_process", t, undefined, {
    process: () => (t.process = x.str("process")),
    params: () => {
      const words: string[] = [];
      for (const item of x.items("params")) {
        if (typeof item.value === "string") words.push(item.value);
        else x.diags.error(item.pos, `params: expected strings, got ${typeName(item.value)}`);
      }
      if (words.length > 0) t.params = at(words, x.loc.value([...x.path, "params"]));
    },
    param_match: () => {
      const v = x.t.param_match;
      const pos = x.loc.value([...x.path, "param_match"]);
      if (v === true || v === "exact") t.paramMatch = at("exact", pos);
      else if (v === "initial" || v === "partial") t.paramMatch = at(v, pos);
      else if (v !== false) x.diags.error(pos, `param_match: expected true, "exact", "initial" or "partial", got ${JSON.stringify(v)}`);
    },
  });
  draft.trackProcesses.push(t);
}

function readGarpGroup(x: Tbl, draft: ConfigDraft): void {
  const g: GarpGroupDraft = { pos: x.where };
  readKeys(x, "garp_group", g, undefined, {
    interfaces: () => {
      for (const item of x.items("interfaces")) {
        if (typeof item.value === "string") (g.interfaces ??= []).push(at(item.value, item.pos));
        else x.diags.error(item.pos, `interfaces: expected interface names (strings), got ${typeName(item.value)}`);
      }
    },
  });
  (draft.garpGroups ??= []).push(g);
}

const READERS: Record<string, (x: Tbl, d: ConfigDraft) => void> = {
  instance: readInstance,
  vrrp_script: readScript,
  vrrp_sync_group: readGroup,
  vrrp_track_file: readTrackFile,
  vrrp_track_process: readTrackProcess,
  garp_group: readGarpGroup,
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
    else diags.error(loc.value(["global", "strict"]), `strict: expected true or false, got ${typeName(g.strict)}`);
  }
  const root = new Tbl(doc, "", 0, loc, diags);
  for (const [key, value] of Object.entries(doc)) {
    const where = loc.table([key]);
    if (key === "static_ipaddress" || key === "static_routes" || key === "static_rules") {
      readStatic(root, key, draft);
      continue;
    }
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
      else diags.error(loc.table([key, i]), `[[${key}]] item ${i + 1} is ${typeName(t)}, not a table`);
    });
  }
  return draft;
}
