// One InstanceDraft → InstanceConfig: defaults (keepalived's), ranges, addresses. Every problem is
// reported; a value that fails keeps a placeholder so the remaining checks still run.

import type { Family, VrrpVersion } from "../protocol/types.ts";
import type { InstanceConfig, VirtualAddress, VirtualRoute } from "./schema.ts";
import type { Diags } from "./diagnostics.ts";
import type { GlobalDraft, InstanceDraft, Located, VipDraft } from "./draft.ts";
import { ipv4HostBits, isMulticast, parseIp, parsePrefix } from "./address.ts";

/** keepalived defaults (keepalived.conf(5)); the TOML format shares them. */
export const DEFAULTS = {
  priority: 100,
  advertIntSec: 1,
  version: 2 as VrrpVersion,
  garpMasterDelaySec: 5,
  garpMasterRepeat: 5,
  garpMasterRefreshSec: 0,
  garpMasterRefreshRepeat: 1,
} as const;

const SCOPES = ["global", "site", "link", "host", "nowhere"] as const;
const AUTH_PASS_MAX = 8; // RFC 3768 §5.3.6.1: 8 octets

export function checkIfName(v: Located<string>, what: string, diags: Diags): void {
  const n = v.value;
  if (n.length === 0 || n.length > 15 || /[\s/:]/.test(n) || n === "." || n === "..") {
    diags.error(v.pos, `${what} '${n}' is not a valid interface name (1–15 characters, no '/', ':' or spaces)`);
  }
}

export function inRange(v: Located<number> | undefined, lo: number, hi: number, what: string, diags: Diags): boolean {
  if (!v) return true;
  if (!Number.isFinite(v.value) || v.value < lo || v.value > hi) {
    diags.error(v.pos, `${what} ${v.value} is out of range (${lo}–${hi})`);
    return false;
  }
  return true;
}

function isInt(v: Located<number> | undefined, what: string, diags: Diags): boolean {
  if (!v || Number.isInteger(v.value)) return true;
  diags.error(v.pos, `${what} must be a whole number, got ${v.value}`);
  return false;
}

/** Default accept mode: on, unless vrrp_strict (then only for the address owner). */
export function defaultAccept(vrrpStrict: boolean, priority: number): boolean {
  return vrrpStrict ? priority === 255 : true;
}

function vip(d: VipDraft, diags: Diags): VirtualAddress | undefined {
  const p = parsePrefix(d.address.value);
  if ("error" in p) {
    diags.error(d.address.pos, `bad virtual address: ${p.error}`);
    return undefined;
  }
  if (isMulticast(p) || p.bytes.every((b) => b === 0)) {
    diags.error(d.address.pos, `virtual address ${p.address} must be a unicast address`);
    return undefined;
  }
  const out: VirtualAddress = { address: p.address, prefixLength: p.prefixLength, family: p.family, pos: d.address.pos };
  if (d.dev) {
    checkIfName(d.dev, "dev", diags);
    out.dev = d.dev.value;
  }
  if (d.scope) {
    const s = d.scope.value as (typeof SCOPES)[number];
    if (SCOPES.includes(s)) out.scope = s;
    else diags.error(d.scope.pos, `scope '${d.scope.value}' is not one of ${SCOPES.join(", ")}`);
  }
  if (d.label) {
    if (p.family === 6) diags.warn(d.label.pos, `label '${d.label.value}' ignored: Linux has no labels on IPv6 addresses`);
    else if (d.label.value.length > 15) diags.error(d.label.pos, `label '${d.label.value}' is longer than 15 characters`);
    else out.label = d.label.value;
  }
  if (d.brd) {
    const b = d.brd.value;
    if (p.family === 6) diags.error(d.brd.pos, "brd applies to IPv4 addresses only");
    else if (b === "+" || b === "-") out.broadcast = ipv4HostBits(p.bytes, p.prefixLength, b === "+");
    else {
      const ip = parseIp(b);
      if (!ip || ip.family !== 4) diags.error(d.brd.pos, `brd '${b}' is not an IPv4 address`);
      else out.broadcast = ip.address;
    }
  }
  return out;
}

function vipList(list: VipDraft[], what: string, diags: Diags): VirtualAddress[] {
  const out: VirtualAddress[] = [];
  const seen = new Map<string, VirtualAddress>();
  for (const d of list) {
    const v = vip(d, diags);
    if (!v) continue;
    const key = `${v.address}/${v.dev ?? ""}`;
    const first = seen.get(key);
    if (first) {
      diags.warn(v.pos, `${what} ${v.address} is listed twice (first at line ${first.pos.line}); the repeat is ignored`);
      continue;
    }
    seen.set(key, v);
    out.push(v);
  }
  return out;
}

function route(d: InstanceDraft["routes"][number], diags: Diags): VirtualRoute | undefined {
  const r: VirtualRoute = { to: d.to.value, pos: d.to.pos };
  if (d.to.value !== "default") {
    const p = parsePrefix(d.to.value);
    if ("error" in p) diags.error(d.to.pos, `bad route destination: ${p.error}`);
    else r.to = `${p.address}/${p.prefixLength}`;
  }
  for (const k of ["via", "src"] as const) {
    const v = d[k];
    if (!v) continue;
    const ip = parseIp(v.value);
    if (!ip) diags.error(v.pos, `route ${k} '${v.value}' is not an IP address`);
    else r[k] = ip.address;
  }
  if (d.dev) {
    checkIfName(d.dev, "route dev", diags);
    r.dev = d.dev.value;
  }
  if (d.metric && isInt(d.metric, "route metric", diags) && inRange(d.metric, 0, 4294967295, "route metric", diags)) r.metric = d.metric.value;
  if (d.table && isInt(d.table, "route table", diags) && inRange(d.table, 1, 4294967295, "route table", diags)) r.table = d.table.value;
  return r;
}

function hostAddress(v: Located<string>, what: string, family: Family | undefined, diags: Diags): string | undefined {
  const ip = parseIp(v.value);
  if (!ip) {
    diags.error(v.pos, `${what} '${v.value}' is not an IP address`);
    return undefined;
  }
  if (family && ip.family !== family) {
    diags.error(v.pos, `${what} ${ip.address} is IPv${ip.family} but the instance's VIPs are IPv${family}`);
  }
  return ip.address;
}

function seconds(v: Located<number> | undefined, dflt: number, lo: number, hi: number, what: string, diags: Diags): number {
  if (!v) return dflt;
  return inRange(v, lo, hi, what, diags) ? v.value : dflt;
}

function count(v: Located<number> | undefined, dflt: number, lo: number, hi: number, what: string, diags: Diags): number {
  if (!v) return dflt;
  return isInt(v, what, diags) && inRange(v, lo, hi, what, diags) ? v.value : dflt;
}

export function validateInstance(d: InstanceDraft, g: GlobalDraft, diags: Diags): InstanceConfig {
  const name = d.name.value;
  const where = `vrrp_instance ${name}`;
  if (!d.interface) diags.error(d.pos, `${where}: missing interface`);
  else checkIfName(d.interface, "interface", diags);
  if (!d.vrid) diags.error(d.pos, `${where}: missing virtual_router_id`);
  else if (isInt(d.vrid, "virtual_router_id", diags)) inRange(d.vrid, 1, 255, "virtual_router_id", diags);
  const priority = count(d.priority, DEFAULTS.priority, 1, 255, "priority", diags);

  const vips = vipList(d.vips, "virtual address", diags);
  if (d.vips.length === 0) diags.error(d.pos, `${where}: no virtual_ipaddress configured`);
  const family: Family = vips[0]?.family ?? 4;
  for (const v of vips) {
    if (v.family !== family) {
      diags.error(v.pos, `${where}: ${v.address} is IPv${v.family} but the first VIP is IPv${family}; put other-family addresses in virtual_ipaddress_excluded`);
    }
  }

  let version: VrrpVersion = DEFAULTS.version;
  const verSrc = d.version ?? g.vrrpVersion;
  if (verSrc && (verSrc.value === 2 || verSrc.value === 3)) version = verSrc.value;
  else if (verSrc) diags.error(verSrc.pos, `version ${verSrc.value} is not 2 or 3`);
  if (family === 6 && version === 2) {
    if (d.version) diags.error(d.version.pos, `${where}: IPv6 VIPs require version 3 (VRRPv2 is IPv4 only)`);
    version = 3; // keepalived: IPv6 instances always run v3 when the version is only a global default
  }

  let advertIntervalCs = DEFAULTS.advertIntSec * 100;
  const ai = d.advertIntSec;
  if (ai && version === 2) {
    if (!Number.isInteger(ai.value) || ai.value < 1 || ai.value > 255) {
      diags.error(ai.pos, `advert_int ${ai.value} is invalid for VRRPv2: whole seconds 1–255 (fractions need version 3)`);
    } else advertIntervalCs = ai.value * 100;
  } else if (ai) {
    if (!(ai.value >= 0.01 && ai.value <= 40.95)) diags.error(ai.pos, `advert_int ${ai.value} is out of range for VRRPv3 (0.01–40.95 s)`);
    else {
      advertIntervalCs = Math.round(ai.value * 100);
      if (Math.abs(ai.value * 100 - advertIntervalCs) > 1e-6) {
        diags.warn(ai.pos, `advert_int ${ai.value} rounded to ${advertIntervalCs / 100} s (VRRPv3 counts centiseconds)`);
      }
    }
  }

  let initialState: InstanceConfig["initialState"] = "backup";
  if (d.state) {
    if (d.state.value === "MASTER") initialState = "master";
    else if (d.state.value !== "BACKUP") diags.error(d.state.pos, `state '${d.state.value}' is not MASTER or BACKUP`);
  }
  const preempt = d.preempt?.value ?? true;
  if (!preempt && initialState === "master") {
    diags.warn(d.preempt!.pos, `${where}: nopreempt has no effect with state MASTER (use state BACKUP)`);
  }
  const preemptDelayMs = Math.round(seconds(d.preemptDelaySec, 0, 0, 1000, "preempt_delay", diags) * 1000);

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
    excludedVips: vipList(d.excludedVips, "excluded address", diags),
    virtualRoutes: [],
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    notify: {},
    garpMasterDelayMs: 1000 * seconds(d.garpMasterDelaySec ?? g.garpMasterDelaySec, DEFAULTS.garpMasterDelaySec, 0, 86400, "garp_master_delay", diags),
    garpMasterRepeat: count(d.garpMasterRepeat ?? g.garpMasterRepeat, DEFAULTS.garpMasterRepeat, 0, 1000, "garp_master_repeat", diags),
    garpMasterRefreshMs: 1000 * seconds(d.garpMasterRefreshSec ?? g.garpMasterRefreshSec, DEFAULTS.garpMasterRefreshSec, 0, 86400, "garp_master_refresh", diags),
    garpMasterRefreshRepeat: count(d.garpMasterRefreshRepeat ?? g.garpMasterRefreshRepeat, DEFAULTS.garpMasterRefreshRepeat, 0, 1000, "garp_master_refresh_repeat", diags),
    accept: d.accept?.value ?? defaultAccept(g.vrrpStrict?.value ?? false, priority),
    v3Ipv4Checksum: d.oldUnicastChecksum?.value
      ? "group-pseudo-header"
      : (d.v3ChecksumAsV2 ?? g.v3ChecksumAsV2)?.value
        ? "vrrp-only"
        : "pseudo-header",
    pos: d.pos,
  };
  inst.garpMasterDelayMs = Math.round(inst.garpMasterDelayMs);
  inst.garpMasterRefreshMs = Math.round(inst.garpMasterRefreshMs);

  authentication(d, inst, where, diags);
  if (d.unicastSrcIp) inst.unicastSrcIp = hostAddress(d.unicastSrcIp, "unicast_src_ip", family, diags);
  if (d.mcastSrcIp) inst.mcastSrcIp = hostAddress(d.mcastSrcIp, "mcast_src_ip", family, diags);
  const peers = new Set<string>();
  for (const p of d.unicastPeers) {
    const a = hostAddress(p, "unicast_peer", family, diags);
    if (!a) continue;
    if (peers.has(a)) diags.warn(p.pos, `unicast_peer ${a} listed twice`);
    else {
      peers.add(a);
      inst.unicastPeers.push(a);
    }
  }
  for (const r of d.routes) {
    const v = route(r, diags);
    if (v) inst.virtualRoutes.push(v);
  }
  for (const t of d.trackInterfaces) {
    checkIfName(t.name, "track_interface", diags);
    const w = t.weight && isInt(t.weight, "weight", diags) && inRange(t.weight, -253, 253, "track_interface weight", diags) ? t.weight.value : 0;
    inst.trackInterfaces.push({ name: t.name.value, weight: w, pos: t.name.pos });
  }
  for (const [list, out, lim] of [[d.trackScripts, inst.trackScripts, 253], [d.trackFiles, inst.trackFiles, 254]] as const) {
    for (const t of list) {
      const ok = t.weight && inRange(t.weight, -lim, lim, "weight", diags);
      out.push(ok ? { name: t.name.value, weight: t.weight!.value, pos: t.name.pos } : { name: t.name.value, pos: t.name.pos });
    }
  }
  for (const k of ["master", "backup", "fault", "stop", "any"] as const) {
    const v = d.notify[k];
    if (v) inst.notify[k] = v.value;
  }
  if (d.useVmac) {
    const vmac = d.useVmac.value || `vrrp.${inst.vrid}`;
    checkIfName({ value: vmac, pos: d.useVmac.pos }, "use_vmac", diags);
    inst.useVmac = vmac;
  }
  if (d.vmacXmitBase?.value) inst.vmacXmitBase = true;
  if (d.dontTrackPrimary?.value) inst.dontTrackPrimary = true;
  if (family === 6 && vips.length > 0 && !vips.some((v) => v.address.startsWith("fe80:"))) {
    diags.warn(vips[0]!.pos, `${where}: no link-local VIP (RFC 5798 §5.2.9 wants fe80::… first); routers other than keepalived may reject the adverts`);
  }
  return inst;
}

function authentication(d: InstanceDraft, inst: InstanceConfig, where: string, diags: Diags): void {
  const type = d.authType?.value;
  if (type !== undefined && type !== "PASS" && type !== "AH") {
    diags.error(d.authType!.pos, `auth_type '${d.authType!.value}' is not PASS or AH`);
    return;
  }
  if (type === "AH") return; // warned through NOT_YET_ACTED_ON
  if (!d.authPass) {
    if (type === "PASS") diags.error(d.authType!.pos, `${where}: auth_type PASS without auth_pass`);
    return;
  }
  if (type === undefined) {
    diags.warn(d.authPass.pos, `${where}: auth_pass without auth_type PASS is ignored`);
    return;
  }
  if (inst.version === 3) {
    diags.warn(d.authPass.pos, `${where}: VRRPv3 has no authentication (RFC 5798 §9); auth_pass ignored`);
    return;
  }
  const pass = d.authPass.value;
  if (pass.length === 0) diags.error(d.authPass.pos, "auth_pass is empty");
  if (pass.length > AUTH_PASS_MAX) {
    diags.warn(d.authPass.pos, `auth_pass is longer than ${AUTH_PASS_MAX} characters; only '${pass.slice(0, AUTH_PASS_MAX)}' is used (as keepalived)`);
  }
  inst.authPass = pass.slice(0, AUTH_PASS_MAX);
}

