// keepalived.conf top-level and global_defs keywords (the blocks, the statics, vigil's own [global]
// settings, keepalived's global defaults folded into instances). Order = the order `vigil convert` writes.

import type { GlobalConfig, VigilConfig } from "./schema.ts";
import { DEFAULT_HTTP_LISTEN } from "./schema.ts";
import { ignored, type Keyword, routeLine, vipLine } from "./keywords-base.ts";
import { ruleLine } from "./keepalived-rules.ts";

const skip = (why: string) => (name: string): Keyword<VigilConfig> => ({ name, section: "top", does: "skipped", why });
const LVS = skip("LVS is not part of vigil");

export const TOP_KEYWORDS: Keyword<VigilConfig>[] = [
  { name: "global_defs", section: "top", does: "read", arg: "block" },
  { name: "vrrp_instance", section: "top", does: "read", arg: "block", toml: "instance" },
  { name: "vrrp_script", section: "top", does: "read", arg: "block", toml: "vrrp_script" },
  { name: "vrrp_sync_group", section: "top", does: "read", arg: "block", toml: "vrrp_sync_group" },
  { name: "track_file", section: "top", does: "read", arg: "block", toml: "vrrp_track_file" },
  { name: "vrrp_track_file", section: "top", does: "read", arg: "block", keepalived: "deprecated synonym of track_file" },
  { name: "vrrp_track_process", section: "top", does: "read", arg: "block", toml: "vrrp_track_process" },
  ...["virtual_server", "virtual_server_group"].map(LVS),
  skip("LVS (its TLS settings) is not part of vigil")("SSL"),
  skip("BFD is not part of vigil")("bfd_instance"),
  // Set at start whatever the VRRP state, removed at stop; root keys of vigil's TOML, same lines.
  {
    name: "static_ipaddress",
    section: "top",
    does: "read",
    arg: "list",
    toml: "static_ipaddress",
    keepalived: "set at start whatever the VRRP state, removed at stop",
    emit: (c: VigilConfig) => (c.staticIps?.length ? c.staticIps.map(vipLine) : undefined),
  },
  {
    name: "static_routes",
    section: "top",
    does: "read",
    arg: "list",
    toml: "static_routes",
    keepalived: "set at start whatever the VRRP state, removed at stop; proto keepalived",
    emit: (c: VigilConfig) => (c.staticRoutes?.length ? c.staticRoutes.map(routeLine) : undefined),
  },
  {
    name: "static_rules",
    section: "top",
    does: "read",
    arg: "list",
    toml: "static_rules",
    keepalived: "set at start whatever the VRRP state, removed at stop",
    emit: (c: VigilConfig) => (c.staticRules?.length ? c.staticRules.map(ruleLine) : undefined),
  },
  skip("vigil watches links through netlink only")("linkbeat_interfaces"),
  skip("static track groups are not supported")("track_group"),
  { name: "garp_group", section: "top", does: "read", arg: "block", toml: "garp_group" },
  skip("link debouncing is not supported")("interface_up_down_delays"),
  ...ignored("top", "net_namespace net_namespace_ipvs namespace_with_ipsets instance use_pid_dir linkbeat_use_polling child_wait_time"),
];

export const GLOBAL_KEYWORDS: Keyword<GlobalConfig>[] = [
  { name: "router_id", section: "global_defs", does: "read", arg: "string", field: "routerId", toml: "router_id", emit: (g) => g.routerId },
  // vigil-only settings: TOML keys with no keepalived keyword.
  { name: "", section: "global_defs", does: "read", arg: "string", field: "http", toml: "http", dflt: DEFAULT_HTTP_LISTEN, emit: (g) => g.http },
  {
    name: "",
    section: "global_defs",
    does: "read",
    arg: "string",
    field: "log",
    toml: "log",
    dflt: "info",
    emit: (g) => (g.logLevel === "info" ? undefined : g.logLevel),
  },
  {
    name: "",
    section: "global_defs",
    does: "read",
    arg: "string",
    field: "logFormat",
    toml: "log_format",
    dflt: "text",
    emit: (g) => (g.logFormat === "text" ? undefined : g.logFormat),
  },
  {
    name: "",
    section: "global_defs",
    does: "read",
    arg: "bool",
    field: "keepalivedExporterNames",
    toml: "keepalived_exporter_names",
    emit: (g) => g.keepalivedExporterNames || undefined,
  },
  { name: "", section: "global_defs", does: "read", arg: "bool", toml: "strict" },
  {
    name: "vrrp_rt_priority",
    section: "global_defs",
    does: "read",
    arg: "int",
    field: "realtimePriority",
    toml: "realtime_priority",
    range: [0, 99],
    dflt: 0,
    emit: (g) => g.realtimePriority || undefined,
  },
  {
    name: "vrrp_rlimit_rttime",
    section: "global_defs",
    does: "read",
    arg: "int",
    field: "rlimitRttimeUs",
    toml: "rlimit_rttime_us",
    range: [2, 100_000_000],
    dflt: 10_000,
    emit: (g) => (g.rlimitRttimeUs !== 10_000 ? g.rlimitRttimeUs : undefined),
  },
  { name: "vrrp_no_swap", section: "global_defs", does: "read", arg: "flag", field: "noSwap", toml: "no_swap", emit: (g) => g.noSwap || undefined },
  {
    name: "vrrp_strict",
    section: "global_defs",
    does: "read",
    arg: "flag",
    field: "vrrpStrict",
    toml: "vrrp_strict",
    emit: (g) => g.vrrpStrict || undefined,
  },
  {
    name: "script_user",
    section: "global_defs",
    does: "read",
    arg: "special",
    field: "scriptUser",
    toml: "script_user",
    keepalived: "USER [GROUP]",
    emit: (g) => g.scriptUser,
  },
  // script_user's GROUP: its own key in TOML, the second word of script_user in keepalived.conf.
  {
    name: "",
    section: "global_defs",
    does: "read",
    arg: "string",
    field: "scriptGroup",
    toml: "script_group",
    partOf: "script_user",
    emit: (g) => g.scriptGroup,
  },
  {
    name: "enable_script_security",
    section: "global_defs",
    does: "read",
    arg: "flag",
    field: "enableScriptSecurity",
    toml: "enable_script_security",
    emit: (g) => g.enableScriptSecurity || undefined,
  },
  // The FIFO's / script's own user and group are not modelled (warned when given).
  {
    name: "notify_fifo",
    section: "global_defs",
    does: "read",
    arg: "special",
    field: "notifyFifo",
    toml: "notify_fifo",
    keepalived: "FIFO [user [group]]",
    emit: (g) => g.notifyFifo,
  },
  {
    name: "notify_fifo_script",
    section: "global_defs",
    does: "read",
    arg: "special",
    field: "notifyFifoScript",
    toml: "notify_fifo_script",
    keepalived: "SCRIPT [user [group]]; the FIFO name is its last argument",
    emit: (g) => g.notifyFifoScript,
  },
  {
    name: "vrrp_notify_fifo",
    section: "global_defs",
    does: "read",
    arg: "special",
    field: "vrrpNotifyFifo",
    toml: "vrrp_notify_fifo",
    emit: (g) => g.vrrpNotifyFifo,
  },
  {
    name: "vrrp_notify_fifo_script",
    section: "global_defs",
    does: "read",
    arg: "special",
    field: "vrrpNotifyFifoScript",
    toml: "vrrp_notify_fifo_script",
    emit: (g) => g.vrrpNotifyFifoScript,
  },
  {
    name: "vrrp_notify_priority_changes",
    section: "global_defs",
    does: "read",
    arg: "bool",
    field: "notifyPriorityChanges",
    toml: "notify_priority_changes",
    emit: (g) => g.notifyPriorityChanges || undefined,
  },
  // keepalived global defaults, folded into each instance (the instance writes them back).
  { name: "vrrp_version", section: "global_defs", does: "read", arg: "int", field: "vrrpVersion", dflt: 2, keepalived: "2 or 3; anything else is ignored" },
  { name: "vrrp_garp_master_delay", section: "global_defs", does: "read", arg: "number", field: "garpMasterDelaySec", range: [0, 86400], dflt: 5 },
  { name: "vrrp_garp_master_repeat", section: "global_defs", does: "read", arg: "int", field: "garpMasterRepeat", range: [0, 1000], dflt: 5 },
  { name: "vrrp_garp_master_refresh", section: "global_defs", does: "read", arg: "number", field: "garpMasterRefreshSec", range: [0, 86400], dflt: 0 },
  { name: "vrrp_garp_master_refresh_repeat", section: "global_defs", does: "read", arg: "int", field: "garpMasterRefreshRepeat", range: [0, 1000], dflt: 1 },
  { name: "vrrp_garp_interval", section: "global_defs", does: "read", arg: "number", field: "garpIntervalSec", range: [0, 4294], dflt: 0 },
  { name: "vrrp_gna_interval", section: "global_defs", does: "read", arg: "number", field: "gnaIntervalSec", range: [0, 4294], dflt: 0 },
  { name: "vrrp_garp_lower_prio_repeat", section: "global_defs", does: "read", arg: "int", field: "garpLowerPrioRepeat", range: [0, 1000], dflt: 5 },
  { name: "vrrp_garp_lower_prio_delay", section: "global_defs", does: "read", arg: "number", field: "garpLowerPrioDelaySec", range: [0, 86400], dflt: 5 },
  { name: "vrrp_lower_prio_no_advert", section: "global_defs", does: "read", arg: "bool", field: "lowerPrioNoAdvert" },
  { name: "vrrp_higher_prio_send_advert", section: "global_defs", does: "read", arg: "bool", field: "higherPrioSendAdvert" },
  { name: "vrrp_garp_extra_if", section: "global_defs", does: "read", arg: "special", field: "garpExtraIfSec", keepalived: "[all] SECONDS" },
  {
    name: "vrrp_vmac_garp_intvl",
    section: "global_defs",
    does: "read",
    arg: "special",
    field: "garpExtraIfSec",
    keepalived: "deprecated name of vrrp_garp_extra_if",
  },
  { name: "v3_checksum_as_v2", section: "global_defs", does: "read", arg: "bool", field: "v3ChecksumAsV2", keepalived: "≥ 2.2.8" },
  ...`notification_email notification_email_from smtp_server smtp_helo_name smtp_connect_timeout smtp_alert
  smtp_alert_vrrp smtp_alert_checker no_email_faults no_checker_emails`
    .trim()
    .split(/\s+/)
    .map((name): Keyword<GlobalConfig> => ({ name, section: "global_defs", does: "mail", why: "vigil sends no mail; use notify scripts" })),
  ...ignored(
    "global_defs",
    `tmp_config_directory config_save_dir process_names process_name vrrp_process_name
  checker_process_name bfd_process_name lvs_process_name startup_script startup_script_timeout shutdown_script
  shutdown_script_timeout checker_log_all_failures vrrp_mcast_group4 vrrp_mcast_group6
  default_interface lvs_sync_daemon lvs_timeouts lvs_flush lvs_flush_on_stop
  vrrp_down_timer_adverts vrrp_min_garp
  nftables nftables_priority
  nftables_counters nftables_ifindex nftables_ipvs nftables_ipvs_priority nftables_ipvs_start_fwmark
  vrrp_iptables vrrp_ipsets disable_local_igmp vrrp_check_unicast_src vrrp_skip_check_adv_addr
  max_auto_priority min_auto_priority_delay vrrp_priority checker_priority
  bfd_priority checker_no_swap bfd_no_swap vrrp_cpu_affinity checker_cpu_affinity bfd_cpu_affinity
  checker_rt_priority bfd_rt_priority checker_rlimit_rttime bfd_rlimit_rttime
  vrrp_rlimit_rtime checker_rlimit_rtime bfd_rlimit_rtime lvs_flush_onstop enable_snmp_keepalived
  snmp_socket enable_snmp_vrrp enable_snmp_checker enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3
  enable_traps enable_dbus dbus_service_name dbus_no_interface_name
  lvs_notify_fifo lvs_notify_fifo_script fifo_write_vrrp_states_on_reload
  dynamic_interfaces vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force
  vrrp_netlink_monitor_rcv_bufs vrrp_netlink_monitor_rcv_bufs_force lvs_netlink_cmd_rcv_bufs
  lvs_netlink_cmd_rcv_bufs_force lvs_netlink_monitor_rcv_bufs lvs_netlink_monitor_rcv_bufs_force
  process_monitor_rcv_bufs process_monitor_rcv_bufs_force vrrp_rx_bufs_policy vrrp_rx_bufs_multiplier
  rs_init_notifies umask vrrp_startup_delay log_unknown_vrids vmac_prefix vmac_addr_prefix random_seed
  reload_check_config include_check reload_time_file reload_repeat reload_file data_use_instance
  vrrp_delay_after_boot vrrp_owner_ignore_adverts use_symlink_paths set_supplementary_groups
  iproute_etc_dir iproute_usr_dir json_dump_file json_version state_dump_file stats_dump_file
  snmp_rs_stats_update_interval snmp_vs_stats_update_interval`,
  ),
];
