// Tracking: the instance's own link, track_interface and track_script decide Fault and the
// effective priority, with keepalived's weight rules (keepalived.conf(5)):
//   weight 0 → Fault while bad; weight > 0 → added while good; weight < 0 → added while bad.
import type { InstanceConfig, ScriptConfig } from "../config/schema.ts";
import { PRIORITY_OWNER } from "../protocol/constants.ts";
import type { FsmEvent } from "../protocol/types.ts";
import type { Clock, LinkWatcher, Logger, TimerHandle } from "./ports.ts";
import { splitCommand, type ScriptRunner } from "./spawn.ts";
import { trackFileEffect, type FileMonitor } from "./track-file.ts";

/** One vrrp_script, run every interval and shared by every instance that tracks it. */
export class ScriptMonitor {
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
  ) {}

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimer(this.timer);
  }

  private async tick(): Promise<void> {
    const startedMs = this.clock.nowMs();
    const code = await this.runner.run(splitCommand(this.cfg.script), this.cfg.timeoutMs);
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

/** Per instance: turns link and script states into fault / faultCleared / priority events. */
export class InstanceTracker {
  private faults = new Set<string>();
  private priority: number;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly cfg: InstanceConfig,
    private readonly monitors: ReadonlyMap<string, ScriptMonitor>,
    private readonly files: ReadonlyMap<string, FileMonitor>,
    private readonly links: LinkWatcher,
    private readonly emit: (ev: FsmEvent) => void,
  ) {
    this.priority = cfg.priority;
    for (const t of cfg.trackScripts) {
      const m = monitors.get(t.name);
      if (m) this.unsubscribe.push(m.onChange(() => this.evaluate()));
    }
    for (const t of cfg.trackFiles) {
      const f = files.get(t.name);
      if (f) this.unsubscribe.push(f.onChange(() => this.evaluate()));
    }
  }

  /** Faults and priority as of now, without emitting (used before startup). */
  snapshot(linkUp: (name: string) => boolean): { faults: Map<string, "link-down" | "track-failed">; priority: number } {
    const faults = new Map<string, "link-down" | "track-failed">();
    let delta = 0;
    if (!this.cfg.dontTrackPrimary && !linkUp(this.cfg.interface)) faults.set(`link:${this.cfg.interface}`, "link-down");
    // keepalived ignores tracking weights inside a vrrp_sync_group (unless sync_group_tracking_weight):
    // a weighted member could out-rank its siblings and split the group across routers.
    const inGroup = this.cfg.syncGroup !== undefined;
    for (const t of this.cfg.trackInterfaces) {
      const up = linkUp(t.name);
      if (t.weight === 0 || inGroup) {
        if (!up) faults.set(`track_interface:${t.name}`, "link-down");
      } else if ((t.weight > 0) === up) delta += t.weight;
    }
    for (const t of this.cfg.trackScripts) {
      const m = this.monitors.get(t.name);
      if (!m || m.ok === null) continue;
      const weight = inGroup ? 0 : (t.weight ?? m.cfg.weight);
      if (weight === 0) {
        if (!m.ok) faults.set(`track_script:${t.name}`, "track-failed");
      } else if ((weight > 0) === m.ok) delta += weight;
    }
    for (const t of this.cfg.trackFiles) {
      const f = this.files.get(t.name);
      if (!f) continue;
      const effect = trackFileEffect(f.value, inGroup ? 0 : (t.weight ?? f.cfg.weight));
      if (effect.fault || f.unusable !== null) faults.set(`track_file:${t.name}`, "track-failed");
      delta += effect.delta;
    }
    return { faults, priority: effectivePriority(this.cfg.priority, delta) };
  }

  /** Re-read everything and emit the differences. Called on link changes and script results. */
  evaluate(): void {
    const linkCache = new Map<string, boolean>();
    const linkUp = (name: string) => {
      let up = linkCache.get(name);
      if (up === undefined) linkCache.set(name, (up = this.links.link(name)?.up ?? false));
      return up;
    };
    const now = this.snapshot(linkUp);
    for (const [source, reason] of now.faults) {
      if (!this.faults.has(source)) this.emit({ type: "fault", source, reason });
    }
    for (const source of this.faults) {
      if (!now.faults.has(source)) {
        this.emit({ type: "faultCleared", source, reason: source.startsWith("track_script:") || source.startsWith("track_file:") ? "track-recovered" : "link-up" });
      }
    }
    this.faults = new Set(now.faults.keys());
    if (now.priority !== this.priority) {
      this.priority = now.priority;
      this.emit({ type: "priority", priority: now.priority });
    }
  }

  /** Interfaces whose changes matter to this instance. */
  watches(ifname: string): boolean {
    return ifname === this.cfg.interface || this.cfg.trackInterfaces.some((t) => t.name === ifname);
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
