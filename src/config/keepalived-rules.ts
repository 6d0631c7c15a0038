// keepalived's ip rule lines (virtual_rules, static_rules), read as keepalived 2.2.7 reads them
// (vrrp_iprule.c, behaviour only): `from PREFIX|all`, `to PREFIX|all`, `iif|iifname IF`,
// `oif|oifname IF`, `preference|priority|order N`, `fwmark V[/M]`, `not`,
// `table|lookup N|main|local|default`, and the actions `blackhole`, `unreachable`, `prohibit`.
// Selectors vigil cannot set are warned about and ignored (the rule is kept). What keepalived
// refuses in a line (an unknown option — `pref` included —, a bad address, table 0, no action) skips
// that rule with a warning, as keepalived does; vigil's TOML refuses it. A rule without a
// preference gets keepalived's: 16384, then one less for each such rule of the family, in file order.
import type { Diags } from "./diagnostics.ts";
import { didYouMean } from "./diagnostics.ts";
import type { Tok } from "./lines.ts";
import type { VirtualRule } from "./schema.ts";
import type { Family } from "../protocol/types.ts";
import { parseIp, parsePrefix } from "./address.ts";

const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };
const IGNORED_VALUE = [
  "tos",
  "dsfield",
  "realms",
  "goto",
  "suppress_prefixlength",
  "suppress_ifgroup",
  "uidrange",
  "tun_id",
  "protocol",
  "ipproto",
  "sport",
  "dport",
];
const IGNORED_FLAGS = ["no_track", "l3mdev"];
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
  "not",
  "blackhole",
  "unreachable",
  "prohibit",
];

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
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const opt = t.text;
    let v: Tok | undefined;
    if (!["not", "blackhole", "unreachable", "prohibit", ...IGNORED_FLAGS].includes(opt) && KNOWN.concat(IGNORED_VALUE).includes(opt)) {
      v = toks[++i];
      if (!v) return bad(t.pos, `rule option '${opt}' needs a value`);
    }
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
      case "order": {
        const n = num(v!.text);
        if (!Number.isInteger(n) || n > 4294967295) return bad(v!.pos, `invalid rule ${opt} '${v!.text}'`);
        r.priority = n;
        break;
      }
      case "fwmark": {
        const [m = "", mask] = v!.text.split("/");
        const n = num(m);
        const k = mask === undefined ? undefined : num(mask);
        if (!Number.isInteger(n) || n > 0xffffffff || (k !== undefined && !(Number.isInteger(k) && k <= 0xffffffff))) {
          return bad(v!.pos, `invalid rule fwmark '${v!.text}'`);
        }
        r.fwmark = n;
        if (k !== undefined) r.fwmask = k;
        break;
      }
      case "table":
      case "lookup": {
        const n = TABLES[v!.text] ?? num(v!.text);
        if (!Number.isInteger(n) || n < 1 || n > 4294967295) return bad(v!.pos, `table ${v!.text} is not valid`);
        delete r.action; // the last action given wins
        r.table = n;
        break;
      }
      case "not":
        r.invert = true;
        break;
      case "blackhole":
      case "unreachable":
      case "prohibit":
        r.action = opt;
        delete r.table;
        break;
      default:
        if (IGNORED_VALUE.includes(opt)) {
          diags.warn(t.pos, `rule option '${opt} ${v!.text}' is not supported by vigil; ignored`);
        } else if (IGNORED_FLAGS.includes(opt)) {
          diags.warn(t.pos, `rule option '${opt}' is not supported by vigil; ignored`);
        } else {
          return bad(t.pos, `unknown rule option '${opt}'${didYouMean(opt, KNOWN)}`);
        }
    }
  }
  if (r.action === undefined && r.table === undefined) return bad(first.pos, "no action specified for rule (table N, blackhole, unreachable or prohibit)");
  const family = r.family ?? 4;
  if (r.priority === undefined) {
    r.priority = prefs[family]--;
    diags.advise(first.pos, `rule has no preference: ${r.priority}, as keepalived sets it (probably not what you want)`);
  }
  return { ...r, family } as VirtualRule;
}

/** A rule as keepalived.conf (and TOML) writes it; reads back to the same model. */
export function ruleLine(r: VirtualRule): string {
  const w: string[] = [];
  if (r.invert) w.push("not");
  if (r.from !== undefined) w.push("from", r.from);
  if (r.to !== undefined) w.push("to", r.to);
  if (r.from === undefined && r.to === undefined && r.family === 6) w.push("from", "::/0");
  if (r.iif !== undefined) w.push("iif", r.iif);
  if (r.oif !== undefined) w.push("oif", r.oif);
  if (r.fwmark !== undefined) w.push("fwmark", r.fwmask !== undefined ? `0x${r.fwmark.toString(16)}/0x${r.fwmask.toString(16)}` : `0x${r.fwmark.toString(16)}`);
  if (r.priority !== undefined) w.push("preference", String(r.priority));
  if (r.action === "table" || r.action === undefined) w.push("table", String(r.table ?? 254));
  else w.push(r.action);
  return w.join(" ");
}
