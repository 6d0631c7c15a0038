// Types and small helpers of the keyword table (keywords.ts); kept apart so the per-section tables
// can share them without an import cycle.

import type { NotifyDraft } from "./draft.ts";
import type { VigilConfig, VirtualAddress, VirtualRoute } from "./schema.ts";
import { realmsText, routeOptionsText } from "./route-options.ts";

/** keepalived.conf sections: "top" is the file's top level; "a.b" a block b inside a. */
export type Section =
  | "top"
  | "global_defs"
  | "vrrp_instance"
  | "vrrp_instance.authentication"
  | "vrrp_script"
  | "vrrp_sync_group"
  | "track_file"
  | "vrrp_track_process"
  | "garp_group";

/**
 * read: into the model and acted on. pending: into the model, not acted on yet (one warning per
 * use). ignored: keepalived knows it, vigil has no use for it (warning). skipped: a whole top-level
 * section vigil does not do (warning). mail: SMTP settings (one warning per global_defs).
 */
export type Does = "read" | "pending" | "ignored" | "skipped" | "mail";

/**
 * How a keyword's value is written. string/int/number: one value. flag: no value, means true
 * (`negation` names its opposite). noflag: no value, sets the field to false (nopreempt, no_accept).
 * bool: keepalived <BOOL> (on|off|true|false|yes|no, bare = true). notify: "SCRIPT [user]".
 * command: the rest of the line as a command. weight: "N [reverse]". list: a block of lines.
 * block: a section. special: read by the section reader's own code.
 */
export type Arg = "string" | "int" | "number" | "flag" | "noflag" | "bool" | "notify" | "command" | "weight" | "list" | "block" | "special";

/** A value as the model writes it back: one word or number, a flag, or list lines. */
export type Emitted = string | number | boolean | string[];

export interface Keyword<M = unknown> {
  /** keepalived keyword; "" for a vigil-only TOML key. */
  name: string;
  section: Section;
  does: Does;
  /** Why it is skipped or ignored (in the warning). */
  why?: string;
  /** Appended to a pending keyword's "read but not acted on" warning. */
  note?: string;
  arg?: Arg;
  /** Draft field a generic read fills (draft.ts). */
  field?: string;
  /** Accepted range; outside it keepalived falls back (see `keepalived`), vigil's TOML refuses. */
  range?: readonly [number, number];
  /** Default when absent (keepalived's). */
  dflt?: number | string | boolean;
  /** keepalived's own handling, in words (docs). */
  keepalived?: string;
  /** Key in vigil's TOML table for this section; absent = not in TOML. */
  toml?: string;
  /**
   * A vigil-only TOML key (name "") written in keepalived.conf as an extra word of this keyword's
   * line: `script_group` → `script_user USER GROUP`.
   */
  partOf?: string;
  /** The keepalived word a `true` partOf flag writes (default: its TOML key). */
  kaWord?: string;
  /** keepalived.conf keyword written for `false` of a flag (preempt → nopreempt). */
  negation?: string;
  notify?: keyof NotifyDraft;
  /** The value to write back from the model, undefined when it is the default. */
  emit?(m: M, cfg: VigilConfig): Emitted | undefined;
}

/** The notify keywords of instances and sync groups, with their NotifyDraft key (written once). */
export const NOTIFY: readonly (readonly [string, keyof NotifyDraft])[] = [
  ["notify", "any"],
  ["notify_master", "master"],
  ["notify_backup", "backup"],
  ["notify_fault", "fault"],
  ["notify_stop", "stop"],
];

export function ignored<M>(section: Section, words: string, why = "not supported by vigil"): Keyword<M>[] {
  return words
    .trim()
    .split(/\s+/)
    .map((name) => ({ name, section, does: "ignored", why }));
}

/** Seconds from ms/cs without float noise (0.1 + 0.2 style). */
export const secs = (n: number, per: number): string => String(Number((n / per).toFixed(6)));

export function vipLine(v: VirtualAddress): string {
  let s = `${v.address}/${v.prefixLength}`;
  if (v.dev) s += ` dev ${v.dev}`;
  if (v.broadcast) s += ` brd ${v.broadcast}`;
  if (v.scope) s += ` scope ${v.scope}`;
  if (v.label) s += ` label ${v.label}`;
  return s;
}

export function routeLine(r: VirtualRoute): string {
  let s = r.type && r.type !== "unicast" ? `${r.type} ${r.to}` : r.to;
  if (r.src) s += ` src ${r.src}`;
  if (r.via) s += ` via ${r.via}`;
  if (r.dev) s += ` dev ${r.dev}`;
  if (r.metric !== undefined) s += ` metric ${r.metric}`;
  if (r.table !== undefined) s += ` table ${r.table}`;
  for (const h of r.nexthops ?? []) {
    s += " nexthop";
    if (h.via) s += ` via ${h.via}`;
    if (h.dev) s += ` dev ${h.dev}`;
    if (h.weight !== undefined) s += ` weight ${h.weight}`;
    if (h.onlink) s += " onlink";
    if (h.realms !== undefined) s += ` realms ${realmsText(h.realms)}`;
  }
  const o = routeOptionsText(r.options);
  return o.length > 0 ? `${s} ${o.join(" ")}` : s;
}

/** A track_* list line: "NAME [weight N] [reverse|noreverse]" (keepalived needs a weight before reverse). */
export const trackLine = (t: { name: string; weight?: number; reverse?: boolean }, dflt?: number): string => {
  if (t.reverse === undefined) return t.weight === undefined || t.weight === dflt ? t.name : `${t.name} weight ${t.weight}`;
  if (t.weight === undefined) return t.reverse ? t.name : `${t.name} noreverse`; // unreachable from a config: reverse comes after a weight
  return `${t.name} weight ${t.weight} ${t.reverse ? "reverse" : "noreverse"}`;
};

/** A keyword's range and default as numbers (validation). */
export function limits(k: Keyword<never>): { lo: number; hi: number; dflt: number } {
  if (!k.range || typeof k.dflt !== "number") throw new Error(`keyword table: ${k.section} ${k.name} has no range/default`);
  return { lo: k.range[0], hi: k.range[1], dflt: k.dflt };
}
