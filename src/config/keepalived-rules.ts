// keepalived's ip rule lines (virtual_rules, static_rules), read as keepalived 2.2.7 reads them
// (observed with keepalived in a namespace, `ip -d rule` after it started): `from PREFIX|all`,
// `to PREFIX|all`, `iif|iifname IF`, `oif|oifname IF`, `preference|priority|order N`,
// `fwmark V[/M]`, `not`, `tos|dsfield N`, `realms [FROM/]TO`, `suppress_prefixlength N`,
// `suppress_ifgroup N`, `uidrange A-B`, `ipproto NAME|N`, `sport A[-B]`, `dport A[-B]`, `protocol N`
// (kept only with `no_track`, else keepalived's 18), `no_track`, and one action: `table|lookup
// N|main|local|default`, `goto N` (a greater preference), `nop`, `l3mdev`, `blackhole`,
// `unreachable`, `prohibit`. What keepalived refuses in a line (an unknown option — `pref` and
// `tun_id` included —, a bad address or value, table 0, no action or two) skips that rule with a
// warning, as keepalived does; a bad ipproto, sport or dport only drops that option (keepalived
// too). vigil's TOML refuses all of these. A rule without a preference gets keepalived's: 16384,
// then one less for each such rule of the family, in file order.
import type { Diags } from "./diagnostics.ts";
import { didYouMean } from "./diagnostics.ts";
import type { Tok } from "./lines.ts";
import type { VirtualRule } from "./schema.ts";
import type { Family } from "../protocol/types.ts";
import { parseIp, parsePrefix } from "./address.ts";
import { parseRealms, realmsText } from "./route-options.ts";

const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };
/** IP protocol names keepalived resolves (getprotobyname). */
const IP_PROTOS: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, "ipv6-icmp": 58, sctp: 132, udplite: 136 };
const FLAGS = ["not", "blackhole", "unreachable", "prohibit", "nop", "l3mdev", "no_track"];
const KNOWN = [
  "from",
  "to",
  "iif",
  "iifname",
  "oif",
  "oifname",
  "preference",
  "priority",
  "order",
  "fwmark",
  "table",
  "lookup",
  "goto",
  "tos",
  "dsfield",
  "realms",
  "suppress_prefixlength",
  "suppress_ifgroup",
  "uidrange",
  "protocol",
  "ipproto",
  "sport",
  "dport",
  ...FLAGS,
];
const ACTIONS = ["table", "goto", "nop", "l3mdev", "blackhole", "unreachable", "prohibit"] as const;

/** keepalived's next automatic preference per family (shared by static_rules and every virtual_rules). */
export interface RulePrefs {
  4: number;
  6: number;
}
export const newRulePrefs = (): RulePrefs => ({ 4: 16384, 6: 16384 });

const num = (s: string) => (/^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : NaN);
const skipped = (diags: Diags) => (diags.keepalivedCompat ? "; rule skipped (as keepalived)" : "");

/** An address or prefix; no text for "all" (any family) or a /0 (its family only). */
function prefix(t: Tok): { text?: string; family?: Family } | undefined {
  if (["all", "any", "default"].includes(t.text)) return {};
  if (t.text.includes("/")) {
    const p = parsePrefix(t.text);
    if ("error" in p) return undefined;
    if (p.prefixLength === 0) return { family: p.family };
    return { text: p.prefixLength === (p.family === 4 ? 32 : 128) ? p.address : `${p.address}/${p.prefixLength}`, family: p.family };
  }
  const ip = parseIp(t.text);
  return ip ? { text: ip.address, family: ip.family } : undefined;
}

export function parseRuleLine(toks: Tok[], diags: Diags, prefs: RulePrefs): VirtualRule | undefined {
  const first = toks[0];
  if (!first) return undefined;
  const r: Omit<VirtualRule, "family"> & { family?: Family } = { pos: first.pos };
  const bad = (pos: Tok["pos"], msg: string): undefined => (diags.tolerate(pos, `${msg}${skipped(diags)}`), undefined);
  /** keepalived drops only the option (and says so), the rule stays. */
  const dropOption = (pos: Tok["pos"], msg: string) => diags.tolerate(pos, `${msg}${diags.keepalivedCompat ? "; option ignored (as keepalived)" : ""}`);
  const actions: string[] = []; // keepalived refuses a second one, even of the same kind
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const opt = t.text;
    let v: Tok | undefined;
    if (!FLAGS.includes(opt) && KNOWN.includes(opt)) {
      v = toks[++i];
      if (!v) return bad(t.pos, `rule option '${opt}' needs a value`);
    }
    const n = v ? num(v.text) : NaN;
    switch (opt) {
      case "from":
      case "to": {
        const p = prefix(v!);
        if (!p) return bad(v!.pos, `invalid rule ${opt} address '${v!.text}'`);
        if (p.family && r.family && r.family !== p.family) return bad(v!.pos, `rule ${opt} ${v!.text}: another family than the rule's`);
        if (p.family) r.family = p.family;
        if (p.text !== undefined) r[opt] = p.text;
        break;
      }
      case "iif":
      case "iifname":
        r.iif = v!.text;
        break;
      case "oif":
      case "oifname":
        r.oif = v!.text;
        break;
      case "preference":
      case "priority":
      case "order":
        if (!(n <= 4294967295)) return bad(v!.pos, `invalid rule ${opt} '${v!.text}'`);
        r.priority = n;
        break;
      case "fwmark": {
        const [m = "", mask] = v!.text.split("/");
        const k = mask === undefined ? undefined : num(mask);
        if (!(num(m) <= 0xffffffff) || (k !== undefined && !(k <= 0xffffffff))) return bad(v!.pos, `invalid rule fwmark '${v!.text}'`);
        r.fwmark = num(m);
        if (k !== undefined) r.fwmask = k;
        break;
      }
      case "table":
      case "lookup": {
        const tn = TABLES[v!.text] ?? n;
        if (!(tn >= 1 && tn <= 4294967295)) return bad(v!.pos, `table ${v!.text} is not valid`);
        actions.push("table");
        r.table = tn;
        break;
      }
      case "goto":
        if (!(n <= 4294967295)) return bad(v!.pos, `invalid rule goto '${v!.text}'`);
        actions.push("goto");
        r.action = "goto";
        r.goto = n;
        break;
      case "tos":
      case "dsfield":
        if (!(n <= 255)) return bad(v!.pos, `invalid rule ${opt} '${v!.text}'`);
        r.tos = n;
        break;
      case "realms": {
        const rv = parseRealms(v!.text);
        if (Number.isNaN(rv)) return bad(v!.pos, `invalid rule realms '${v!.text}'`);
        r.realms = rv;
        break;
      }
      case "suppress_prefixlength":
      case "suppress_ifgroup":
        if (!(n <= 0x7fffffff)) return bad(v!.pos, `invalid rule ${opt} '${v!.text}'`);
        r[opt === "suppress_prefixlength" ? "suppressPrefixLength" : "suppressIfgroup"] = n;
        break;
      case "uidrange": {
        const rg = numRange(v!.text, 0xffffffff, false);
        if (!rg) return bad(v!.pos, `invalid uidrange '${v!.text}' (A-B)`);
        r.uidRange = rg;
        break;
      }
      case "protocol":
        // keepalived reads a number only here ("invalid number 'zebra'"): the option is dropped.
        if (!(n <= 255)) dropOption(v!.pos, `invalid rule protocol '${v!.text}' (a number)`);
        else r.protocol = n;
        break;
      case "ipproto": {
        const p = IP_PROTOS[v!.text] ?? n;
        if (!(p <= 255)) dropOption(v!.pos, `invalid ipproto ${v!.text}`);
        else r.ipProto = p;
        break;
      }
      case "sport":
      case "dport": {
        // keepalived 2.2.7 wants a range ("invalid dport range 80"); a single port is A-A.
        const rg = numRange(v!.text, 0xffff, false);
        if (!rg) dropOption(v!.pos, `invalid ${opt} range ${v!.text} (keepalived wants A-B)`);
        else r[opt === "sport" ? "sportRange" : "dportRange"] = rg;
        break;
      }
      case "not":
        r.invert = true;
        break;
      case "no_track":
        r.noTrack = true;
        break;
      case "l3mdev":
        actions.push("l3mdev");
        r.l3mdev = true;
        break;
      case "nop":
      case "blackhole":
      case "unreachable":
      case "prohibit":
        actions.push(opt);
        r.action = opt;
        break;
      default:
        return bad(t.pos, `unknown rule option '${opt}'${didYouMean(opt, KNOWN)}`);
    }
  }
  if (actions.length === 0) return bad(first.pos, "no action specified for rule (table N, goto N, nop, l3mdev, blackhole, unreachable or prohibit)");
  if (actions.length > 1) return bad(first.pos, `more than one action for a rule (${actions.join(", ")}): keepalived takes one of ${ACTIONS.join("/")}`);
  if (actions[0] === "table" || actions[0] === "l3mdev") delete r.action;
  if (r.protocol !== undefined && !r.noTrack) {
    if (r.protocol !== 18) {
      diags.warn(first.pos, `rule protocol ${r.protocol} without no_track: reset to keepalived (18), as keepalived does for a rule it tracks`);
    }
    delete r.protocol;
  }
  const family = r.family ?? 4;
  if (r.priority === undefined) {
    r.priority = prefs[family]--;
    diags.advise(first.pos, `rule has no preference: ${r.priority}, as keepalived sets it (probably not what you want)`);
  }
  if (r.goto !== undefined && r.goto <= r.priority) return bad(first.pos, `invalid rule - preference ${r.priority} >= goto target ${r.goto} (as keepalived)`);
  return { ...r, family } as VirtualRule;
}

/** "A-B" (or "A" when `single`) with A ≤ B ≤ max. */
function numRange(s: string, max: number, single: boolean): [number, number] | undefined {
  const parts = s.split("-");
  if (parts.length > 2 || (parts.length === 1 && !single)) return undefined;
  const lo = num(parts[0]!);
  const hi = parts.length === 2 ? num(parts[1]!) : lo;
  return lo <= hi && hi <= max ? [lo, hi] : undefined;
}

/** A rule as keepalived.conf (and TOML) writes it; reads back to the same model. */
export function ruleLine(r: VirtualRule): string {
  const w: string[] = [];
  const hex = (n: number) => `0x${n.toString(16)}`;
  if (r.invert) w.push("not");
  if (r.from !== undefined) w.push("from", r.from);
  if (r.to !== undefined) w.push("to", r.to);
  if (r.from === undefined && r.to === undefined && r.family === 6) w.push("from", "::/0");
  if (r.iif !== undefined) w.push("iif", r.iif);
  if (r.oif !== undefined) w.push("oif", r.oif);
  if (r.tos !== undefined) w.push("tos", hex(r.tos));
  if (r.fwmark !== undefined) w.push("fwmark", r.fwmask !== undefined ? `${hex(r.fwmark)}/${hex(r.fwmask)}` : hex(r.fwmark));
  if (r.priority !== undefined) w.push("preference", String(r.priority));
  if (r.realms !== undefined) w.push("realms", realmsText(r.realms));
  if (r.suppressPrefixLength !== undefined) w.push("suppress_prefixlength", String(r.suppressPrefixLength));
  if (r.suppressIfgroup !== undefined) w.push("suppress_ifgroup", String(r.suppressIfgroup));
  if (r.uidRange) w.push("uidrange", r.uidRange.join("-"));
  if (r.ipProto !== undefined) w.push("ipproto", String(r.ipProto));
  if (r.sportRange) w.push("sport", r.sportRange.join("-"));
  if (r.dportRange) w.push("dport", r.dportRange.join("-"));
  if (r.protocol !== undefined) w.push("protocol", String(r.protocol));
  if (r.noTrack) w.push("no_track");
  if (r.l3mdev) w.push("l3mdev");
  else if (r.action === "goto") w.push("goto", String(r.goto));
  else if (r.action === "table" || r.action === undefined) w.push("table", String(r.table ?? 254));
  else w.push(r.action);
  return w.join(" ");
}
