// One typed model, filled from keepalived.conf or TOML; the engine never sees which.

import type { Family, VrrpVersion } from "../protocol/types.ts";

export interface SourcePosition {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

export interface Diagnostic {
  severity: "error" | "warning";
  message: string;
  pos: SourcePosition;
}

/** How a VRRPv3 IPv4 checksum is computed on send (RFC 9568 §5.2.8; keepalived v3_checksum_as_v2). */
export type V3Ipv4ChecksumMode = "pseudo-header" | "vrrp-only" | "group-pseudo-header";

export interface VirtualAddress {
  address: string; // canonical text form, no prefix
  prefixLength: number;
  family: Family;
  /** keepalived `dev` override; default = the instance interface. */
  dev?: string;
  label?: string;
  scope?: "global" | "site" | "link" | "host" | "nowhere";
  broadcast?: string;
  pos: SourcePosition;
}

export interface VirtualRoute {
  /** Destination prefix ("default" allowed). */
  to: string;
  via?: string;
  dev?: string;
  src?: string;
  metric?: number;
  table?: number;
  /** keepalived's route type word before the destination (default unicast). */
  type?: "unicast" | "local" | "broadcast" | "anycast" | "multicast" | "blackhole" | "unreachable" | "prohibit" | "throw" | "nat";
  /** keepalived `nexthop via A dev D weight W [onlink] [realms R]…` (multipath): instead of via/dev. */
  nexthops?: { via?: string; dev?: string; weight?: number; onlink?: boolean; realms?: number }[];
  /** The rest of `ip route`'s options keepalived accepts (route-options.ts). */
  options?: RouteOptions;
  pos: SourcePosition;
}

/** Route metrics (RTAX_*) keepalived sets; the three times are in ms. */
export type RouteMetric =
  | "mtu"
  | "advmss"
  | "rtt"
  | "rttvar"
  | "rto_min"
  | "reordering"
  | "window"
  | "cwnd"
  | "ssthresh"
  | "initcwnd"
  | "initrwnd"
  | "hoplimit"
  | "quickack"
  | "fastopen_no_cookie";

/** keepalived's route options beyond destination, gateway, device, metric, table and type. */
export interface RouteOptions {
  /** rtm_scope as a number (0 global, 200 site, 253 link, 254 host, 255 nowhere); default as `ip route`. */
  scope?: number;
  /** rtm_protocol: kept only with no_track (keepalived resets it to 18 otherwise). */
  protocol?: number;
  /** keepalived `no_track`: vigil never tracks routes, so only the protocol depends on it. */
  noTrack?: boolean;
  /** tos / dsfield (rtm_tos). */
  tos?: number;
  /** RTA_FLOW: (from realm << 16) | to realm. */
  realms?: number;
  metrics?: Partial<Record<RouteMetric, number>>;
  /** Metrics written with `lock` (RTAX_LOCK bits); congctl too. */
  locked?: (RouteMetric | "congctl")[];
  congctl?: string;
  /** `features ecn` (RTAX_FEATURES). */
  ecn?: boolean;
  /** IPv6 only: RTA_PREF. */
  pref?: "low" | "medium" | "high";
  /** IPv6 only: RTA_EXPIRES, seconds. */
  expires?: number;
  /** RTNH_F_ONLINK. */
  onlink?: boolean;
  /** `append`: NLM_F_APPEND instead of refusing a route that exists (NLM_F_EXCL). */
  append?: boolean;
}

/** keepalived virtual_rules / static_rules: one `ip rule`. */
export interface VirtualRule {
  family: Family;
  from?: string;
  to?: string;
  iif?: string;
  oif?: string;
  priority?: number;
  fwmark?: number;
  fwmask?: number;
  invert?: boolean;
  action?: "table" | "blackhole" | "unreachable" | "prohibit" | "goto" | "nop";
  table?: number;
  /** `goto N`: the preference jumped to (action goto). */
  goto?: number;
  /** tos / dsfield. */
  tos?: number;
  /** FRA_FLOW: (from realm << 16) | to realm. */
  realms?: number;
  suppressPrefixLength?: number;
  suppressIfgroup?: number;
  /** `uidrange A-B`. */
  uidRange?: [number, number];
  /** FRA_PROTOCOL when given with no_track; keepalived's 18 otherwise, none with no_track alone. */
  protocol?: number;
  noTrack?: boolean;
  /** `ipproto`: IP protocol number. */
  ipProto?: number;
  sportRange?: [number, number];
  dportRange?: [number, number];
  /** `l3mdev`: look up the table of the packet's L3 master device (VRF). */
  l3mdev?: boolean;
  pos: SourcePosition;
}

/**
 * keepalived garp_group: the GARPs (NAs) sent on these interfaces, by every instance, leave at most
 * one per garp_interval (gna_interval); the interfaces share one pace (one switch behind them).
 */
export interface GarpGroupConfig {
  garpIntervalMs?: number;
  gnaIntervalMs?: number;
  /** keepalived `interface X` or `interfaces { … }`. */
  interfaces: string[];
  /** `interfaces { }` (even with one name) rather than `interface`. */
  list?: boolean;
  pos: SourcePosition;
}

export interface TrackInterface {
  name: string;
  /** 0 = fault on down (keepalived default); otherwise added to priority while up/down per sign. */
  weight: number;
  /** keepalived `weight N reverse`: the weight is subtracted instead (weight 0: Fault while up). */
  reverse?: boolean;
  pos: SourcePosition;
}

export interface TrackScriptRef {
  name: string;
  /** Overrides the script's own weight when set. */
  weight?: number;
  /** Overrides the script's own `reverse` when set (`reverse` / `noreverse`). */
  reverse?: boolean;
  pos: SourcePosition;
}

export interface TrackFileRef {
  name: string;
  weight?: number;
  reverse?: boolean;
  pos: SourcePosition;
}

export interface NotifyScripts {
  master?: string;
  backup?: string;
  fault?: string;
  stop?: string;
  /** keepalived `notify`: called with `INSTANCE name STATE priority`. */
  any?: string;
}

export interface InstanceConfig {
  name: string;
  interface: string;
  vrid: number; // 1..255
  priority: number; // 1..255 (255 = address owner)
  /** Advertisement interval in centiseconds (v2: whole seconds × 100; v3: 1..4095). */
  advertIntervalCs: number;
  version: VrrpVersion;
  family: Family;
  /** keepalived `state MASTER|BACKUP` — initial wish only; election decides. */
  initialState: "master" | "backup";
  preempt: boolean;
  preemptDelayMs: number;
  /** v2 only: auth_type PASS with up to 8 bytes of password (RFC 3768 §5.3.6.1). */
  authPass?: string;
  unicastSrcIp?: string;
  unicastPeers: string[];
  virtualIps: VirtualAddress[];
  /** Addresses moved with the VIPs but not carried in adverts (virtual_ipaddress_excluded). */
  excludedVips: VirtualAddress[];
  virtualRoutes: VirtualRoute[];
  /** keepalived virtual_rules: added with the VIPs on Master, removed on leaving it (absent: none). */
  virtualRules?: VirtualRule[];
  trackInterfaces: TrackInterface[];
  trackScripts: TrackScriptRef[];
  trackFiles: TrackFileRef[];
  notify: NotifyScripts;
  garpMasterDelayMs: number;
  garpMasterRepeat: number;
  garpMasterRefreshMs: number; // 0 = off
  garpMasterRefreshRepeat: number;
  /** keepalived vrrp_garp_interval / vrrp_gna_interval: pause between the GARPs / NAs of a burst (0 = none). */
  garpIntervalMs?: number;
  gnaIntervalMs?: number;
  /** keepalived garp_lower_prio_repeat / _delay: GARPs a Master sends on a lower-priority advert (0 = none). */
  garpLowerPrioRepeat?: number;
  garpLowerPrioDelayMs?: number;
  /** keepalived lower_prio_no_advert: a Master does not answer a lower-priority advert (RFC 9568 §6.4.3 SHOULD). */
  lowerPrioNoAdvert?: boolean;
  /** keepalived higher_prio_send_advert: a Master yielding to a better advert first sends one of its own. */
  higherPrioSendAdvert?: boolean;
  /**
   * keepalived garp_extra_if [all] SECONDS (default: global vrrp_garp_extra_if): while Master, every
   * `intervalSec` one GARP/NA on each interface of its VIPs other than its own (VMACs only unless
   * `all`). Absent or 0: off.
   */
  garpExtraIf?: { intervalSec: number; all: boolean };
  /**
   * The garp_group whose interval paces this instance's GARPs/NAs together with the other instances
   * on that group's interfaces (its index in VigilConfig.garpGroups); derived, never written.
   */
  garpGroup?: number;
  /** RFC 5798 Accept_Mode; keepalived `accept` / `no_accept`. */
  accept: boolean;
  useVmac?: string;
  v3Ipv4Checksum: V3Ipv4ChecksumMode;
  /** Name of the sync group this instance belongs to, if any. */
  syncGroup?: string;
  /** keepalived `vmac_xmit_base`: send/receive adverts on the base interface, not the VMAC. */
  vmacXmitBase?: boolean;
  /** keepalived `use_vmac NAME MAC`: the VMAC's MAC instead of the RFC 5798 §7.3 one ("02:11:22:33:44:55"). */
  vmacAddress?: string;
  /** keepalived `mcast_src_ip`: source address of multicast adverts (default: primary address). */
  mcastSrcIp?: string;
  /** keepalived `dont_track_primary`: ignore link faults of `interface`. */
  dontTrackPrimary?: boolean;
  /** keepalived `track_process` references (vrrp_track_process names). */
  trackProcesses?: TrackFileRef[];
  /** keepalived `notify_priority_changes` (default: global vrrp_notify_priority_changes). */
  notifyPriorityChanges?: boolean;
  pos: SourcePosition;
}

export interface ScriptConfig {
  name: string;
  script: string;
  intervalMs: number;
  timeoutMs: number;
  weight: number;
  rise: number;
  fall: number;
  user?: string;
  /** keepalived `user USER GROUP`: the group (default: the user's). */
  group?: string;
  /** keepalived `weight N reverse`: the weight is subtracted instead (weight 0: Fault while it succeeds). */
  reverse?: boolean;
  /** keepalived `init_fail`: the script starts failed (it needs `rise` successes to count as good). */
  initFail?: boolean;
  pos: SourcePosition;
}

export interface TrackFileConfig {
  name: string;
  file: string;
  weight: number;
  /** keepalived `weight N reverse`: the file's value × weight is subtracted (weight 0: Fault on 0). */
  reverse?: boolean;
  pos: SourcePosition;
}

/** keepalived vrrp_track_process: how many processes of a name (or command line) run. */
export interface TrackProcessConfig {
  name: string;
  /** The process name (as /proc/PID/comm, 15 bytes) or, with full_command, argv[0]. */
  process: string;
  /** Parameters to match (full_command); "exact" when given without param_match. */
  params: string[];
  paramMatch: "none" | "exact" | "partial" | "initial";
  fullCommand: boolean;
  weight: number;
  /** keepalived `weight N reverse`: the weight is subtracted instead (weight 0: Fault while in quorum). */
  reverse: boolean;
  /** Good while quorum <= count <= quorumMax (keepalived defaults 1 and unlimited: QUORUM_MAX_UNLIMITED). */
  quorum: number;
  quorumMax: number;
  forkDelayMs: number;
  terminateDelayMs: number;
  pos: SourcePosition;
}

export interface SyncGroupConfig {
  name: string;
  instances: string[];
  notify: NotifyScripts;
  pos: SourcePosition;
}

export interface GlobalConfig {
  routerId?: string;
  /** "host:port" for /health /status /metrics; "" disables. Default 127.0.0.1:9650. */
  http: string;
  logLevel: "debug" | "info" | "warn" | "error";
  logFormat: "text" | "json";
  /** Also export keepalived-exporter metric names. */
  keepalivedExporterNames: boolean;
  /** SCHED_RR priority for the daemon (keepalived vrrp_rt_priority); 0 = off. */
  realtimePriority: number;
  /** mlockall (keepalived vrrp_no_swap). */
  noSwap: boolean;
  /** keepalived vrrp_rlimit_rttime: CPU µs the realtime io thread may use without blocking (default 10000). */
  rlimitRttimeUs: number;
  vrrpStrict: boolean;
  /** keepalived `script_user`: default user for vrrp_script and notify scripts. */
  scriptUser?: string;
  /** keepalived `enable_script_security`: refuse root scripts writable by non-root users. */
  enableScriptSecurity?: boolean;
  /** keepalived `script_user USER GROUP`: the group. */
  scriptGroup?: string;
  /** keepalived notify_fifo / notify_fifo_script, vrrp_notify_fifo / vrrp_notify_fifo_script. */
  notifyFifo?: string;
  notifyFifoScript?: string;
  vrrpNotifyFifo?: string;
  vrrpNotifyFifoScript?: string;
  /** keepalived `vrrp_notify_priority_changes`: default of each instance's notify_priority_changes. */
  notifyPriorityChanges?: boolean;
}

export interface VigilConfig {
  /** The file the config was read from (for messages and reload). */
  source: string;
  format: "toml" | "keepalived";
  global: GlobalConfig;
  instances: InstanceConfig[];
  scripts: ScriptConfig[];
  trackFiles: TrackFileConfig[];
  syncGroups: SyncGroupConfig[];
  /** vrrp_track_process blocks (absent: none). */
  trackProcesses?: TrackProcessConfig[];
  /** keepalived static_ipaddress / static_routes / static_rules: set at start whatever the VRRP state, removed at stop. */
  staticIps?: VirtualAddress[];
  staticRoutes?: VirtualRoute[];
  /** keepalived garp_group blocks: GARP/NA pacing per interface or group of interfaces. */
  garpGroups?: GarpGroupConfig[];
  staticRules?: VirtualRule[];
}

/** Result of loading: a model only when there are no errors; warnings in either case. */
export type LoadResult =
  | { ok: true; config: VigilConfig; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

/** keepalived's quorum_max when not given (UINT_MAX): no upper bound. */
export const QUORUM_MAX_UNLIMITED = 4294967295;

export const DEFAULT_HTTP_LISTEN = "127.0.0.1:9650";
export const DEFAULT_TOML_PATH = "/etc/vigil/vigil.toml";
export const DEFAULT_KEEPALIVED_PATH = "/etc/keepalived/keepalived.conf";
