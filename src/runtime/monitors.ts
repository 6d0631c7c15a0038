// The shared trackers of a config: vrrp_script and vrrp_track_file monitors, by name. Instances
// subscribe to them; a reload keeps every monitor whose definition is unchanged (no flap).
import type { VigilConfig } from "../config/schema.ts";
import type { Clock, Logger } from "./ports.ts";
import { withoutPositions } from "./reload.ts";
import type { ScriptRunner } from "./spawn.ts";
import { FileMonitor } from "./track-file.ts";
import { ScriptMonitor } from "./tracking.ts";

export class Monitors {
  readonly scripts = new Map<string, ScriptMonitor>();
  readonly files = new Map<string, FileMonitor>();

  constructor(
    private readonly clock: Clock,
    private readonly runner: ScriptRunner,
    private readonly logger: Logger,
  ) {}

  /** Start what `cfg` defines; keep running monitors whose definition is unchanged. */
  apply(cfg: VigilConfig): void {
    const sameDef = (a: unknown, b: unknown) => JSON.stringify(withoutPositions(a)) === JSON.stringify(withoutPositions(b));
    const files = new Map(cfg.trackFiles.map((t) => [t.name, t]));
    for (const [name, f] of this.files) {
      const t = files.get(name);
      if (!t || t.file !== f.cfg.file || t.weight !== f.cfg.weight) {
        f.stop();
        this.files.delete(name);
      }
    }
    for (const t of cfg.trackFiles) {
      if (this.files.has(t.name)) continue;
      const f = new FileMonitor(t, this.clock, this.logger);
      this.files.set(t.name, f);
      f.start();
    }
    const scripts = new Map(cfg.scripts.map((s) => [s.name, s]));
    for (const [name, m] of this.scripts) {
      const s = scripts.get(name);
      if (!s || !sameDef(s, m.cfg)) {
        m.stop();
        this.scripts.delete(name);
      }
    }
    for (const s of cfg.scripts) {
      if (this.scripts.has(s.name)) continue;
      const m = new ScriptMonitor(s, this.clock, this.runner, this.logger);
      this.scripts.set(s.name, m);
      m.start();
    }
  }

  stop(): void {
    for (const m of this.scripts.values()) m.stop();
    for (const f of this.files.values()) f.stop();
  }
}
