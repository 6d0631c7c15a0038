// One interface for every tracker that moves an instance's priority or puts it in Fault.
// A tracker kind (script, file, process, …) says where its definitions and the instances'
// references are in the config, builds a monitor per definition, and turns a monitor's state and a
// reference's weight into an effect. Monitors are shared by every instance that tracks them and
// survive a reload when their definition is the same. Adding a tracker: one file exporting a
// TrackerKind, one line in TRACKER_KINDS (trackers/index.ts).
import type { InstanceConfig, VigilConfig } from "../../config/schema.ts";
import type { Clock, Logger, ProcessEvents } from "../ports.ts";
import type { ScriptPolicy, ScriptRunner } from "../spawn.ts";

/** Where a fault comes from: the instance's link, a tracked interface, or a tracker kind. */
export type FaultKind = "link" | "track_interface" | "track_script" | "track_file" | "track_process" | "sync_group";

export interface FaultSource {
  kind: FaultKind;
  name: string;
}

/** The form the FSM, /status and the logs carry: "track_script:chk_haproxy". */
export function faultKey(s: FaultSource): string {
  return `${s.kind}:${s.name}`;
}

/** Trackers whose recovery is "track-recovered" (the others are links: "link-up"). */
export function isTrackerKind(kind: FaultKind): boolean {
  return kind === "track_script" || kind === "track_file" || kind === "track_process";
}

export interface TrackerMonitor<D extends { name: string } = { name: string }> {
  readonly cfg: D;
  /** Adds a listener for changes of state; returns its removal. */
  onChange(fn: () => void): () => void;
  start(): void;
  stop(): void;
  /** True when a reload with `next` can keep this monitor running (no flap). */
  sameDefinition(next: D): boolean;
}

/** What a monitor may use. */
export interface TrackerContext {
  clock: Clock;
  runner: ScriptRunner;
  logger: Logger;
  /** Script users and enable_script_security (the daemon's Notifier policy); absent in bare tests. */
  policy?: ScriptPolicy;
  /** The kernel's process events (DaemonDeps.processEvents); absent: track_process scans /proc. */
  processEvents?: ProcessEvents;
}

/** An instance's contribution from one tracked monitor: Fault, or a priority delta. */
export interface TrackEffect {
  fault: boolean;
  delta: number;
}

export interface TrackerKind<D extends { name: string } = { name: string }, M extends TrackerMonitor<D> = TrackerMonitor<D>> {
  readonly kind: Extract<FaultKind, "track_script" | "track_file" | "track_process">;
  definitions(cfg: VigilConfig): readonly D[];
  references(inst: InstanceConfig): readonly { name: string; weight?: number; reverse?: boolean }[];
  create(def: D, ctx: TrackerContext): M;
  /**
   * keepalived's weight rules for this kind; `weight` and `reverse` are the reference's own
   * (undefined: the definition's), the weight forced to 0 inside a sync group. null: no verdict
   * yet (ignored).
   */
  effect(m: M, weight: number | undefined, inGroup: boolean, reverse?: boolean): TrackEffect | null;
  /** Where the monitor gets its verdict from, for /status (track_process: connector or scan). */
  source?(m: M): { source: string; reason?: string } | null;
}

/**
 * keepalived's rule for a good/bad tracker: weight 0 → Fault while bad; > 0 added while good; < 0
 * added while bad. `reverse` (keepalived's weight_multiplier -1): weight 0 → Fault while good; the
 * weight is subtracted instead of added, at the same moments (vrrp_track.c).
 */
export function goodBadEffect(ok: boolean, weight: number, reverse = false): TrackEffect {
  if (weight === 0) return { fault: reverse ? ok : !ok, delta: 0 };
  return { fault: false, delta: (weight > 0) === ok ? (reverse ? -weight : weight) : 0 };
}
