// keepalived.conf(5) keyword tables: what vigil reads, what it knowingly ignores (warning), and
// whole sections it skips (one warning each). Anything else is an unknown keyword (error).

const words = (s: string): string[] => s.trim().split(/\s+/);

/** Top-level sections vigil does not do; each occurrence gets one warning naming it. */
export const SKIPPED_SECTIONS: Record<string, string> = {
  virtual_server: "LVS is not part of vigil",
  virtual_server_group: "LVS is not part of vigil",
  real_server: "LVS is not part of vigil",
  bfd_instance: "BFD is not part of vigil",
  static_ipaddress: "vigil does not manage static addresses",
  static_routes: "vigil does not manage static routes",
  static_rules: "vigil does not manage static rules",
  linkbeat_interfaces: "vigil watches links through netlink only",
  track_group: "static track groups are not supported",
  garp_group: "GARP rate groups are not supported",
  interface_up_down_delays: "link debouncing is not supported",
  vrrp_track_process: "process tracking is not supported (use vrrp_script)",
  vrrp_garp_delay: "GARP rate groups are not supported",
};

/** Top-level one-liners (daemon/namespace options) that vigil ignores. */
export const TOP_LEVEL_IGNORED = new Set(
  words(`net_namespace net_namespace_ipvs namespace_with_ipsets instance use_pid_dir
  linkbeat_use_polling child_wait_time`),
);

/** global_defs keywords vigil reads. */
export const GLOBAL_DEFS_READ = new Set(
  words(`router_id lvs_id vrrp_version vrrp_garp_master_delay vrrp_garp_master_repeat
  vrrp_garp_master_refresh vrrp_garp_master_refresh_repeat vrrp_strict vrrp_rt_priority vrrp_no_swap
  v3_checksum_as_v2 script_user enable_script_security`),
);

/** Mail settings: folded into one warning per global_defs block. */
export const SMTP_KEYWORDS = new Set(
  words(`notification_email notification_email_from smtp_server smtp_helo_name smtp_connect_timeout
  smtp_alert smtp_alert_vrrp smtp_alert_checker no_email_faults no_checker_emails`),
);

/** global_defs keywords keepalived knows and vigil ignores (warning each). */
export const GLOBAL_DEFS_IGNORED = new Set(
  words(`net_namespace net_namespace_ipvs namespace_with_ipsets instance use_pid_dir linkbeat_use_polling
  child_wait_time tmp_config_directory config_save_dir process_names process_name vrrp_process_name
  checker_process_name bfd_process_name startup_script startup_script_timeout shutdown_script
  shutdown_script_timeout checker_log_all_failures vrrp_mcast_group4 vrrp_mcast_group6
  default_interface lvs_sync_daemon lvs_timeouts lvs_flush lvs_flush_on_stop vrrp_garp_lower_prio_delay
  vrrp_down_timer_adverts vrrp_garp_lower_prio_repeat vrrp_garp_interval vrrp_gna_interval vrrp_min_garp
  vrrp_garp_extra_if vrrp_lower_prio_no_advert vrrp_higher_prio_send_advert nftables nftables_priority
  nftables_counters nftables_ifindex nftables_ipvs nftables_ipvs_priority nftables_ipvs_start_fwmark
  vrrp_iptables vrrp_ipsets disable_local_igmp vrrp_check_unicast_src vrrp_skip_check_adv_addr
  vrrp_notify_priority_changes max_auto_priority min_auto_priority_delay vrrp_priority checker_priority
  bfd_priority checker_no_swap bfd_no_swap vrrp_cpu_affinity checker_cpu_affinity bfd_cpu_affinity
  checker_rt_priority bfd_rt_priority vrrp_rlimit_rttime checker_rlimit_rttime bfd_rlimit_rttime
  snmp_socket enable_snmp_vrrp enable_snmp_checker enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3
  enable_traps enable_dbus dbus_service_name notify_fifo notify_fifo_script vrrp_notify_fifo
  vrrp_notify_fifo_script lvs_notify_fifo lvs_notify_fifo_script fifo_write_vrrp_states_on_reload
  dynamic_interfaces vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force
  vrrp_netlink_monitor_rcv_bufs vrrp_netlink_monitor_rcv_bufs_force lvs_netlink_cmd_rcv_bufs
  lvs_netlink_cmd_rcv_bufs_force lvs_netlink_monitor_rcv_bufs lvs_netlink_monitor_rcv_bufs_force
  process_monitor_rcv_bufs process_monitor_rcv_bufs_force vrrp_rx_bufs_policy vrrp_rx_bufs_multiplier
  rs_init_notifies umask vrrp_startup_delay log_unknown_vrids vmac_prefix vmac_addr_prefix random_seed
  reload_check_config include_check reload_time_file reload_repeat reload_file data_use_instance
  script_group`),
);

/** vrrp_instance keywords vigil reads (the parsed-but-warned ones are listed in validate.ts). */
export const INSTANCE_READ = new Set(
  words(`state interface virtual_router_id priority advert_int version nopreempt preempt preempt_delay
  unicast_src_ip unicast_peer authentication virtual_ipaddress virtual_ipaddress_excluded virtual_routes
  track_interface track_script track_file notify notify_master notify_backup notify_fault notify_stop
  use_vmac vmac_xmit_base garp_master_delay garp_master_repeat garp_master_refresh
  garp_master_refresh_repeat accept no_accept dont_track_primary smtp_alert mcast_src_ip
  lvs_sync_daemon_interface v3_checksum_as_v2 old_unicast_checksum`),
);

/** vrrp_instance keywords keepalived knows and vigil ignores (warning each). */
export const INSTANCE_IGNORED = new Set(
  words(`vrf use_vmac_addr use_ipvlan native_ipv6 track_process track_bfd mcast_dst_ip track_src_ip
  check_unicast_src unicast_fault_no_peer unicast_ttl garp_lower_prio_delay
  garp_lower_prio_repeat garp_extra_if down_timer_adverts lower_prio_no_advert higher_prio_send_advert
  virtual_rules promote_secondaries skip_check_adv_addr strict_mode debug notify_master_rx_lower_pri
  notify_priority_changes notify_deleted kernel_rx_buf_size linkbeat_use_polling`),
);

export const SCRIPT_READ = new Set(words("script interval timeout weight rise fall user"));
export const SCRIPT_IGNORED = new Set(words("init_fail"));

export const SYNC_GROUP_READ = new Set(
  words("group notify notify_master notify_backup notify_fault notify_stop"),
);
export const SYNC_GROUP_IGNORED = new Set(
  words(`track_interface track_script track_file track_process track_bfd notify_deleted
  notify_priority_changes smtp_alert global_tracking sync_group_tracking_weight`),
);

export const TRACK_FILE_READ = new Set(words("file weight"));
export const TRACK_FILE_IGNORED = new Set(words("init_file"));

/** Top-level blocks vigil reads. */
export const TOP_LEVEL_READ = new Set(
  words("global_defs vrrp_instance vrrp_script vrrp_sync_group vrrp_track_file track_file"),
);

/** Everything a top-level "unknown keyword" can be compared with for "did you mean". */
export const TOP_LEVEL_ALL = [...TOP_LEVEL_READ, ...Object.keys(SKIPPED_SECTIONS), ...TOP_LEVEL_IGNORED];
