// The one keyword table of the config: one descriptor per keyword (keepalived.conf section, how its
// arguments are read, range and keepalived's default, what vigil does with it, its TOML key, its
// notify kind, how the model writes it back). The keepalived.conf reader, the TOML reader, both
// `vigil convert` directions, validation and `vigil convert --keywords` are driven from here.
// Adding a keyword = one descriptor (and, for a new kind of value, one reader case).

import type { VigilConfig } from "./schema.ts";
import type { Keyword } from "./keywords-base.ts";
import { GLOBAL_KEYWORDS, TOP_KEYWORDS } from "./keywords-global.ts";
import { INSTANCE_KEYWORDS } from "./keywords-instance.ts";
import { SCRIPT_KEYWORDS, SYNC_GROUP_KEYWORDS, TRACK_FILE_KEYWORDS, TRACK_PROCESS_KEYWORDS } from "./keywords-track.ts";
import { GARP_GROUP_KEYWORDS } from "./keywords-garp.ts";

export * from "./keywords-base.ts";

/** Every descriptor; keepalived's vrrp_track_file block shares track_file's. */
export const KEYWORDS: readonly Keyword<never>[] = [
  ...TOP_KEYWORDS,
  ...GLOBAL_KEYWORDS,
  ...INSTANCE_KEYWORDS,
  ...SCRIPT_KEYWORDS,
  ...SYNC_GROUP_KEYWORDS,
  ...TRACK_FILE_KEYWORDS,
  ...TRACK_PROCESS_KEYWORDS,
  ...GARP_GROUP_KEYWORDS,
] as Keyword<never>[];

/** The TOML table each keepalived section is written as ([global], [[instance]], …). */
export const TOML_TABLE: Record<string, string> = {
  global_defs: "global",
  vrrp_instance: "instance",
  "vrrp_instance.authentication": "instance",
  vrrp_script: "vrrp_script",
  vrrp_sync_group: "vrrp_sync_group",
  track_file: "vrrp_track_file",
  vrrp_track_process: "vrrp_track_process",
  garp_group: "garp_group",
};

const bySection = new Map<string, Map<string, Keyword<never>>>();
for (const k of KEYWORDS) {
  if (!k.name) continue;
  const m = bySection.get(k.section) ?? new Map<string, Keyword<never>>();
  if (m.has(k.name)) throw new Error(`keyword table: ${k.section} ${k.name} twice`);
  m.set(k.name, k);
  bySection.set(k.section, m);
}

/** The descriptor of a keepalived keyword in a section (vrrp_track_file reads as track_file). */
export function keyword(section: string, name: string): Keyword<never> | undefined {
  return bySection.get(section === "vrrp_track_file" ? "track_file" : section)?.get(name);
}

/** keepalived keywords of a section, for "did you mean". */
export function keywordNames(section: string): string[] {
  return [...(bySection.get(section)?.keys() ?? [])];
}

/** TOML keys of one TOML table (besides `name`). */
export function tomlKeys(table: string): string[] {
  return KEYWORDS.filter((k) => k.toml && k.section !== "top" && TOML_TABLE[k.section] === table).map((k) => k.toml!);
}

/** The descriptor behind a TOML key of a TOML table. */
export function tomlKeyword(table: string, key: string): Keyword<never> | undefined {
  return KEYWORDS.find((k) => k.toml === key && k.section !== "top" && TOML_TABLE[k.section] === table);
}

/** The value of a section's descriptor field, for validation (range, default). */
export function spec(section: string, name: string): Keyword<never> {
  const k = keyword(section, name);
  if (!k) throw new Error(`keyword table: no ${section} ${name}`);
  return k;
}

export type { VigilConfig };
