// keepalived vrrp_track_file: a file holding a number that other tools write (e.g. a maintenance
// switch: `echo -254 > /run/vigil/maint`). Read every second; listeners hear changes only.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import type { TrackFileConfig } from "../config/schema.ts";
import type { Clock, Logger, TimerHandle } from "./ports.ts";
import type { TrackerMonitor } from "./trackers/tracker.ts";

const POLL_MS = 1000;
/** keepalived reads one number; a few hundred bytes is plenty, and bounds a huge or endless file. */
const READ_LIMIT_BYTES = 256;

/** Why a track file could not be read as a number source (the tracker's fault, not the daemon's). */
export class TrackFileUnusable extends Error {}

export class FileMonitor implements TrackerMonitor<TrackFileConfig> {
  /** The number in the file; a missing or unreadable file reads as 0 (keepalived: OK). */
  value = 0;
  /** Set while the path is something that cannot be read without blocking (FIFO, device). */
  unusable: string | null = null;
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

  sameDefinition(next: TrackFileConfig): boolean {
    return next.file === this.cfg.file && next.weight === this.cfg.weight;
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
      const before = this.unusable;
      const v = this.read();
      if (v !== this.value || before !== this.unusable) {
        this.value = v;
        this.logger.log("info", "track file changed", { track_file: this.cfg.name, value: v });
        for (const fn of this.listeners) fn();
      }
      this.schedule(fromMs + POLL_MS);
    });
  }

  /**
   * Never blocks the event loop (it paces adverts): opened O_NONBLOCK so a FIFO with no writer
   * cannot hang the open, only regular files are read, and at most READ_LIMIT_BYTES of them.
   * A FIFO, a device (/dev/zero) or a socket makes the tracker faulty; the daemon runs on.
   */
  private read(): number {
    let fd: number | null = null;
    try {
      fd = openSync(this.cfg.file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
      if (!fstatSync(fd).isFile()) throw new TrackFileUnusable("not a regular file");
      const buf = Buffer.alloc(READ_LIMIT_BYTES);
      const len = readSync(fd, buf, 0, READ_LIMIT_BYTES, 0);
      this.setUnusable(null);
      const n = Number.parseInt(buf.subarray(0, len).toString("utf8").trim(), 10);
      return Number.isFinite(n) ? n : 0;
    } catch (e) {
      if (e instanceof TrackFileUnusable) this.setUnusable(e.message);
      else this.setUnusable(null);
      return 0;
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }

  private setUnusable(why: string | null): void {
    if (why === this.unusable) return;
    this.unusable = why;
    if (why) {
      this.logger.log("error", "track file cannot be read without blocking: the tracker is in fault", { track_file: this.cfg.name, file: this.cfg.file, why });
    } else this.logger.log("info", "track file readable again", { track_file: this.cfg.name });
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
