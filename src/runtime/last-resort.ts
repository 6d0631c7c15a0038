// The last resort: an error nothing else handled. An HA daemon that dies holding a VIP leaves two
// routers answering for one address, so whatever escapes — a throw in a timer, a receive handler,
// a link event, a promise nobody awaited — takes one path: log it with its stack, resign from
// every master (priority 0, RFC 5798 §6.4.3 Shutdown, so a backup takes over after Skew_Time),
// remove the VIPs vigil added, write the journal if the disk allows, and exit 70 (EX_SOFTWARE) so
// systemd or procd restarts a clean process. Expected failures (netlink, sockets, disk) are
// handled where they happen and never reach this.
import type { Clock, Logger, TimerHandle, TimerOptions } from "./ports.ts";

/** sysexits.h EX_SOFTWARE: an internal software error. */
export const EXIT_SOFTWARE = 70;

export type FatalHandler = (origin: string, error: unknown) => void;

/** What the last resort protects: stops every instance at once, without waiting for anything. */
export interface EmergencyStoppable {
  emergencyStop(): void;
}

export class LastResort {
  private fired = false;
  private target: EmergencyStoppable | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly exit: (code: number) => void,
  ) {}

  protect(target: EmergencyStoppable): void {
    this.target = target;
  }

  get triggered(): boolean {
    return this.fired;
  }

  /** One error was not handled: stop safely and exit. Re-entrant calls (an error while stopping) only log. */
  readonly fail: FatalHandler = (origin, error) => {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.fired) {
      this.safeLog(`another unhandled error while stopping (${origin}): ${err.message}`, err.stack ?? "");
      return;
    }
    this.fired = true;
    this.safeLog(`unhandled error (${origin}): ${err.message}; resigning, removing VIPs, exiting ${EXIT_SOFTWARE}`, err.stack ?? "");
    try {
      this.target?.emergencyStop();
    } catch (e) {
      this.safeLog(`emergency stop failed: ${(e as Error)?.message ?? String(e)}`, (e as Error)?.stack ?? "");
    }
    this.exit(EXIT_SOFTWARE);
  };

  /** Process-wide hooks: exceptions and rejections nobody caught. */
  installProcessHandlers(): void {
    process.on("uncaughtException", (e) => this.fail("uncaught exception", e));
    process.on("unhandledRejection", (e) => this.fail("unhandled promise rejection", e));
  }

  private safeLog(msg: string, stack: string): void {
    try {
      this.logger.log("error", msg, { stack });
    } catch {
      // The logger itself failed (stderr closed): nothing left to tell.
    }
  }
}

/** A Clock whose timer callbacks report a throw to `onFatal` instead of unwinding the event loop. */
export function guardClock(inner: Clock, onFatal: FatalHandler): Clock {
  return {
    nowMs: () => inner.nowMs(),
    wallMs: () => inner.wallMs(),
    setTimer(atMs: number, fn: () => void, opts?: TimerOptions): TimerHandle {
      return inner.setTimer(atMs, () => {
        try {
          fn();
        } catch (e) {
          onFatal("timer", e);
        }
      }, opts);
    },
    clearTimer: (h) => inner.clearTimer(h),
  };
}

/** Wraps an event handler (receive, link change) so a throw reaches `onFatal`. */
export function guarded<A extends unknown[]>(origin: string, onFatal: FatalHandler, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (e) {
      onFatal(origin, e);
    }
  };
}
