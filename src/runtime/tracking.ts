// Tracking: the instance's own link, track_interface and every tracker kind (track_script,
// track_file, track_process: src/runtime/trackers) decide Fault and the effective priority, with
// keepalived's weight rules (keepalived.conf(5)):
//   weight 0 → Fault while bad; weight > 0 → added while good; weight < 0 → added while bad.
import type { InstanceConfig, ScriptConfig } from "../config/schema.ts";
import { PRIORITY_OWNER } from "../protocol/constants.ts";
import type { FsmEvent } from "../protocol/types.ts";
import type { Clock, LinkWatcher, Logger, TimerHandle, TrackerStatus } from "./ports.ts";
import { scriptArgv, type ScriptPolicy, type ScriptRunner } from "./spawn.ts";
import { TRACKER_KINDS } from "./trackers/index.ts";
import { faultKey, type FaultKind, type FaultSource, goodBadEffect, isTrackerKind, type TrackerMonitor } from "./trackers/tracker.ts";
import { withoutPositions } from "./reload.ts";

/** The running monitors of each tracker kind, by definition name (Monitors in monitors.ts). */
export interface MonitorSource {
  get(kind: FaultKind, name: string): TrackerMonitor | undefined;
}

/** One vrrp_script, run every interval and shared by every instance that tracks it. */
export class ScriptMonitor implements TrackerMonitor<ScriptConfig> {
  /** null until the first result; the first result decides at once, then rise/fall apply. */
  ok: boolean | null = null;
  private streak = 0;
  private timer: TimerHandle | null = null;
  private stopped = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly cfg: ScriptConfig,
    private readonly clock: Clock,
    private readonly runner: ScriptRunner,
    private readonly logger: Logger,
    /** Who runs it and whether it may run (script_user, user, enable_script_security). */
    private readonly policy?: ScriptPolicy,
  ) {}

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  sameDefinition(next: ScriptConfig): boolean {
    return JSON.stringify(withoutPositions(next)) === JSON.stringify(withoutPositions(this.cfg));
  }

  start(): void {
    // keepalived init_fail: the script starts failed; `rise` successes make it good.
    if (this.cfg.initFail && this.ok === null) this.ok = false;
    // keepalived drops a script it may not run (missing, not executable, insecure under
    // enable_script_security, unknown user): instances tracking it run without it.
    if (this.policy) {
      const user = this.cfg.user === undefined ? undefined : { name: this.cfg.user, ...(this.cfg.group === undefined ? {} : { group: this.cfg.group }) };
      const p = this.policy.prepare(this.cfg.script, `vrrp_script ${this.cfg.name}`, user);
      if ("disabled" in p) return;
      this.prepared = p;
    }
    void this.tick();
  }

  private prepared: { argv: string[]; opts: import("./spawn.ts").ScriptOptions } | null = null;

  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimer(this.timer);
  }

  private async tick(): Promise<void> {
    const startedMs = this.clock.nowMs();
    const code = this.prepared
      ? await this.runner.run(this.prepared.argv, this.cfg.timeoutMs, this.prepared.opts)
      : await this.runner.run(scriptArgv(this.cfg.script), this.cfg.timeoutMs);
    if (this.stopped) return;
    this.record(code === 0);
    this.timer = this.clock.setTimer(startedMs + this.cfg.intervalMs, () => void this.tick());
  }

  private record(good: boolean): void {
    if (this.ok === null) return this.set(good);
    if (good === this.ok) {
      this.streak = 0;
      return;
    }
    this.streak++;
    if (this.streak >= (good ? this.cfg.rise : this.cfg.fall)) this.set(good);
  }

  private set(good: boolean): void {
    this.streak = 0;
    if (this.ok === good) return;
    this.ok = good;
    this.logger.log(good ? "info" : "warn", `track script ${good ? "succeeded" : "failed"}`, { script: this.cfg.name });
    for (const fn of this.listeners) fn();
  }
}

/** Per instance: turns link states and the tracker monitors into fault / faultCleared / priority events. */
export class InstanceTracker {
  private faults = new Map<string, FaultSource>();
  private priority: number;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly cfg: InstanceConfig,
    private readonly monitors: MonitorSource,
    private readonly links: LinkWatcher,
    private readonly emit: (ev: FsmEvent) => void,
    /** use_vmac: the VMAC the instance runs on, a link of its own like its interface. */
    private readonly vmacName?: string,
  ) {
    this.priority = cfg.priority;
    for (const kind of TRACKER_KINDS) {
      for (const ref of kind.references(cfg)) {
        const m = monitors.get(kind.kind, ref.name);
        if (m) this.unsubscribe.push(m.onChange(() => this.evaluate()));
      }
    }
  }

  /** Faults and priority as of now, without emitting (used before startup). */
  snapshot(linkUp: (name: string) => boolean): { faults: Map<string, "link-down" | "track-failed">; priority: number; sources: Map<string, FaultSource> } {
    const faults = new Map<string, "link-down" | "track-failed">();
    const sources = new Map<string, FaultSource>();
    const fault = (s: FaultSource) => {
      const k = faultKey(s);
      faults.set(k, isTrackerKind(s.kind) ? "track-failed" : "link-down");
      sources.set(k, s);
    };
    let delta = 0;
    if (!this.cfg.dontTrackPrimary && !linkUp(this.cfg.interface)) fault({ kind: "link", name: this.cfg.interface });
    // A VMAC set down (`ip link set vrrp.51 down`) is a fault of the instance at once, as keepalived
    // 2.2.7 does (observed): its VIPs are unreachable there. dont_track_primary ignores it, as keepalived.
    if (this.vmacName !== undefined && !this.cfg.dontTrackPrimary && !linkUp(this.vmacName)) fault({ kind: "link", name: this.vmacName });
    // keepalived ignores tracking weights inside a vrrp_sync_group (unless sync_group_tracking_weight):
    // a weighted member could out-rank its siblings and split the group across routers.
    const inGroup = this.cfg.syncGroup !== undefined;
    for (const t of this.cfg.trackInterfaces) {
      const e = goodBadEffect(linkUp(t.name), inGroup ? 0 : t.weight, t.reverse);
      if (e.fault) fault({ kind: "track_interface", name: t.name });
      delta += e.delta;
    }
    for (const kind of TRACKER_KINDS) {
      for (const ref of kind.references(this.cfg)) {
        const m = this.monitors.get(kind.kind, ref.name);
        if (!m) continue;
        const e = kind.effect(m, ref.weight, inGroup, ref.reverse);
        if (!e) continue;
        if (e.fault) fault({ kind: kind.kind, name: ref.name });
        delta += e.delta;
      }
    }
    return { faults, priority: effectivePriority(this.cfg.priority, delta), sources };
  }

  /** Re-read everything and emit the differences. Called on link changes and tracker changes. */
  evaluate(): void {
    const linkCache = new Map<string, boolean>();
    const linkUp = (name: string) => {
      let up = linkCache.get(name);
      if (up === undefined) linkCache.set(name, up = this.links.link(name)?.up ?? false);
      return up;
    };
    const now = this.snapshot(linkUp);
    for (const [source, reason] of now.faults) {
      if (!this.faults.has(source)) this.emit({ type: "fault", source, reason });
    }
    for (const [source, s] of this.faults) {
      if (!now.faults.has(source)) this.emit({ type: "faultCleared", source, reason: isTrackerKind(s.kind) ? "track-recovered" : "link-up" });
    }
    this.faults = now.sources;
    if (now.priority !== this.priority) {
      this.priority = now.priority;
      this.emit({ type: "priority", priority: now.priority });
    }
  }

  /** Each tracker's verdict and contribution, for /status, `vigil status` and vigil_track_status. */
  report(linkUp: (name: string) => boolean): TrackerStatus[] {
    const inGroup = this.cfg.syncGroup !== undefined;
    const out: TrackerStatus[] = [];
    for (const t of this.cfg.trackInterfaces) {
      const up = linkUp(t.name);
      const weight = inGroup ? 0 : t.weight;
      const e = goodBadEffect(up, weight, t.reverse);
      out.push({ kind: "track_interface", name: t.name, ok: up, weight, delta: e.delta || 0, fault: e.fault });
    }
    for (const kind of TRACKER_KINDS) {
      for (const ref of kind.references(this.cfg)) {
        const m = this.monitors.get(kind.kind, ref.name);
        if (!m) continue;
        const e = kind.effect(m, ref.weight, inGroup, ref.reverse);
        // With weight 0 (not reversed) every kind's effect is "fault while bad": that is the verdict itself.
        const verdict = kind.effect(m, 0, false, false);
        const defWeight = (m.cfg as { weight?: number }).weight ?? 0;
        const src = kind.source?.(m);
        out.push({
          kind: kind.kind,
          name: ref.name,
          ok: verdict === null ? null : !verdict.fault,
          weight: inGroup ? 0 : (ref.weight ?? defWeight),
          delta: (e?.delta ?? 0) || 0, // -0 (0 × a negative weight) reads as 0
          fault: e?.fault ?? false,
          ...(src ? { source: src.source, ...(src.reason === undefined ? {} : { sourceReason: src.reason }) } : {}),
        });
      }
    }
    return out;
  }

  /** Interfaces whose changes matter to this instance. */
  watches(ifname: string): boolean {
    return ifname === this.cfg.interface || ifname === this.vmacName || this.cfg.trackInterfaces.some((t) => t.name === ifname);
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }
}

/** An owner (255) is never tracked down; others stay within 1..254 (keepalived behaviour). */
export function effectivePriority(base: number, delta: number): number {
  if (base === PRIORITY_OWNER) return base;
  return Math.max(1, Math.min(254, base + delta));
}
