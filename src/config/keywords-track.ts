// vrrp_script, vrrp_sync_group, track_file and vrrp_track_process keywords. Order = the order
// `vigil convert` writes.

import type { ScriptConfig, SyncGroupConfig, TrackFileConfig, TrackProcessConfig } from "./schema.ts";
import { QUORUM_MAX_UNLIMITED } from "./schema.ts";
import { ignored, type Keyword, NOTIFY, secs } from "./keywords-base.ts";

export const SCRIPT_KEYWORDS: Keyword<ScriptConfig>[] = [
  { name: "script", section: "vrrp_script", does: "read", arg: "command", field: "script", toml: "script", emit: (s) => s.script },
  {
    name: "interval",
    section: "vrrp_script",
    does: "read",
    arg: "number",
    field: "intervalSec",
    toml: "interval",
    range: [0, 86400],
    dflt: 1,
    emit: (s) => Number(secs(s.intervalMs, 1000)),
  },
  {
    name: "timeout",
    section: "vrrp_script",
    does: "read",
    arg: "number",
    field: "timeoutSec",
    toml: "timeout",
    range: [0, 86400],
    keepalived: "default: the interval",
    emit: (s) => (s.timeoutMs === s.intervalMs ? undefined : Number(secs(s.timeoutMs, 1000))),
  },
  {
    name: "weight",
    section: "vrrp_script",
    does: "read",
    arg: "weight",
    field: "weight",
    toml: "weight",
    range: [-253, 253],
    dflt: 0,
    keepalived: "N [reverse]",
    emit: (s) => s.weight || (s.reverse ? 0 : undefined),
  },
  { name: "", section: "vrrp_script", does: "read", arg: "flag", field: "reverse", toml: "reverse", partOf: "weight", emit: (s) => s.reverse || undefined },
  {
    name: "rise",
    section: "vrrp_script",
    does: "read",
    arg: "int",
    field: "rise",
    toml: "rise",
    range: [1, 1000000],
    dflt: 1,
    emit: (s) => (s.rise === 1 ? undefined : s.rise),
  },
  {
    name: "fall",
    section: "vrrp_script",
    does: "read",
    arg: "int",
    field: "fall",
    toml: "fall",
    range: [1, 1000000],
    dflt: 1,
    emit: (s) => (s.fall === 1 ? undefined : s.fall),
  },
  { name: "user", section: "vrrp_script", does: "read", arg: "special", field: "user", toml: "user", keepalived: "USER [GROUP]", emit: (s) => s.user },
  { name: "", section: "vrrp_script", does: "read", arg: "string", field: "group", toml: "group", partOf: "user", emit: (s) => s.group },
  { name: "init_fail", section: "vrrp_script", does: "read", arg: "flag", field: "initFail", toml: "init_fail", emit: (s) => s.initFail || undefined },
];

export const SYNC_GROUP_KEYWORDS: Keyword<SyncGroupConfig>[] = [
  { name: "group", section: "vrrp_sync_group", does: "read", arg: "list", toml: "group", emit: (g) => g.instances },
  ...NOTIFY.map(([name, key]): Keyword<SyncGroupConfig> => ({
    name,
    section: "vrrp_sync_group",
    does: "read",
    arg: "notify",
    notify: key,
    toml: name,
    emit: (g) => g.notify[key],
  })),
  // The group's own tracking: folded into every member instance as weight-0 tracking (keepalived's
  // vrrp_sync_group track_*: one failure puts the whole group in Fault), so it is written back there.
  ...["track_interface", "track_script", "track_file"].map((name): Keyword<SyncGroupConfig> => ({
    name,
    section: "vrrp_sync_group",
    does: "read",
    arg: "list",
    keepalived: "every member tracks it with weight 0 (weights need sync_group_tracking_weight)",
  })),
  ...ignored(
    "vrrp_sync_group",
    `track_process track_bfd
  notify_priority_changes smtp_alert global_tracking sync_group_tracking_weight`,
  ),
];

export const TRACK_FILE_KEYWORDS: Keyword<TrackFileConfig>[] = [
  { name: "file", section: "track_file", does: "read", arg: "string", field: "file", toml: "file", emit: (t) => t.file },
  {
    name: "weight",
    section: "track_file",
    does: "read",
    arg: "weight",
    field: "weight",
    toml: "weight",
    range: [-2147483647, 2147483647],
    dflt: 1,
    keepalived: "N [reverse]",
    emit: (t) => (t.weight === 1 && !t.reverse ? undefined : t.weight),
  },
  { name: "", section: "track_file", does: "read", arg: "flag", field: "reverse", toml: "reverse", partOf: "weight", emit: (t) => t.reverse || undefined },
  ...ignored("track_file", "init_file"),
];

const P = "vrrp_track_process" as const;
const ms = (n: number) => Number(secs(n, 1000));
const implied = (t: TrackProcessConfig) => t.params.length > 0;

export const TRACK_PROCESS_KEYWORDS: Keyword<TrackProcessConfig>[] = [
  {
    name: "process",
    section: P,
    does: "read",
    arg: "special",
    field: "process",
    toml: "process",
    keepalived: "NAME [PARAMETER…]; parameters imply param_match and full_command",
    emit: (t) => t.process,
  },
  // The parameters: their own key in TOML, the words after the name in keepalived.conf.
  { name: "", section: P, does: "read", arg: "special", field: "params", toml: "params", partOf: "process", emit: (t) => (implied(t) ? t.params : undefined) },
  {
    name: "param_match",
    section: P,
    does: "read",
    arg: "special",
    field: "paramMatch",
    toml: "param_match",
    keepalived: "bare: exact; initial or partial",
    // `true` is keepalived's bare param_match (exact); implied by parameters.
    emit: (t) => (t.paramMatch === "none" || (t.paramMatch === "exact" && implied(t)) ? undefined : t.paramMatch === "exact" ? true : t.paramMatch),
  },
  {
    name: "full_command",
    section: P,
    does: "read",
    arg: "flag",
    field: "fullCommand",
    toml: "full_command",
    emit: (t) => (t.fullCommand && !implied(t) && t.paramMatch === "none" ? true : undefined),
  },
  {
    name: "weight",
    section: P,
    does: "read",
    arg: "weight",
    field: "weight",
    toml: "weight",
    range: [-254, 254],
    dflt: 0,
    keepalived: "N [reverse]",
    emit: (t) => t.weight || (t.reverse ? 0 : undefined),
  },
  { name: "", section: P, does: "read", arg: "flag", field: "reverse", toml: "reverse", partOf: "weight", emit: (t) => t.reverse || undefined },
  {
    name: "quorum",
    section: P,
    does: "read",
    arg: "int",
    field: "quorum",
    toml: "quorum",
    range: [1, 65535],
    dflt: 1,
    emit: (t) => (t.quorum === 1 || t.quorumMax === 0 ? undefined : t.quorum),
  },
  {
    name: "quorum_max",
    section: P,
    does: "read",
    arg: "int",
    field: "quorumMax",
    toml: "quorum_max",
    range: [0, 65535],
    keepalived: "default unlimited; 0: good while none runs",
    emit: (t) => (t.quorumMax === QUORUM_MAX_UNLIMITED ? undefined : t.quorumMax),
  },
  {
    name: "delay",
    section: P,
    does: "read",
    arg: "number",
    field: "delaySec",
    toml: "delay",
    range: [0.000001, 3600],
    keepalived: "sets terminate_delay and fork_delay",
    emit: (t) => (t.forkDelayMs > 0 && t.forkDelayMs === t.terminateDelayMs ? ms(t.forkDelayMs) : undefined),
  },
  {
    name: "terminate_delay",
    section: P,
    does: "read",
    arg: "number",
    field: "terminateDelaySec",
    toml: "terminate_delay",
    range: [0.000001, 3600],
    emit: (t) => (t.terminateDelayMs > 0 && t.forkDelayMs !== t.terminateDelayMs ? ms(t.terminateDelayMs) : undefined),
  },
  {
    name: "fork_delay",
    section: P,
    does: "read",
    arg: "number",
    field: "forkDelaySec",
    toml: "fork_delay",
    range: [0.000001, 3600],
    emit: (t) => (t.forkDelayMs > 0 && t.forkDelayMs !== t.terminateDelayMs ? ms(t.forkDelayMs) : undefined),
  },
];
