// What an instance's configuration and link mean for its parts: the FSM's parameters and the GARP
// scheduler's timing (RFC 5798 §6.4.2 announcements plus keepalived's garp_* keywords).
import type { InstanceConfig } from "../config/schema.ts";
import { step } from "../protocol/fsm.ts";
import type { FsmParams, FsmState } from "../protocol/types.ts";
import type { EncodedAdvert } from "./advert-encoder.ts";
import type { AdvertStats } from "./advert-stats.ts";
import type { AddressSpec, InstanceStatus, TakeoverAdvert } from "./ports.ts";
import type { VipSet } from "./vips.ts";
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

/** What /status shows of an instance's configuration, whatever its state. */
export function configStatus(cfg: InstanceConfig) {
  return {
    name: cfg.name,
    interface: cfg.interface,
    vrid: cfg.vrid,
    version: cfg.version,
    family: cfg.family,
    basePriority: cfg.priority,
    advertIntervalCs: cfg.advertIntervalCs,
  };
}

export const cidrText = (v: Pick<AddressSpec, "address" | "prefixLength">): string => `${v.address}/${v.prefixLength}`;

/** What /status shows of an instance. */
export function instanceStatus(
  cfg: InstanceConfig,
  f: FsmState,
  vips: readonly Pick<AddressSpec, "address" | "prefixLength">[],
  stats: AdvertStats,
  last: { atWallMs: number; from: FsmState["state"] },
): InstanceStatus {
  return {
    ...configStatus(cfg),
    state: f.state,
    effectivePriority: f.priority,
    masterAddress: f.masterAddress,
    masterAdvertIntervalCs: f.masterAdvertIntervalCs,
    virtualIps: vips.map(cidrText),
    advertsSent: stats.sent,
    advertsReceived: stats.received,
    lastTransition: f.lastTransitionReason === null || f.lastTransitionMs === null
      ? null
      : { atWallMs: last.atWallMs, from: last.from, to: f.state, reason: f.lastTransitionReason },
    faults: [...f.faults],
  };
}

/**
 * A backup may have to take over at any moment: its advert is encoded and the transport's
 * buffers for it built now, not on the failover's critical path (~0.3 ms measured cold).
 */
export function prepareTakeover(f: FsmState, nowMs: number, vips: VipSet, packets: () => readonly EncodedAdvert[], prepareSend: (dst: string) => void): void {
  try {
    // The FSM step of the takeover, on a copy (step is pure): its code runs once before it counts.
    step(f, { type: "timer", timer: "masterDown" }, nowMs);
    vips.prepare();
    for (const p of packets()) prepareSend(p.dst);
  } catch {
    // An optimisation only: the takeover does all of it itself.
  }
}

/** What a backup hands to its watch of repeats to send the moment Master_Down fires (none unless Backup above priority 0). */
export function takeoverAdvert(
  f: FsmState,
  route: { ifindex: number; family: 4 | 6; src: string },
  packets: (priority: number) => readonly EncodedAdvert[],
): { advert: TakeoverAdvert; priority: number } | undefined {
  if (f.state !== "backup" || f.priority <= 0) return undefined;
  return { advert: { ...route, packets: packets(f.priority) }, priority: f.priority };
}
