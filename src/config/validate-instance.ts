// One InstanceDraft → InstanceConfig: defaults (keepalived's), ranges, addresses. Every problem is
// reported; a value that fails keeps a placeholder so the remaining checks still run.

import { parseVmacAddress } from "./vmac-address.ts";
import type { Family, VrrpVersion } from "../protocol/types.ts";
import type { InstanceConfig, SourcePosition } from "./schema.ts";
import type { Diags } from "./diagnostics.ts";
import type { GlobalDraft, InstanceDraft, Located, TrackDraft } from "./draft.ts";
import { parseIp } from "./address.ts";
import { checkIfName, moveExcessVips, vipList } from "./validate-vips.ts";
import { inRange, isInt } from "./validate-number.ts";
import { advertInterval } from "./validate-advert.ts";
import { garpExtraIf } from "./validate-garp.ts";
import { limits, NOTIFY, spec } from "./keywords.ts";

export { checkIfName } from "./validate-vips.ts";
export { inRange } from "./validate-number.ts";
import { route } from "./validate-routes.ts";
export { route };

/** Range and keepalived default of a vrrp_instance keyword, from the keyword table. */
const L = (name: string) => limits(spec("vrrp_instance", name));

/** keepalived defaults (keepalived.conf(5)); the TOML format shares them. */
export const DEFAULTS = {
  priority: L("priority").dflt,
  advertIntSec: L("advert_int").dflt,
  version: L("version").dflt as VrrpVersion,
} as const;

const AUTH_PASS_MAX = 8; // RFC 3768 §5.3.6.1: 8 octets

import { defaultAccept } from "./keywords-instance.ts";
export { defaultAccept };

/**
 * unicast_src_ip / unicast_peer / mcast_src_ip. keepalived's inet_stosockaddr cuts a "/mask" or
 * "-range" suffix off (warned here); a bad address or the other family is skipped with a warning.
 */
function hostAddress(v: Located<string>, what: string, family: Family | undefined, diags: Diags): string | undefined {
  const cut = diags.keepalivedCompat ? v.value.search(/[/-]/) : -1;
  const text = cut >= 0 ? v.value.slice(0, cut) : v.value;
  const ip = parseIp(text);
  const skipped = diags.keepalivedCompat ? "; skipped (as keepalived)" : "";
  if (!ip) {
    diags.tolerate(v.pos, `${what} '${v.value}' is not an IP address${skipped}`);
    return undefined;
  }
  if (family && ip.family !== family) {
    diags.tolerate(v.pos, `${what} ${ip.address} is IPv${ip.family} but the instance's VIPs are IPv${family}${skipped}`);
    return undefined;
  }
  if (cut >= 0) diags.warn(v.pos, `${what} '${v.value}': '${v.value.slice(cut)}' ignored, ${ip.address} used (as keepalived)`);
  return ip.address;
}

/** A number of seconds, checked against the table's range; the table's default when absent or bad. */
function seconds(v: Located<number> | undefined, what: string, diags: Diags): number {
  const { lo, hi, dflt } = L(what);
  if (!v) return dflt;
  return inRange(v, lo, hi, what, diags) ? v.value : dflt;
}

function count(v: Located<number> | undefined, what: string, diags: Diags): number {
  const { lo, hi, dflt } = L(what);
  if (!v) return dflt;
  return isInt(v, what, diags) && inRange(v, lo, hi, what, diags) ? v.value : dflt;
}

/**
 * keepalived garp_lower_prio_repeat / garp_lower_prio_delay / lower_prio_no_advert / higher_prio_send_advert: defaults from the
 * vrrp_ globals, else the global GARP repeat/delay; vrrp_strict forces no GARPs, no answer and no advert on yielding (as keepalived).
 */
function lowerPriority(d: InstanceDraft, g: GlobalDraft, inst: InstanceConfig, vrrpStrict: boolean, diags: Diags): void {
  const repeat = d.garpLowerPrioRepeat ?? g.garpLowerPrioRepeat ?? g.garpMasterRepeat;
  const delay = d.garpLowerPrioDelaySec ?? g.garpLowerPrioDelaySec ?? g.garpMasterDelaySec;
  const noAdvert = d.lowerPrioNoAdvert ?? g.lowerPrioNoAdvert;
  const higherAdvert = d.higherPrioSendAdvert ?? g.higherPrioSendAdvert;
  inst.garpLowerPrioRepeat = count(repeat, "garp_lower_prio_repeat", diags);
  inst.garpLowerPrioDelayMs = Math.round(1000 * seconds(delay, "garp_lower_prio_delay", diags));
  inst.lowerPrioNoAdvert = noAdvert?.value ?? false;
  if (higherAdvert?.value && !vrrpStrict) inst.higherPrioSendAdvert = true;
  if (!vrrpStrict) return;
  const why = "under vrrp_strict; reset (as keepalived)";
  if (d.garpLowerPrioRepeat && inst.garpLowerPrioRepeat) diags.warn(d.garpLowerPrioRepeat.pos, `garp_lower_prio_repeat ${inst.garpLowerPrioRepeat} ${why}`);
  if (d.garpLowerPrioDelaySec && inst.garpLowerPrioDelayMs) diags.warn(d.garpLowerPrioDelaySec.pos, `garp_lower_prio_delay ${why}`);
  if (d.lowerPrioNoAdvert && !inst.lowerPrioNoAdvert) diags.warn(d.lowerPrioNoAdvert.pos, `lower_prio_no_advert off ${why}`);
  if (d.higherPrioSendAdvert?.value) diags.warn(d.higherPrioSendAdvert.pos, `higher_prio_send_advert ${why}`);
  inst.garpLowerPrioRepeat = 0;
  inst.garpLowerPrioDelayMs = 0;
  inst.lowerPrioNoAdvert = true;
}

export function validateInstance(d: InstanceDraft, g: GlobalDraft, diags: Diags): InstanceConfig {
  const name = d.name.value;
  const where = `vrrp_instance ${name}`;
  const vrrpStrict = g.vrrpStrict?.value ?? false;
  // keepalived 2.2.7 stops with "Unknown interface!" (exit 2) when an instance has none.
  if (!d.interface) diags.error(d.pos, `${where}: missing interface (keepalived refuses this too: "Unknown interface!")`);
  else checkIfName(d.interface, "interface", diags);
  if (!d.vrid) diags.error(d.pos, `${where}: missing virtual_router_id`);
  else if (isInt(d.vrid, "virtual_router_id", diags)) {
    inRange(d.vrid, spec("vrrp_instance", "virtual_router_id").range![0], spec("vrrp_instance", "virtual_router_id").range![1], "virtual_router_id", diags);
  }

  // The instance's family is its first address's (keepalived: the first VIP, else the first unicast address).
  const firstAddr = [...d.vips.map((v) => v.address.value.split("/")[0]!), d.unicastSrcIp?.value, ...d.unicastPeers.map((p) => p.value)]
    .map((t) => (t === undefined ? null : parseIp(t.replace(/[/-].*$/, ""))))
    .find((ip) => ip !== null);
  const family: Family = firstAddr?.family ?? 4;
  const vips = vipList(d.vips, "virtual address", diags, family);
  const excludedVips = vipList(d.excludedVips, "excluded address", diags);

  let version: VrrpVersion = DEFAULTS.version;
  const verSrc = d.version ?? g.vrrpVersion;
  if (verSrc && (verSrc.value === 2 || verSrc.value === 3)) version = verSrc.value;
  else if (verSrc) diags.tolerate(verSrc.pos, `version ${verSrc.value} is not 2 or 3${diags.keepalivedCompat ? "; ignored (as keepalived)" : ""}`);
  if (family === 6 && version === 2) {
    // keepalived's version handler ignores `version 2` once the family is known to be IPv6 (a VIP or
    // unicast address before it: "conflicts with configured or deduced version"); before them it
    // keeps 2 and runs VRRPv2 over IPv6 (without vrrp_strict), which vigil's packet layer does not do.
    const v6 = [...d.vips.map((v) => v.address), ...(d.unicastSrcIp ? [d.unicastSrcIp] : []), ...d.unicastPeers].find((a) => a.value.includes(":"));
    const after = d.version && v6 && v6.pos.file === d.version.pos.file &&
      (v6.pos.line < d.version.pos.line || (v6.pos.line === d.version.pos.line && v6.pos.col < d.version.pos.col));
    if (after && !vrrpStrict) {
      diags.tolerate(
        d.version!.pos,
        `${where}: version 2 conflicts with the IPv6 addresses before it${diags.keepalivedCompat ? "; ignored, version 3 used (as keepalived)" : ""}`,
      );
    } else if (d.version && !vrrpStrict) {
      diags.error(
        d.version.pos,
        `${where}: VRRPv2 over IPv6 is not supported by vigil (keepalived runs it when 'version 2' precedes the IPv6 addresses; use version 3)`,
      );
    } else if (d.version) diags.warn(d.version.pos, `${where}: IPv6 cannot use VRRP version 2; version 3 used (as keepalived under vrrp_strict)`);
    version = 3; // keepalived: IPv6 instances run v3 when the version is only a global default
  }

  if (vips.length === 0) {
    // keepalived: v2 runs with "No VIP specified; at least one is sensible"; v3 and strict mode refuse.
    const refused = version === 3 || vrrpStrict;
    if (refused) diags.error(d.pos, `${where}: no virtual_ipaddress configured${refused ? " (keepalived refuses this too with VRRPv3 or vrrp_strict)" : ""}`);
    else diags.warn(d.pos, `${where}: no virtual_ipaddress configured; it runs without VIPs, as keepalived ("at least one is sensible")`);
  }
  moveExcessVips(vips, excludedVips, family, version, where, diags);

  let initialState: InstanceConfig["initialState"] = "backup";
  if (d.state?.value === "MASTER") initialState = "master";
  else if (d.state && d.state.value !== "BACKUP") {
    // keepalived compares exactly: "unknown state, defaulting to BACKUP".
    diags.tolerate(d.state.pos, `state '${d.state.value}' is not MASTER or BACKUP${diags.keepalivedCompat ? "; BACKUP used (as keepalived)" : ""}`);
  }
  const priority = priorityOf(d, initialState, diags);
  if (vrrpStrict && d.state && (initialState === "master") !== (priority === 255)) {
    diags.warn(
      d.state.pos,
      `${where}: under vrrp_strict state MASTER must match being the address owner (priority 255); state ${
        priority === 255 ? "MASTER" : "BACKUP"
      } used (as keepalived)`,
    );
    initialState = priority === 255 ? "master" : "backup";
  }
  const advertIntervalCs = advertInterval(d.advertIntSec, version, DEFAULTS.advertIntSec, diags);

  let preempt = d.preempt?.value ?? true;
  if (!preempt && (priority === 255 || initialState === "master")) {
    diags.warn(
      d.preempt!.pos,
      `${where}: nopreempt does not work with ${priority === 255 ? "priority 255" : "state MASTER"}; cleared (as keepalived; use state BACKUP)`,
    );
    preempt = true;
  }
  let preemptDelayMs = Math.round(seconds(d.preemptDelaySec, "preempt_delay", diags) * 1000);
  if (preemptDelayMs > 0) {
    const why = initialState === "master" ? "state MASTER" : vrrpStrict ? "vrrp_strict" : !preempt ? "nopreempt" : undefined;
    if (why) {
      diags.warn(d.preemptDelaySec!.pos, `${where}: preempt_delay does not work with ${why}; cleared (as keepalived)`);
      preemptDelayMs = 0;
    }
  }

  const inst: InstanceConfig = {
    name,
    interface: d.interface?.value ?? "",
    vrid: d.vrid?.value ?? 0,
    priority,
    advertIntervalCs,
    version,
    family,
    initialState,
    preempt,
    preemptDelayMs,
    unicastPeers: [],
    virtualIps: vips,
    excludedVips,
    virtualRoutes: [],
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    notify: {},
    garpMasterDelayMs: 1000 * seconds(d.garpMasterDelaySec ?? g.garpMasterDelaySec, "garp_master_delay", diags),
    garpMasterRepeat: count(d.garpMasterRepeat ?? g.garpMasterRepeat, "garp_master_repeat", diags),
    garpMasterRefreshMs: 1000 * seconds(d.garpMasterRefreshSec ?? g.garpMasterRefreshSec, "garp_master_refresh", diags),
    garpMasterRefreshRepeat: count(d.garpMasterRefreshRepeat ?? g.garpMasterRefreshRepeat, "garp_master_refresh_repeat", diags),
    accept: d.accept?.value ?? defaultAccept(vrrpStrict, priority),
    v3Ipv4Checksum: d.oldUnicastChecksum?.value ? "group-pseudo-header" : (d.v3ChecksumAsV2 ?? g.v3ChecksumAsV2)?.value ? "vrrp-only" : "pseudo-header",
    pos: d.pos,
  };
  inst.garpMasterDelayMs = Math.round(inst.garpMasterDelayMs);
  inst.garpMasterRefreshMs = Math.round(inst.garpMasterRefreshMs);
  inst.garpIntervalMs = Math.round(1000 * seconds(d.garpIntervalSec ?? g.garpIntervalSec, "garp_interval", diags));
  inst.gnaIntervalMs = Math.round(1000 * seconds(d.gnaIntervalSec ?? g.gnaIntervalSec, "gna_interval", diags));
  lowerPriority(d, g, inst, vrrpStrict, diags);
  const extraIf = garpExtraIf(d, g);
  if (extraIf) inst.garpExtraIf = extraIf;

  authentication(d, inst, where, vrrpStrict, diags);
  if (d.unicastSrcIp) inst.unicastSrcIp = hostAddress(d.unicastSrcIp, "unicast_src_ip", family, diags);
  if (d.mcastSrcIp) inst.mcastSrcIp = hostAddress(d.mcastSrcIp, "mcast_src_ip", family, diags);
  const peers = new Set<string>();
  for (const p of d.unicastPeers) {
    const a = hostAddress(p, "unicast_peer", family, diags);
    if (!a) continue;
    if (peers.has(a)) diags.warn(p.pos, `unicast_peer ${a} listed twice; the repeat is ignored`);
    else {
      peers.add(a);
      inst.unicastPeers.push(a);
    }
  }
  for (const r of d.routes) {
    const v = route(r, diags);
    if (v) inst.virtualRoutes.push(v);
  }
  if (d.rules && d.rules.length > 0) inst.virtualRules = d.rules;
  for (const t of d.trackInterfaces) {
    checkIfName(t.name, "track_interface", diags);
    const w = t.weight && isInt(t.weight, "weight", diags) && inRange(t.weight, -253, 253, "track_interface weight", diags) ? t.weight.value : 0;
    inst.trackInterfaces.push({ name: t.name.value, weight: w, ...(t.reverse ? { reverse: true } : {}), pos: t.name.pos });
  }
  for (const [list, out, lim] of [[d.trackScripts, inst.trackScripts, 253], [d.trackFiles, inst.trackFiles, 254]] as const) {
    for (const t of list) {
      out.push(trackRef(t, lim, diags));
    }
  }
  for (const t of d.trackProcesses ?? []) (inst.trackProcesses ??= []).push(trackRef(t, 254, diags));
  if (d.notifyPriorityChanges) inst.notifyPriorityChanges = d.notifyPriorityChanges.value;
  for (const [, k] of NOTIFY) {
    const v = d.notify[k];
    if (v) inst.notify[k] = v.value;
  }
  if (d.useVmac) {
    const vmac = d.useVmac.value || `vrrp.${inst.vrid}`;
    checkIfName({ value: vmac, pos: d.useVmac.pos }, "use_vmac", diags);
    inst.useVmac = vmac;
    const mac = d.vmacAddress && parseVmacAddress(d.vmacAddress.value, inst.vrid);
    if (mac && "problem" in mac) diags.warn(d.vmacAddress!.pos, mac.problem);
    else if (mac) {
      if (mac.note) diags.warn(d.vmacAddress!.pos, mac.note);
      inst.vmacAddress = mac.mac;
    }
  }
  if (d.vmacAddress && !d.useVmac) diags.warn(d.vmacAddress.pos, `${where}: vmac_address without use_vmac; ignored`);
  if (d.vmacXmitBase?.value && vrrpStrict) {
    diags.warn(d.vmacXmitBase.pos, `${where}: vmac_xmit_base is incompatible with vrrp_strict; cleared (as keepalived)`);
  } else if (d.vmacXmitBase?.value) inst.vmacXmitBase = true;
  strictChecks(d, inst, where, vrrpStrict, diags);
  if (d.dontTrackPrimary?.value) inst.dontTrackPrimary = true;
  if (family === 6 && vips.length > 0 && !vips[0]!.address.startsWith("fe80:") && vrrpStrict && inst.unicastPeers.length === 0) {
    diags.warn(vips[0]!.pos, `${where}: under vrrp_strict the first IPv6 VIP must be link-local (RFC 5798 §5.2.9; keepalived reports this too)`);
  } else if (family === 6 && vips.length > 0 && !vips.some((v) => v.address.startsWith("fe80:"))) {
    diags.advise(vips[0]!.pos, `${where}: no link-local VIP (RFC 5798 §5.2.9 wants fe80::… first); routers other than keepalived may reject the adverts`);
  }
  return inst;
}

/**
 * keepalived: an unreadable or out-of-range priority is warned about and 100 is used; with no
 * priority at all, `state MASTER` means 255 (the address owner) and otherwise 100.
 */
function priorityOf(d: InstanceDraft, initialState: InstanceConfig["initialState"], diags: Diags): number {
  const p = d.priority;
  if (p && Number.isInteger(p.value) && p.value >= 1 && p.value <= 255) return p.value;
  if (p) {
    diags.tolerate(p.pos, `priority ${p.value} is out of range (1–255)${diags.keepalivedCompat ? `; ${DEFAULTS.priority} used (as keepalived)` : ""}`);
    return DEFAULTS.priority;
  }
  if (initialState === "master" && diags.keepalivedCompat) {
    diags.advise(d.state!.pos, `vrrp_instance ${d.name.value}: state MASTER without priority advertises priority 255 (as keepalived)`);
    return 255;
  }
  return DEFAULTS.priority;
}

/** keepalived's vrrp_complete_instance: every authentication it cannot use is dropped with a warning. */
function authentication(d: InstanceDraft, inst: InstanceConfig, where: string, vrrpStrict: boolean, diags: Diags): void {
  const type = d.authType?.value;
  if (type !== undefined && type !== "PASS" && type !== "AH") {
    diags.tolerate(
      d.authType!.pos,
      `auth_type '${d.authType!.value}' is not PASS or AH${diags.keepalivedCompat ? "; the instance runs without authentication (as keepalived)" : ""}`,
    );
    return;
  }
  if (type === undefined) {
    if (d.authPass) diags.warn(d.authPass.pos, `${where}: auth_pass without auth_type PASS is ignored`);
    return;
  }
  if (vrrpStrict) {
    diags.warn(d.authType!.pos, `${where}: vrrp_strict sends no authentication; auth_type ${type} ignored (as keepalived)`);
    return;
  }
  if (inst.version === 3) {
    diags.warn(d.authType!.pos, `${where}: VRRPv3 has no authentication (RFC 5798 §9); auth_type ${type} ignored`);
    return;
  }
  if (type === "AH") return; // warned as pending (validate.ts)
  if (!d.authPass || d.authPass.value === "") {
    diags.tolerate(
      d.authType!.pos,
      `${where}: auth_type PASS without auth_pass${diags.keepalivedCompat ? "; the instance runs without authentication (as keepalived)" : ""}`,
    );
    return;
  }
  const pass = d.authPass.value;
  if (pass.length > AUTH_PASS_MAX) {
    diags.warn(d.authPass.pos, `auth_pass is longer than ${AUTH_PASS_MAX} characters; only '${pass.slice(0, AUTH_PASS_MAX)}' is used (as keepalived)`);
  }
  inst.authPass = pass.slice(0, AUTH_PASS_MAX);
}

/** A track_script / track_file / track_process reference: its own weight (in range) and reverse, else the definition's. */
function trackRef(t: TrackDraft, lim: number, diags: Diags): { name: string; weight?: number; reverse?: boolean; pos: SourcePosition } {
  const ok = t.weight && inRange(t.weight, -lim, lim, "weight", diags);
  return { name: t.name.value, ...(ok ? { weight: t.weight!.value } : {}), ...(t.reverse ? { reverse: t.reverse.value } : {}), pos: t.name.pos };
}

/**
 * What keepalived's vrrp_complete_instance enforces under vrrp_strict besides what is checked where
 * the value is read (state/priority, authentication, IPv6 with v2, preempt_delay, no VIP,
 * vmac_xmit_base, the first IPv6 VIP): unicast peers refuse the instance (an error: keepalived
 * drops the configuration), accept mode with VRRPv2 by a non-owner is reset (RFC 3768 has none).
 */
function strictChecks(d: InstanceDraft, inst: InstanceConfig, where: string, vrrpStrict: boolean, diags: Diags): void {
  if (!vrrpStrict) return;
  if (d.unicastPeers.length > 0) {
    diags.error(d.unicastPeers[0]!.pos, `${where}: unicast peers are not supported with vrrp_strict (keepalived refuses this too)`);
  }
  if (inst.accept && inst.priority !== 255 && inst.version === 2) {
    if (d.accept) diags.warn(d.accept.pos, `${where}: accept mode with VRRP version 2 does not comply with RFC 3768 under vrrp_strict; reset (as keepalived)`);
    inst.accept = false;
  }
}
