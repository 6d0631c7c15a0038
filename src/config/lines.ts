// Parsers for keepalived's one-line list entries (VIPs, routes, track entries, unicast peers).
// Shared by the keepalived reader and by TOML, whose string items use the same syntax
// ("192.168.0.254/24 dev eth0 label eth0:vip").

import type { SourcePosition } from "./schema.ts";
import type { Diags } from "./diagnostics.ts";
import { didYouMean } from "./diagnostics.ts";
import { at, type Located, type RouteDraft, type TrackDraft, type VipDraft } from "./draft.ts";
import type { RouteOptions } from "./schema.ts";
import { parseRealms, parseRouteOption, ROUTE_OPTION_WORDS } from "./route-options.ts";

export interface Tok {
  text: string;
  pos: SourcePosition;
}

const INT_RE = /^[+-]?[0-9]+$/;
const NUM_RE = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/;

// keepalived warns about a value it cannot read and carries on without it (tolerate); TOML refuses.
export function parseInteger(t: Tok, what: string, diags: Diags): Located<number> | undefined {
  if (!INT_RE.test(t.text)) {
    diags.tolerate(t.pos, `${what}: expected an integer, got '${t.text}'${diags.keepalivedCompat ? "; ignored (as keepalived)" : ""}`);
    return undefined;
  }
  return at(Number(t.text), t.pos);
}

export function parseNumber(t: Tok, what: string, diags: Diags): Located<number> | undefined {
  if (!NUM_RE.test(t.text)) {
    diags.tolerate(t.pos, `${what}: expected a number, got '${t.text}'${diags.keepalivedCompat ? "; ignored (as keepalived)" : ""}`);
    return undefined;
  }
  return at(Number(t.text), t.pos);
}

const BOOLS: Record<string, boolean> = { on: true, off: false, true: true, false: false, yes: true, no: false };

/** keepalived <BOOL>: on|off|true|false|yes|no; a bare keyword means true. */
export function parseBool(kw: Tok, args: Tok[], diags: Diags): Located<boolean> | undefined {
  const a = args[0];
  if (!a) return at(true, kw.pos);
  const v = BOOLS[a.text.toLowerCase()];
  if (v === undefined) {
    diags.error(a.pos, `${kw.text}: expected on|off|true|false|yes|no, got '${a.text}'`);
    return undefined;
  }
  return at(v, kw.pos);
}

/** Splits a TOML string item into tokens with columns, for the same line parsers. */
export function splitString(text: string, pos: SourcePosition): Tok[] {
  const out: Tok[] = [];
  const re = /\S+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ text: m[0], pos: { ...pos, col: pos.col + 1 + m.index } });
  }
  return out;
}

const VIP_VALUE_OPTS = ["brd", "dev", "scope", "label"];
const VIP_IGNORED_VALUE = ["peer", "preferred_lft", "track_group"];
const VIP_IGNORED_FLAGS = ["home", "-nodad", "mngtmpaddr", "noprefixroute", "autojoin", "no_track", "use_vmac"];

export function parseVipLine(toks: Tok[], diags: Diags): VipDraft | undefined {
  const [first, ...rest] = toks;
  if (!first) return undefined;
  const vip: VipDraft = { address: at(first.text, first.pos) };
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!;
    const opt = t.text;
    if (VIP_IGNORED_FLAGS.includes(opt)) {
      diags.warn(t.pos, `virtual address option '${opt}' is not supported by vigil; ignored`);
      continue;
    }
    const valueOpt = VIP_VALUE_OPTS.includes(opt) || VIP_IGNORED_VALUE.includes(opt);
    if (!valueOpt) {
      const all = [...VIP_VALUE_OPTS, ...VIP_IGNORED_VALUE, ...VIP_IGNORED_FLAGS];
      diags.tolerate(t.pos, () => `unknown virtual address option '${opt}'${diags.keepalivedCompat ? ", ignored (as keepalived)" : ""}${didYouMean(opt, all)}`);
      // Most likely a misspelt "option value": skip the value too rather than report it again.
      if (rest[i + 1] && !all.includes(rest[i + 1]!.text)) i++;
      continue;
    }
    const v = rest[++i];
    if (!v) {
      diags.error(t.pos, `virtual address option '${opt}' needs a value`);
      break;
    }
    if (VIP_IGNORED_VALUE.includes(opt)) {
      diags.warn(t.pos, `virtual address option '${opt} ${v.text}' is not supported by vigil; ignored`);
      continue;
    }
    const key = opt as "brd" | "dev" | "scope" | "label";
    vip[key] = at(v.text, v.pos);
  }
  return vip;
}

// keepalived 2.2.7 reads every RTN_* name (observed: it installs unicast, multicast and throw
// routes; the kernel refuses local, broadcast, anycast and nat given this way, as it does vigil's).
const ROUTE_TYPES = ["unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat"];
// vrf: vigil does not look up a VRF's table; track_group: vigil has no static track groups.
const ROUTE_IGNORED_VALUE = ["vrf", "track_group", "type"];
const ROUTE_IGNORED_FLAGS: string[] = [];
const ROUTE_TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };

const skipped = (diags: Diags) => (diags.keepalivedCompat ? "; route skipped (as keepalived)" : "");
const RTPROT_KEEPALIVED = 18;

/**
 * One route line as keepalived's alloc_route reads it: `[TYPE] [to] PREFIX [src A] [via A] [dev D]
 * [metric N] [table T] [nexthop via A dev D weight W …]`, TYPE one of ROUTE_TYPES, and the options of route-options.ts. A line keepalived refuses (unknown option,
 * a value it cannot read) is skipped with a warning.
 */
export function parseRouteLine(toks: Tok[], diags: Diags): RouteDraft | undefined {
  let to: Tok | undefined;
  const r: Partial<RouteDraft> = {};
  const o: RouteOptions = {};
  const first = toks[0];
  if (!first) return undefined;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.text === "inet" || t.text === "inet6") r.inet = at(t.text === "inet" ? 4 : 6, t.pos);
    const opt = parseRouteOption(toks, i, o, diags);
    if (opt === "skip") return undefined;
    if (opt !== undefined) {
      i = opt;
      continue;
    }
    const next = toks[i + 1];
    const needValue = (): Tok | undefined => {
      if (!next) diags.error(t.pos, `route option '${t.text}' needs a value`);
      i++;
      return next;
    };
    switch (t.text) {
      case "src":
      case "via":
      case "gw":
      case "dev": {
        const v = needValue();
        if (v) r[t.text === "gw" ? "via" : (t.text as "src" | "via" | "dev")] = at(v.text, v.pos);
        break;
      }
      case "to": {
        const v = needValue();
        if (v) to = v;
        break;
      }
      case "table": {
        const v = needValue();
        if (!v) break;
        if (v.text in ROUTE_TABLES) r.table = at(ROUTE_TABLES[v.text]!, v.pos);
        else r.table = parseInteger(v, "route table", diags);
        break;
      }
      case "metric":
      case "priority":
      case "preference": {
        const v = needValue();
        if (v) r.metric = parseInteger(v, `route ${t.text}`, diags);
        break;
      }
      case "nexthop": {
        // nexthop [via A] [dev D] [weight W] [onlink] [realms R] … up to the next `nexthop`.
        const hop: NonNullable<RouteDraft["nexthops"]>[number] = {};
        while (toks[i + 1] && toks[i + 1]!.text !== "nexthop") {
          const w = toks[++i]!;
          if (w.text === "onlink") {
            hop.onlink = true;
            continue;
          }
          const v = toks[++i];
          if (!v) {
            diags.tolerate(w.pos, `nexthop option '${w.text}' needs a value${skipped(diags)}`);
            return undefined;
          }
          if (w.text === "via" || w.text === "gw") hop.via = at(v.text, v.pos);
          else if (w.text === "dev") hop.dev = at(v.text, v.pos);
          else if (w.text === "weight") hop.weight = parseInteger(v, "nexthop weight", diags);
          else if (w.text === "realms") {
            const n = parseRealms(v.text);
            if (Number.isNaN(n)) {
              diags.tolerate(v.pos, `invalid nexthop realms '${v.text}'${skipped(diags)}`);
              return undefined;
            }
            hop.realms = n;
          } else {
            diags.tolerate(w.pos, `unknown nexthop option '${w.text}'${skipped(diags)}`);
            return undefined;
          }
        }
        (r.nexthops ??= []).push(hop);
        break;
      }
      case "or": {
        // keepalived's deprecated multipath form `via A or B`: one hop per gateway, the dev on each.
        const v = needValue();
        if (!v) return undefined;
        diags.advise(t.pos, `'or' for routes is deprecated (as keepalived says): read as 'nexthop via … nexthop via ${v.text}'`);
        if (!r.nexthops) {
          r.nexthops = [{ ...(r.via && { via: r.via }), ...(r.dev && { dev: r.dev }) }];
          delete r.via;
        }
        r.nexthops.push({ via: at(v.text, v.pos), ...(r.dev && { dev: r.dev }) });
        break;
      }
      default:
        if (ROUTE_TYPES.includes(t.text) && !r.type) {
          r.type = at(t.text as NonNullable<RouteDraft["type"]>["value"], t.pos);
          break;
        }
        if (ROUTE_IGNORED_FLAGS.includes(t.text)) {
          diags.warn(t.pos, `route option '${t.text}' is not supported by vigil; ignored`);
        } else if (ROUTE_IGNORED_VALUE.includes(t.text)) {
          const v = needValue();
          diags.warn(t.pos, `route option '${t.text}${v ? " " + v.text : ""}' is not supported by vigil; ignored`);
        } else if (!to && (/[.:]/.test(t.text) || t.text === "default")) {
          to = t;
        } else {
          // keepalived: "unknown route keyword …", the route is not added.
          const opts = ["src", "to", "via", "gw", "dev", "table", "metric", "nexthop", ...ROUTE_TYPES, ...ROUTE_OPTION_WORDS, ...ROUTE_IGNORED_VALUE];
          diags.tolerate(t.pos, () => `unknown route option '${t.text}'${didYouMean(t.text, opts)}${skipped(diags)}`);
          return undefined;
        }
    }
  }
  if (!to) {
    diags.error(first.pos, "route has no destination prefix");
    return undefined;
  }
  if (o.protocol !== undefined && o.protocol !== RTPROT_KEEPALIVED && !o.noTrack) {
    diags.warn(first.pos, `route protocol ${o.protocol} without no_track: reset to keepalived (18), as keepalived does for a route it tracks`);
    delete o.protocol;
  }
  if (o.protocol === RTPROT_KEEPALIVED) delete o.protocol; // the default
  return { ...r, ...(Object.keys(o).length > 0 && { options: o }), to: at(to.text, to.pos) };
}

/** "NAME [weight N] [reverse|noreverse|no_reverse]" for track_interface / track_script / track_file. */
export function parseTrackLine(toks: Tok[], what: string, diags: Diags): TrackDraft | undefined {
  const [name, ...rest] = toks;
  if (!name) return undefined;
  const d: TrackDraft = { name: at(name.text, name.pos) };
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!;
    if (t.text === "weight") {
      const v = rest[++i];
      if (!v) diags.error(t.pos, `${what} ${name.text}: 'weight' needs a value`);
      else d.weight = parseInteger(v, `${what} ${name.text} weight`, diags);
    } else if (t.text === "reverse") {
      d.reverse = at(true, t.pos);
    } else if (t.text === "noreverse" || t.text === "no_reverse") {
      d.reverse = at(false, t.pos);
    } else {
      diags.error(t.pos, `${what} ${name.text}: unexpected '${t.text}'${didYouMean(t.text, ["weight", "reverse"])}`);
    }
  }
  return d;
}

/** "ADDR [min_ttl N] [max_ttl N]" in unicast_peer. */
export function parsePeerLine(toks: Tok[], diags: Diags): Located<string> | undefined {
  const [addr, ...rest] = toks;
  if (!addr) return undefined;
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!;
    if (t.text === "min_ttl" || t.text === "max_ttl") {
      diags.warn(t.pos, `unicast_peer option '${t.text}' is not supported by vigil; ignored`);
      i++;
    } else diags.error(t.pos, `unicast_peer: unexpected '${t.text}'${didYouMean(t.text, ["min_ttl", "max_ttl"])}`);
  }
  return at(addr.text, addr.pos);
}
