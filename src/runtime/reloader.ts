// SIGHUP as one serialised transaction. Signals only ask; this runs one reload at a time, and
// requests that arrive meanwhile coalesce into one more run, which re-reads the file (so the last
// file written is the one applied). Each run: load (off the event loop) → prepare the global
// settings (HTTP listener) → the daemon's own prepare-then-commit → commit or roll back the
// globals. A stop cancels what has not been committed.
import type { Diagnostic, LoadResult, VigilConfig } from "../config/schema.ts";
import type { ReloadResult } from "./daemon.ts";
import type { Logger } from "./ports.ts";

/** Global settings changed by a reload: acquired before the swap, then committed or rolled back. */
export interface GlobalsChange {
  commit(): void;
  rollback(): void;
}

export interface ReloadSteps {
  load(): Promise<LoadResult>;
  /** Acquire what the new globals need (e.g. bind the new HTTP address). Throws when it cannot. */
  prepareGlobals(next: VigilConfig): GlobalsChange;
  apply(next: VigilConfig): Promise<ReloadResult>;
  refuse(problems: string[]): void;
  warn(d: Diagnostic): void;
  format(d: Diagnostic): string;
}

export class Reloader {
  private running: Promise<void> | null = null;
  private again = false;
  private cancelled = false;
  /** Completed runs, for tests and the stats dump. */
  runs = 0;

  constructor(
    private readonly steps: ReloadSteps,
    private readonly logger: Logger,
  ) {}

  /** A SIGHUP: start a reload, or mark one more after the current (several coalesce into one). */
  request(): void {
    if (this.cancelled) return;
    if (this.running) {
      this.again = true;
      this.logger.log("info", "reload queued behind the one in progress");
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  /** The daemon is stopping: nothing more is applied. */
  cancel(): void {
    this.cancelled = true;
    this.again = false;
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.once();
      this.runs++;
    } while (this.again && !this.cancelled);
  }

  private async once(): Promise<void> {
    const loaded = await this.steps.load();
    if (this.cancelled) return;
    if (!loaded.ok) {
      this.steps.refuse(loaded.errors.map((d) => this.steps.format(d)));
      return;
    }
    for (const w of loaded.warnings) this.steps.warn(w);
    let globals: GlobalsChange;
    try {
      globals = this.steps.prepareGlobals(loaded.config);
    } catch (e) {
      this.steps.refuse([e instanceof Error ? e.message : String(e)]);
      return;
    }
    const r = await this.steps.apply(loaded.config);
    if (r.ok) globals.commit();
    else globals.rollback();
  }
}
