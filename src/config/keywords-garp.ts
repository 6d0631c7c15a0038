// keepalived's garp_group block (GARP/NA pacing per interface or group of interfaces) and the
// garp_extra_if keywords. Order = the order `vigil convert` writes.

import type { GarpGroupConfig, InstanceConfig } from "./schema.ts";
import { type Keyword, secs } from "./keywords-base.ts";

const G = "garp_group" as const;

export const GARP_GROUP_KEYWORDS: Keyword<GarpGroupConfig>[] = [
  {
    name: "garp_interval",
    section: G,
    does: "read",
    arg: "number",
    field: "garpIntervalSec",
    toml: "garp_interval",
    range: [0, 2147],
    keepalived: "seconds, µs resolution (vigil: ms); over the global vrrp_garp_interval for these interfaces",
    emit: (g) => (g.garpIntervalMs !== undefined ? Number(secs(g.garpIntervalMs, 1000)) : undefined),
  },
  {
    name: "gna_interval",
    section: G,
    does: "read",
    arg: "number",
    field: "gnaIntervalSec",
    toml: "gna_interval",
    range: [0, 2147],
    keepalived: "seconds, µs resolution (vigil: ms); over the global vrrp_gna_interval for these interfaces",
    emit: (g) => (g.gnaIntervalMs !== undefined ? Number(secs(g.gnaIntervalMs, 1000)) : undefined),
  },
  {
    name: "interface",
    section: G,
    does: "read",
    arg: "string",
    field: "interface",
    toml: "interface",
    keepalived: "one interface; or interfaces { … } for several behind one switch",
    emit: (g) => (g.list ? undefined : g.interfaces[0]),
  },
  { name: "interfaces", section: G, does: "read", arg: "list", toml: "interfaces", emit: (g) => (g.list ? g.interfaces : undefined) },
];

const I = "vrrp_instance" as const;

/** garp_extra_if and its deprecated name; the `all` word is its own TOML key. */
export const GARP_EXTRA_IF_KEYWORDS: Keyword<InstanceConfig>[] = [
  {
    name: "garp_extra_if",
    section: I,
    does: "read",
    arg: "special",
    field: "garpExtraIfSec",
    toml: "garp_extra_if",
    range: [0, 86400],
    keepalived: "garp_extra_if [all] SECONDS; default: global vrrp_garp_extra_if; 0 = off",
    emit: (i) => i.garpExtraIf?.intervalSec,
  },
  {
    name: "",
    section: I,
    does: "read",
    arg: "bool",
    field: "garpExtraIfAll",
    toml: "garp_extra_if_all",
    partOf: "garp_extra_if",
    kaWord: "all",
    emit: (i) => i.garpExtraIf?.all || undefined,
  },
  { name: "vmac_garp_intvl", section: I, does: "read", arg: "special", field: "garpExtraIfSec", keepalived: "deprecated name of garp_extra_if" },
];
