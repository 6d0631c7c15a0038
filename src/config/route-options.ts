// The options of a keepalived route line beyond destination, gateway, device, metric, table and type
// (virtual_routes, static_routes), read as keepalived 2.2.7 reads them — observed with keepalived in
// a namespace, `ip -d route show table all` after it started:
// - `scope NAME|N`, `tos|dsfield N` (0–255), `realms [FROM/]TO`, `protocol NAME|N` (kept only with
//   `no_track`: keepalived resets it to 18 on a route it tracks, with a warning), `no_track`,
//   `onlink`, `append`, `inet`/`inet6` (the line's family);
// - metrics `mtu advmss reordering window cwnd ssthresh initcwnd initrwnd hoplimit`, `quickack 0|1`,
//   `fastopen_no_cookie 0|1`, `features ecn`, `congctl [lock] NAME`; `lock` before the value of
//   mtu, advmss, rtt, rttvar, rto_min, reordering, cwnd, ssthresh (keepalived refuses it elsewhere);
// - `rtt`, `rttvar`, `rto_min` as times: "2s", "300ms", or a bare number in the kernel's own unit
//   (rtt: 1/8 ms, rttvar: 1/4 ms, rto_min: ms); keepalived raises anything under 200 ms to 200 ms;
// - `pref low|medium|high` and `expires N` are IPv6 only (checked with the family in validation).
// A value keepalived refuses drops the whole route (keepalived logs it and adds nothing).
import type { Diags } from "./diagnostics.ts";
import type { Tok } from "./lines.ts";
import type { RouteMetric, RouteOptions } from "./schema.ts";

/** rt_scopes names, as iproute2's table. */
export const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
/** rt_protos names, as iproute2's table (keepalived reads the same file). */
export const PROTOCOLS: Record<string, number> = {
  unspec: 0,
  redirect: 1,
  kernel: 2,
  boot: 3,
  static: 4,
  gated: 8,
  ra: 9,
  mrt: 10,
  zebra: 11,
  bird: 12,
  dnrouted: 13,
  xorp: 14,
  ntk: 15,
  dhcp: 16,
  keepalived: 18,
  babel: 42,
  openr: 99,
  bgp: 186,
  isis: 187,
  ospf: 188,
  rip: 189,
  eigrp: 192,
};

/** Plain integer metrics, with their largest value; `lock` allowed or not (as keepalived). */
const PLAIN: Partial<Record<RouteMetric, { max: number; lock: boolean }>> = {
  mtu: { max: 0xffffffff, lock: true },
  advmss: { max: 0xffffffff, lock: true },
  reordering: { max: 0xffffffff, lock: true },
  window: { max: 0xffffffff, lock: false },
  cwnd: { max: 0xffffffff, lock: true },
  ssthresh: { max: 0xffffffff, lock: true },
  initcwnd: { max: 0xffffffff, lock: false },
  initrwnd: { max: 0xffffffff, lock: false },
  hoplimit: { max: 255, lock: false },
  quickack: { max: 1, lock: false },
  fastopen_no_cookie: { max: 1, lock: false },
};
/** Times: the bare number's unit in ms (the kernel's unit). */
const TIMES: Partial<Record<RouteMetric, number>> = { rtt: 1 / 8, rttvar: 1 / 4, rto_min: 1 };
/** keepalived raises a route time below this (TCP's minimum RTO). */
export const ROUTE_TIME_MIN_MS = 200;

export const ROUTE_OPTION_WORDS = [
  "scope",
  "tos",
  "dsfield",
  "realms",
  "protocol",
  "proto",
  "no_track",
  "onlink",
  "append",
  "inet",
  "inet6",
  "features",
  "congctl",
  "pref",
  "expires",
  ...Object.keys(PLAIN),
  ...Object.keys(TIMES),
];

const uint = (s: string): number => (/^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : NaN);

/** `[FROM/]TO`, each 0–65535: RTA_FLOW / FRA_FLOW. NaN when invalid. */
export function parseRealms(s: string): number {
  const parts = s.split("/");
  if (parts.length > 2) return NaN;
  const [a, b] = parts.length === 2 ? [uint(parts[0]!), uint(parts[1]!)] : [0, uint(parts[0]!)];
  if (!(a! <= 0xffff && b! <= 0xffff)) return NaN;
  return ((a! << 16) | b!) >>> 0;
}

export function realmsText(v: number): string {
  const from = v >>> 16;
  const to = v & 0xffff;
  return from ? `${from}/${to}` : String(to);
}

/** A route time in ms, as keepalived reads it; NaN when invalid. */
function parseTime(s: string, bareUnitMs: number): number {
  const m = /^(\d+(?:\.\d+)?)(s|sec|secs|ms|msec|msecs)?$/.exec(s);
  if (!m) return NaN;
  const n = Number(m[1]);
  if (!m[2]) return Number.isInteger(n) ? n * bareUnitMs : NaN; // keepalived: "too many decimal places"
  const ms = m[2].startsWith("m") ? n : n * 1000;
  return Number.isInteger(ms) ? ms : NaN;
}

/**
 * Reads the option at toks[i] into `o`. Returns the index of its last token, "skip" when keepalived
 * would drop the route (reported), or undefined when toks[i] is not one of these options.
 */
export function parseRouteOption(toks: Tok[], i: number, o: RouteOptions, diags: Diags): number | "skip" | undefined {
  const t = toks[i]!;
  const word = t.text;
  const skipped = diags.keepalivedCompat ? "; route skipped (as keepalived)" : "";
  const bad = (msg: string, at: Tok = t): "skip" => (diags.tolerate(at.pos, `${msg}${skipped}`), "skip");
  const value = (): Tok | undefined => toks[i + 1];
  switch (word) {
    case "no_track":
      o.noTrack = true;
      return i;
    case "onlink":
      o.onlink = true;
      return i;
    case "append":
      o.append = true;
      return i;
    case "inet":
    case "inet6":
      return i; // the family check is done with the destination (validate-instance.ts route())
  }
  if (!ROUTE_OPTION_WORDS.includes(word)) return undefined;
  let v = value();
  if (!v) return bad(`route option '${word}' needs a value`);
  let at = i + 1;
  switch (word) {
    case "scope": {
      const n = SCOPES[v.text] ?? uint(v.text);
      if (!(n <= 255)) return bad(`invalid route scope '${v.text}'`, v);
      o.scope = n;
      return at;
    }
    case "tos":
    case "dsfield": {
      const n = uint(v.text);
      if (!(n <= 255)) return bad(`TOS value ${v.text} is invalid (as keepalived)`, v);
      o.tos = n;
      return at;
    }
    case "realms": {
      const n = parseRealms(v.text);
      if (Number.isNaN(n)) return bad(`invalid realms ${v.text} for route`, v);
      o.realms = n;
      return at;
    }
    case "protocol":
    case "proto": {
      const n = PROTOCOLS[v.text] ?? uint(v.text);
      if (!(n <= 255)) return bad(`protocol ${v.text} not found or invalid for route`, v);
      o.protocol = n;
      return at;
    }
    case "features":
      if (v.text !== "ecn") return bad(`unknown route feature '${v.text}' (keepalived knows ecn)`, v);
      o.ecn = true;
      return at;
    case "pref":
      if (!["low", "medium", "high"].includes(v.text)) return bad(`invalid route pref '${v.text}' (low, medium or high)`, v);
      o.pref = v.text as "low" | "medium" | "high";
      return at;
    case "expires": {
      const n = uint(v.text);
      if (!(n <= 0xffffffff)) return bad(`invalid route expires '${v.text}'`, v);
      o.expires = n;
      return at;
    }
  }
  // Metrics, with an optional `lock` first.
  const lock = v.text === "lock";
  if (lock) {
    v = toks[++at];
    if (!v) return bad(`route option '${word} lock' needs a value`);
  }
  if (word === "congctl") {
    if (!/^[a-z0-9_]{1,15}$/i.test(v.text)) return bad(`invalid congctl '${v.text}'`, v);
    o.congctl = v.text;
    if (lock) (o.locked ??= []).push("congctl");
    return at;
  }
  const metric = word as RouteMetric;
  const unit = TIMES[metric];
  let n: number;
  if (unit !== undefined) {
    n = parseTime(v.text, unit);
    if (Number.isNaN(n)) return bad(`invalid ${word} '${v.text}' for route`, v);
    if (n < ROUTE_TIME_MIN_MS) {
      diags.warn(v.pos, `${word} ${v.text} is below the minimum ${ROUTE_TIME_MIN_MS}ms: ${ROUTE_TIME_MIN_MS}ms (as keepalived)`);
      n = ROUTE_TIME_MIN_MS;
    }
  } else {
    const spec = PLAIN[metric]!;
    if (lock && !spec.lock) return bad(`'lock' is not accepted for ${word} (keepalived: "Invalid ${word} value lock")`, v);
    n = uint(v.text);
    if (!(n <= spec.max)) return bad(`invalid ${word} value ${v.text} specified for route`, v);
  }
  (o.metrics ??= {})[metric] = n;
  if (lock) (o.locked ??= []).push(metric);
  return at;
}

/** The options as keepalived.conf (and TOML) writes them; reads back to the same model. */
export function routeOptionsText(o: RouteOptions | undefined): string[] {
  if (!o) return [];
  const w: string[] = [];
  const locked = new Set(o.locked ?? []);
  if (o.scope !== undefined) w.push("scope", Object.keys(SCOPES).find((k) => k !== "universe" && SCOPES[k] === o.scope) ?? String(o.scope));
  if (o.tos !== undefined) w.push("tos", `0x${o.tos.toString(16)}`);
  if (o.realms !== undefined) w.push("realms", realmsText(o.realms));
  if (o.protocol !== undefined) w.push("protocol", Object.keys(PROTOCOLS).find((k) => PROTOCOLS[k] === o.protocol) ?? String(o.protocol));
  for (const [k, n] of Object.entries(o.metrics ?? {}) as [RouteMetric, number][]) {
    w.push(k, ...(locked.has(k) ? ["lock"] : []), TIMES[k] !== undefined ? `${n}ms` : String(n));
  }
  if (o.congctl !== undefined) w.push("congctl", ...(locked.has("congctl") ? ["lock"] : []), o.congctl);
  if (o.ecn) w.push("features", "ecn");
  if (o.pref !== undefined) w.push("pref", o.pref);
  if (o.expires !== undefined) w.push("expires", String(o.expires));
  if (o.onlink) w.push("onlink");
  if (o.append) w.push("append");
  if (o.noTrack) w.push("no_track");
  return w;
}
