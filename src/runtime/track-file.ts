// keepalived vrrp_track_file: a file holding a number that other tools write (e.g. a maintenance
// switch: `echo -254 > /run/vigil/maint`). Read every second; listeners hear changes only.
import { readFileSync } from "node:fs";
import type { TrackFileConfig } from "../config/schema.ts";
import type { Clock, Logger, TimerHandle } from "./ports.ts";

const POLL_MS = 1000;

export class FileMonitor {
  /** The number in the file; a missing or unreadable file reads as 0 (keepalived: OK). */
  value = 0;
  private timer: TimerHandle | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly cfg: TrackFileConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    this.value = this.read();
    this.schedule(this.clock.nowMs());
  }

  stop(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private schedule(fromMs: number): void {
    this.timer = this.clock.setTimer(fromMs + POLL_MS, () => {
      const v = this.read();
      if (v !== this.value) {
        this.value = v;
        this.logger.log("info", "track file changed", { track_file: this.cfg.name, value: v });
        for (const fn of this.listeners) fn();
      }
      this.schedule(fromMs + POLL_MS);
    });
  }

  private read(): number {
    try {
      const n = Number.parseInt(readFileSync(this.cfg.file, "utf8").trim(), 10);
      return Number.isFinite(n) ? n : 0;
    } catch {
      return 0;
    }
  }
}

/**
 * keepalived's rule: weight 0 → any non-zero value is a fault; otherwise value × weight is added
 * to the priority, and a product of −254 or less is a fault.
 */
export function trackFileEffect(value: number, weight: number): { fault: boolean; delta: number } {
  if (weight === 0) return { fault: value !== 0, delta: 0 };
  const delta = value * weight;
  return delta <= -254 ? { fault: true, delta: 0 } : { fault: false, delta };
}
