// The shared trackers of a config (every kind in trackers/index.ts: vrrp_script, vrrp_track_file,
// vrrp_track_process), by kind and name. Instances subscribe to them; a reload keeps every monitor
// whose definition is unchanged (no flap).
import type { VigilConfig } from "../config/schema.ts";
import type { Clock, Logger, ProcessEvents } from "./ports.ts";
import type { ScriptPolicy, ScriptRunner } from "./spawn.ts";
import type { FileMonitor } from "./track-file.ts";
import { TRACKER_KINDS } from "./trackers/index.ts";
import type { FaultKind, TrackerContext, TrackerMonitor } from "./trackers/tracker.ts";
import type { MonitorSource, ScriptMonitor } from "./tracking.ts";

export class Monitors implements MonitorSource {
  private readonly byKind = new Map<FaultKind, Map<string, TrackerMonitor>>(TRACKER_KINDS.map((k) => [k.kind, new Map()]));
  private readonly ctx: TrackerContext;

  /** `processEvents`: the kernel's process events for track_process (absent: it scans /proc). */
  constructor(clock: Clock, runner: ScriptRunner, logger: Logger, opts: { policy?: ScriptPolicy; processEvents?: ProcessEvents } = {}) {
    this.ctx = { clock, runner, logger, ...(opts.policy ? { policy: opts.policy } : {}), ...(opts.processEvents ? { processEvents: opts.processEvents } : {}) };
  }

  get(kind: FaultKind, name: string): TrackerMonitor | undefined {
    return this.byKind.get(kind)?.get(name);
  }

  /** vrrp_script monitors by name. */
  get scripts(): ReadonlyMap<string, ScriptMonitor> {
    return this.byKind.get("track_script") as Map<string, ScriptMonitor>;
  }

  /** vrrp_track_file monitors by name. */
  get files(): ReadonlyMap<string, FileMonitor> {
    return this.byKind.get("track_file") as Map<string, FileMonitor>;
  }

  /** Start what `cfg` defines; keep running monitors whose definition is unchanged. */
  apply(cfg: VigilConfig): void {
    for (const kind of TRACKER_KINDS) {
      const running = this.byKind.get(kind.kind)!;
      const defs = new Map(kind.definitions(cfg).map((d) => [d.name, d]));
      for (const [name, m] of running) {
        const d = defs.get(name);
        if (!d || !m.sameDefinition(d)) {
          m.stop();
          running.delete(name);
        }
      }
      for (const d of defs.values()) {
        if (running.has(d.name)) continue;
        const m = kind.create(d, this.ctx);
        running.set(d.name, m);
        m.start();
      }
    }
  }

  stop(): void {
    for (const running of this.byKind.values()) for (const m of running.values()) m.stop();
  }
}
