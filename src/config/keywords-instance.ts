// vrrp_instance keywords (and its authentication block). Order = the order `vigil convert` writes.

import type { InstanceConfig } from "./schema.ts";
import { NOTIFY, ignored, routeLine, secs, trackLine, vipLine, type Keyword } from "./keywords-base.ts";

/** Default accept mode: on, unless vrrp_strict (then only for the address owner). */
export function defaultAccept(vrrpStrict: boolean, priority: number): boolean {
  return vrrpStrict ? priority === 255 : true;
}

const I = "vrrp_instance" as const;
const list = (xs: string[]): string[] | undefined => (xs.length > 0 ? xs : undefined);

export const INSTANCE_KEYWORDS: Keyword<InstanceConfig>[] = [
  { name: "interface", section: I, does: "read", arg: "string", field: "interface", toml: "interface", emit: (i) => i.interface },
  { name: "virtual_router_id", section: I, does: "read", arg: "int", field: "vrid", toml: "virtual_router_id", range: [1, 255], emit: (i) => i.vrid },
  {
    name: "priority", section: I, does: "read", arg: "int", field: "priority", toml: "priority", range: [1, 255], dflt: 100,
    keepalived: "out of range: 100; absent with state MASTER: 255", emit: (i) => i.priority,
  },
  {
    name: "advert_int", section: I, does: "read", arg: "number", field: "advertIntSec", toml: "advert_int", range: [0.01, 255], dflt: 1,
    keepalived: "outside 0.01–255: 1; v2 rounds to whole seconds, v3 to centiseconds (max 40.95)", emit: (i) => Number(secs(i.advertIntervalCs, 100)),
  },
  { name: "version", section: I, does: "read", arg: "int", field: "version", toml: "version", range: [2, 3], dflt: 2, keepalived: "other values ignored; IPv6 runs 3", emit: (i) => i.version },
  { name: "state", section: I, does: "read", arg: "string", field: "state", toml: "state", dflt: "BACKUP", keepalived: "MASTER or BACKUP, case-sensitive; else BACKUP", emit: (i) => (i.initialState === "master" ? "MASTER" : undefined) },
  { name: "preempt", section: I, does: "read", arg: "flag", field: "preempt", toml: "preempt", negation: "nopreempt", dflt: true, emit: (i) => (i.preempt ? undefined : false) },
  { name: "nopreempt", section: I, does: "read", arg: "noflag", field: "preempt", toml: "nopreempt", keepalived: "cleared with priority 255 or state MASTER" },
  {
    name: "preempt_delay", section: I, does: "read", arg: "number", field: "preemptDelaySec", toml: "preempt_delay", range: [0, 1000], dflt: 0,
    keepalived: "cleared with state MASTER, vrrp_strict or nopreempt", emit: (i) => (i.preemptDelayMs ? Number(secs(i.preemptDelayMs, 1000)) : undefined),
  },
  { name: "authentication", section: I, does: "read", arg: "block" },
  { name: "auth_type", section: "vrrp_instance.authentication", does: "read", arg: "string", field: "authType", toml: "auth_type", keepalived: "PASS or AH; else no authentication", emit: (i) => (i.authPass === undefined ? undefined : "PASS") },
  { name: "auth_pass", section: "vrrp_instance.authentication", does: "read", arg: "string", field: "authPass", toml: "auth_pass", keepalived: "first 8 characters", emit: (i) => i.authPass },
  { name: "unicast_src_ip", section: I, does: "read", arg: "string", field: "unicastSrcIp", toml: "unicast_src_ip", emit: (i) => i.unicastSrcIp },
  { name: "mcast_src_ip", section: I, does: "read", arg: "string", field: "mcastSrcIp", toml: "mcast_src_ip", emit: (i) => i.mcastSrcIp },
  { name: "unicast_peer", section: I, does: "read", arg: "list", toml: "unicast_peer", emit: (i) => list(i.unicastPeers) },
  { name: "virtual_ipaddress", section: I, does: "read", arg: "list", toml: "virtual_ipaddress", keepalived: "other-family addresses dropped; beyond one advert moved to excluded", emit: (i) => i.virtualIps.map(vipLine) },
  { name: "virtual_ipaddress_excluded", section: I, does: "read", arg: "list", toml: "virtual_ipaddress_excluded", emit: (i) => list(i.excludedVips.map(vipLine)) },
  { name: "virtual_routes", section: I, does: "read", arg: "list", toml: "virtual_routes", emit: (i) => list(i.virtualRoutes.map(routeLine)) },
  { name: "track_interface", section: I, does: "read", arg: "list", toml: "track_interface", emit: (i) => list(i.trackInterfaces.map((t) => trackLine(t, 0))) },
  { name: "track_script", section: I, does: "read", arg: "list", toml: "track_script", emit: (i) => list(i.trackScripts.map((t) => trackLine(t))) },
  { name: "track_file", section: I, does: "read", arg: "list", toml: "track_file", emit: (i) => list(i.trackFiles.map((t) => trackLine(t))) },
  { name: "notify_priority_changes", section: I, does: "read", arg: "bool", field: "notifyPriorityChanges" },
  ...NOTIFY.map(([name, key]): Keyword<InstanceConfig> => ({ name, section: I, does: "read", arg: "notify", notify: key, toml: name, emit: (i) => i.notify[key] })),
  { name: "garp_master_delay", section: I, does: "read", arg: "number", field: "garpMasterDelaySec", toml: "garp_master_delay", range: [0, 86400], dflt: 5, emit: (i) => (i.garpMasterDelayMs === 5000 ? undefined : Number(secs(i.garpMasterDelayMs, 1000))) },
  { name: "garp_master_repeat", section: I, does: "read", arg: "int", field: "garpMasterRepeat", toml: "garp_master_repeat", range: [0, 1000], dflt: 5, emit: (i) => (i.garpMasterRepeat === 5 ? undefined : i.garpMasterRepeat) },
  { name: "garp_master_refresh", section: I, does: "read", arg: "number", field: "garpMasterRefreshSec", toml: "garp_master_refresh", range: [0, 86400], dflt: 0, emit: (i) => (i.garpMasterRefreshMs === 0 ? undefined : Number(secs(i.garpMasterRefreshMs, 1000))) },
  { name: "garp_master_refresh_repeat", section: I, does: "read", arg: "int", field: "garpMasterRefreshRepeat", toml: "garp_master_refresh_repeat", range: [0, 1000], dflt: 1, emit: (i) => (i.garpMasterRefreshRepeat === 1 ? undefined : i.garpMasterRefreshRepeat) },
  {
    name: "accept", section: I, does: "pending", arg: "flag", field: "accept", toml: "accept", negation: "no_accept", keepalived: "default on, off under vrrp_strict unless priority 255",
    emit: (i, cfg) => (i.accept === defaultAccept(cfg.global.vrrpStrict, i.priority) ? undefined : i.accept),
  },
  { name: "no_accept", section: I, does: "pending", arg: "noflag", field: "accept", toml: "no_accept" },
  { name: "use_vmac", section: I, does: "pending", arg: "special", field: "useVmac", toml: "use_vmac", keepalived: "default name vrrp.VRID; a MAC address is not supported", emit: (i) => i.useVmac },
  { name: "vmac_xmit_base", section: I, does: "pending", arg: "flag", field: "vmacXmitBase", toml: "vmac_xmit_base", emit: (i) => i.vmacXmitBase || undefined },
  { name: "v3_checksum_as_v2", section: I, does: "read", arg: "bool", field: "v3ChecksumAsV2", toml: "v3_checksum_as_v2", keepalived: "≥ 2.2.8", emit: (i) => (i.v3Ipv4Checksum === "vrrp-only" ? true : undefined) },
  { name: "old_unicast_checksum", section: I, does: "read", arg: "flag", field: "oldUnicastChecksum", toml: "old_unicast_checksum", emit: (i) => (i.v3Ipv4Checksum === "group-pseudo-header" ? true : undefined) },
  { name: "dont_track_primary", section: I, does: "read", arg: "flag", field: "dontTrackPrimary", toml: "dont_track_primary", emit: (i) => i.dontTrackPrimary || undefined },
  { name: "smtp_alert", section: I, does: "pending", arg: "special" },
  { name: "lvs_sync_daemon_interface", section: I, does: "pending", arg: "special" },
  ...ignored<InstanceConfig>(I, `vrf use_vmac_addr use_ipvlan native_ipv6 track_process track_bfd mcast_dst_ip track_src_ip
  check_unicast_src unicast_fault_no_peer unicast_ttl garp_lower_prio_delay garp_lower_prio_repeat garp_extra_if
  vmac_garp_intvl down_timer_adverts lower_prio_no_advert higher_prio_send_advert virtual_rules promote_secondaries
  skip_check_adv_addr strict_mode debug notify_master_rx_lower_pri notify_deleted
  kernel_rx_buf_size linkbeat_use_polling no_virtual_ipaddress owner_ignore_adverts timer_expired_backup
  thread_timer_expired auth_hmac`),
];
