// The reader-neutral intermediate form: what a file said, with a position for every value.
// keepalived.ts and toml.ts fill drafts (syntax, types, known keywords); validate.ts turns them into
// the model (ranges, cross-references, defaults), so both formats share one set of rules.

import type { RouteOptions, SourcePosition, VirtualRule } from "./schema.ts";
import type { RulePrefs } from "./keepalived-rules.ts";

export interface Located<T> {
  value: T;
  pos: SourcePosition;
}

export function at<T>(value: T, pos: SourcePosition): Located<T> {
  return { value, pos };
}

/** One virtual_ipaddress entry, options already split ("192.168.0.254/24 dev eth0 label eth0:1"). */
export interface VipDraft {
  address: Located<string>; // "ADDR[/LEN]" as written
  brd?: Located<string>;
  dev?: Located<string>;
  scope?: Located<string>;
  label?: Located<string>;
}

export interface RouteDraft {
  to: Located<string>;
  via?: Located<string>;
  dev?: Located<string>;
  src?: Located<string>;
  metric?: Located<number>;
  table?: Located<number>;
  /** The route type word (unicast, local, broadcast, anycast, multicast, blackhole, unreachable, prohibit, throw, nat). */
  type?: Located<"unicast" | "local" | "broadcast" | "anycast" | "multicast" | "blackhole" | "unreachable" | "prohibit" | "throw" | "nat">;
  /** Multipath hops (keepalived `nexthop via A dev D weight W [onlink] [realms R]`). */
  nexthops?: { via?: Located<string>; dev?: Located<string>; weight?: Located<number>; onlink?: boolean; realms?: number }[];
  /** The other options, checked by the line reader (route-options.ts). */
  options?: RouteOptions;
  /** `inet` / `inet6`: the family the line says it is. */
  inet?: Located<4 | 6>;
}

export interface TrackDraft {
  name: Located<string>;
  weight?: Located<number>;
  /** `reverse` (true) or `noreverse` (false) after the weight. */
  reverse?: Located<boolean>;
}

export interface NotifyDraft {
  master?: Located<string>;
  backup?: Located<string>;
  fault?: Located<string>;
  stop?: Located<string>;
  any?: Located<string>;
}

export interface InstanceDraft {
  name: Located<string>;
  pos: SourcePosition;
  interface?: Located<string>;
  vrid?: Located<number>;
  priority?: Located<number>;
  advertIntSec?: Located<number>;
  version?: Located<number>;
  state?: Located<string>; // "MASTER" | "BACKUP" as written
  preempt?: Located<boolean>;
  preemptDelaySec?: Located<number>;
  authType?: Located<string>; // "PASS" | "AH" as written
  authPass?: Located<string>;
  unicastSrcIp?: Located<string>;
  unicastPeers: Located<string>[];
  vips: VipDraft[];
  excludedVips: VipDraft[];
  routes: RouteDraft[];
  /** Where virtual_routes was written (even when every route was dropped), for its warning. */
  routesPos?: SourcePosition;
  /** virtual_rules (read straight into the model). */
  rules?: VirtualRule[];
  trackInterfaces: TrackDraft[];
  trackScripts: TrackDraft[];
  trackFiles: TrackDraft[];
  notify: NotifyDraft;
  garpMasterDelaySec?: Located<number>;
  garpMasterRepeat?: Located<number>;
  garpMasterRefreshSec?: Located<number>;
  garpMasterRefreshRepeat?: Located<number>;
  garpIntervalSec?: Located<number>;
  gnaIntervalSec?: Located<number>;
  garpLowerPrioRepeat?: Located<number>;
  garpLowerPrioDelaySec?: Located<number>;
  lowerPrioNoAdvert?: Located<boolean>;
  higherPrioSendAdvert?: Located<boolean>;
  /** garp_extra_if [all] SECONDS: the seconds, and `all` (TOML garp_extra_if_all). */
  garpExtraIfSec?: Located<number>;
  garpExtraIfAll?: Located<boolean>;
  accept?: Located<boolean>;
  useVmac?: Located<string>; // "" = default name
  /** The MAC word of `use_vmac` (TOML vmac_address), as written: 5 or 6 octets. */
  vmacAddress?: Located<string>;
  vmacXmitBase?: Located<boolean>;
  v3ChecksumAsV2?: Located<boolean>;
  oldUnicastChecksum?: Located<boolean>;
  dontTrackPrimary?: Located<boolean>;
  mcastSrcIp?: Located<string>;
  trackProcesses?: TrackDraft[];
  notifyPriorityChanges?: Located<boolean>;
  /** keepalived keywords with no model field, recorded only to warn (smtp_alert, …). */
  seen: Map<string, SourcePosition>;
}

export interface ScriptDraft {
  name: Located<string>;
  pos: SourcePosition;
  script?: Located<string>;
  intervalSec?: Located<number>;
  timeoutSec?: Located<number>;
  weight?: Located<number>;
  rise?: Located<number>;
  fall?: Located<number>;
  user?: Located<string>;
  group?: Located<string>;
  reverse?: Located<boolean>;
  initFail?: Located<boolean>;
}

export interface TrackFileDraft {
  name: Located<string>;
  pos: SourcePosition;
  file?: Located<string>;
  weight?: Located<number>;
  reverse?: Located<boolean>;
}

/** vrrp_track_process NAME { … }. */
export interface TrackProcessDraft {
  name: Located<string>;
  pos: SourcePosition;
  process?: Located<string>;
  /** Words after the process name (keepalived) or `params` (TOML). */
  params?: Located<string[]>;
  paramMatch?: Located<string>; // "exact" | "partial" | "initial" as written
  fullCommand?: Located<boolean>;
  weight?: Located<number>;
  reverse?: Located<boolean>;
  quorum?: Located<number>;
  quorumMax?: Located<number>;
  delaySec?: Located<number>;
  terminateDelaySec?: Located<number>;
  forkDelaySec?: Located<number>;
}

export interface SyncGroupDraft {
  name: Located<string>;
  pos: SourcePosition;
  members: Located<string>[];
  notify: NotifyDraft;
  /** The group's own track_interface / track_script / track_file (keepalived: every member tracks them, weight 0). */
  tracks?: { kind: "track_interface" | "track_script" | "track_file"; track: TrackDraft }[];
}

export interface GlobalDraft {
  routerId?: Located<string>;
  http?: Located<string>;
  log?: Located<string>;
  logFormat?: Located<string>;
  keepalivedExporterNames?: Located<boolean>;
  realtimePriority?: Located<number>;
  noSwap?: Located<boolean>;
  rlimitRttimeUs?: Located<number>;
  vrrpStrict?: Located<boolean>;
  /** keepalived global defaults folded into each instance / script. */
  vrrpVersion?: Located<number>;
  garpMasterDelaySec?: Located<number>;
  garpMasterRepeat?: Located<number>;
  garpMasterRefreshSec?: Located<number>;
  garpMasterRefreshRepeat?: Located<number>;
  garpIntervalSec?: Located<number>;
  gnaIntervalSec?: Located<number>;
  garpLowerPrioRepeat?: Located<number>;
  garpLowerPrioDelaySec?: Located<number>;
  lowerPrioNoAdvert?: Located<boolean>;
  higherPrioSendAdvert?: Located<boolean>;
  garpExtraIfSec?: Located<number>;
  garpExtraIfAll?: Located<boolean>;
  v3ChecksumAsV2?: Located<boolean>;
  scriptUser?: Located<string>;
  scriptGroup?: Located<string>;
  enableScriptSecurity?: Located<boolean>;
  notifyFifo?: Located<string>;
  notifyFifoScript?: Located<string>;
  vrrpNotifyFifo?: Located<string>;
  vrrpNotifyFifoScript?: Located<string>;
  notifyPriorityChanges?: Located<boolean>;
}

export interface ConfigDraft {
  source: string;
  format: "toml" | "keepalived";
  /** Position used for whole-file problems (no instances, …). */
  filePos: SourcePosition;
  global: GlobalDraft;
  instances: InstanceDraft[];
  scripts: ScriptDraft[];
  trackFiles: TrackFileDraft[];
  syncGroups: SyncGroupDraft[];
  /** vrrp_track_process blocks. */
  trackProcesses: TrackProcessDraft[];
  /** static_ipaddress / static_routes / static_rules. */
  staticIps?: VipDraft[];
  staticRoutes?: RouteDraft[];
  staticRules?: VirtualRule[];
  /** keepalived's automatic rule preferences, counted down across the file. */
  rulePrefs?: RulePrefs;
  garpGroups?: GarpGroupDraft[];
}

export interface GarpGroupDraft {
  garpIntervalSec?: Located<number>;
  gnaIntervalSec?: Located<number>;
  interface?: Located<string>;
  interfaces?: Located<string>[];
  pos: SourcePosition;
}

export function newInstanceDraft(name: Located<string>, pos: SourcePosition): InstanceDraft {
  return {
    name,
    pos,
    unicastPeers: [],
    vips: [],
    excludedVips: [],
    routes: [],
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    notify: {},
    seen: new Map(),
  };
}

export function newConfigDraft(source: string, format: ConfigDraft["format"]): ConfigDraft {
  return {
    source,
    format,
    filePos: { file: source, line: 1, col: 1 },
    global: {},
    instances: [],
    scripts: [],
    trackFiles: [],
    syncGroups: [],
    trackProcesses: [],
  };
}
