// What an instance's configuration and link mean for its parts: the FSM's parameters and the GARP
// scheduler's timing (RFC 5798 §6.4.2 announcements plus keepalived's garp_* keywords).
import type { InstanceConfig } from "../config/schema.ts";
import type { FsmParams } from "../protocol/types.ts";
import { extraIfTargets, type GarpTiming } from "./garp.ts";

/** Where the instance lives on the host, resolved by the daemon at start. */
export interface InstanceLink {
  ifindex: number;
  mac: Uint8Array;
  /** Address adverts are sent from: unicast_src_ip, the primary IPv4, or the IPv6 link-local. */
  srcAddress: string;
  /**
   * use_vmac: the VIPs and gratuitous ARPs go on this interface (its MAC is the virtual MAC), and
   * the adverts too unless `xmitBase` (then from the base interface, ifindex above). Receiving
   * stays on the base interface.
   */
  vmac?: { name: string; ifindex: number; mac: Uint8Array; xmitBase: boolean };
  /** Called once when the instance is gone (stop, abort, last resort): removes the VMAC. Must not throw. */
  release?: () => void;
}

export function fsmParams(cfg: InstanceConfig, primaryAddress: string): FsmParams {
  return {
    version: cfg.version,
    family: cfg.family,
    vrid: cfg.vrid,
    basePriority: cfg.priority,
    advertIntervalCs: cfg.advertIntervalCs,
    preempt: cfg.preempt,
    preemptDelayMs: cfg.preemptDelayMs,
    primaryAddress,
    startAsMaster: cfg.initialState === "master",
    ...(cfg.lowerPrioNoAdvert && { lowerPrioNoAdvert: true }),
    ...((cfg.garpLowerPrioRepeat ?? 0) > 0 && { lowerPrioReannounce: true }),
    ...(cfg.higherPrioSendAdvert && { higherPrioSendAdvert: true }),
  };
}

/** The GARP / unsolicited NA timing of a takeover; `resolve` finds garp_extra_if's interfaces. */
export function garpTiming(
  cfg: InstanceConfig,
  link: InstanceLink,
  resolve: (name: string) => { index: number; mac: Uint8Array } | undefined,
): GarpTiming {
  return {
    repeat: cfg.garpMasterRepeat,
    delayMs: cfg.garpMasterDelayMs,
    refreshMs: cfg.garpMasterRefreshMs,
    refreshRepeat: cfg.garpMasterRefreshRepeat,
    garpIntervalMs: cfg.garpIntervalMs ?? 0,
    gnaIntervalMs: cfg.gnaIntervalMs ?? 0,
    ...(cfg.garpGroup !== undefined && { pacingKey: `garp_group:${cfg.garpGroup}` }),
    ...(cfg.garpExtraIf && { extraIf: extraIf(cfg, link, cfg.garpExtraIf, resolve) }),
  };
}

/** keepalived garp_extra_if: the VIPs announced on their other interfaces too, every intervalSec. */
function extraIf(
  cfg: InstanceConfig,
  link: InstanceLink,
  x: { intervalSec: number; all: boolean },
  resolve: (name: string) => { index: number; mac: Uint8Array } | undefined,
) {
  const vmac = link.vmac;
  const own = { ifname: vmac?.name ?? cfg.interface, vmac: vmac !== undefined, xmitBase: vmac?.xmitBase ?? false };
  return { intervalMs: x.intervalSec * 1000, targets: extraIfTargets([...cfg.virtualIps, ...cfg.excludedVips], own, x.all, resolve) };
}
