// Faults an instance raises about itself, not its link's nor a tracker's: a master whose adverts
// keep failing, or whose VIPs cannot be added, must not go on claiming master while it cannot
// speak or hold the address — it resigns to Fault so a backup takes over (OpenBSD CARP demotes the
// same way), and tries again later, backing off while the same failure repeats.
import type { VirtualAddress } from "../config/schema.ts";
import type { FsmEvent } from "../protocol/types.ts";
import type { Clock, Logger, TimerHandle } from "./ports.ts";

/** A master whose adverts fail this many times in a row resigns to Fault. */
export const SEND_FAILURES_TO_FAULT = 3;
/** VIP add retries (ms after the failure) before the master gives up and goes to Fault. */
export const VIP_RETRY_MS = [250, 500, 1000];
/**
 * A send-failed / vip-failed Fault is retried after this long (then as a normal start), doubled
 * for each repeat of the same failure up to FAULT_RETRY_MAX_MS, so a broken router does not pull
 * the VIP away from a working backup every few seconds.
 */
export const FAULT_RETRY_MS = 5000;
export const FAULT_RETRY_MAX_MS = 80_000;
const FAULT_SEND = "advert-send";
const FAULT_VIP = "vip-add";

export class OwnFaults {
  private sendFailuresInRow = 0;
  private vipRetry: TimerHandle | null = null;
  private readonly retries = new Map<string, TimerHandle>();
  /** Consecutive faults per source, for the retry backoff; reset by a success. */
  private readonly streak = new Map<string, number>();

  constructor(
    private readonly name: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Feeds the instance's FSM; called from a timer, never from inside a dispatch. */
    private readonly dispatch: (ev: FsmEvent) => void,
    private readonly isMaster: () => boolean,
  ) {}

  /** After each advert (priority > 0 counts towards the in-a-row rule). */
  advertSent(sentAll: boolean, priority: number): void {
    this.sendFailuresInRow = sentAll ? 0 : this.sendFailuresInRow + 1;
    if (sentAll && priority > 0) this.streak.delete(FAULT_SEND);
    if (this.sendFailuresInRow >= SEND_FAILURES_TO_FAULT && priority > 0 && this.isMaster()) {
      this.sendFailuresInRow = 0;
      this.raise(FAULT_SEND, "send-failed", `adverts failed ${SEND_FAILURES_TO_FAULT} times in a row: resigning to Fault so a backup takes over`);
    }
  }

  /** VIPs that could not be added as Master: retry a few times, then Fault. */
  vipsAdded(failed: VirtualAddress[], retryAdd: (failed: VirtualAddress[]) => VirtualAddress[], attempt = 0): void {
    if (failed.length === 0) {
      this.streak.delete(FAULT_VIP);
      return;
    }
    if (attempt >= VIP_RETRY_MS.length) {
      this.raise(FAULT_VIP, "vip-failed", `${failed.length} VIP(s) could not be added: resigning to Fault so a backup takes over`);
      return;
    }
    this.cancelVipRetry();
    this.vipRetry = this.clock.setTimer(this.clock.nowMs() + VIP_RETRY_MS[attempt]!, () => {
      this.vipRetry = null;
      if (!this.isMaster()) return;
      this.vipsAdded(retryAdd(failed), retryAdd, attempt + 1);
    });
  }

  cancelVipRetry(): void {
    if (this.vipRetry) this.clock.clearTimer(this.vipRetry);
    this.vipRetry = null;
  }

  /** Stop every pending retry (the instance stops). */
  clear(): void {
    this.cancelVipRetry();
    for (const t of this.retries.values()) this.clock.clearTimer(t);
    this.retries.clear();
  }

  /** Raised on the next tick (we may be inside dispatch), cleared after the backoff. */
  private raise(source: string, reason: "send-failed" | "vip-failed", why: string): void {
    if (this.retries.has(source)) return;
    const streak = this.streak.get(source) ?? 0;
    this.streak.set(source, streak + 1);
    const retryMs = Math.min(FAULT_RETRY_MS * 2 ** streak, FAULT_RETRY_MAX_MS);
    this.logger.log("error", `${this.name}: ${why}`, { instance: this.name, retry_ms: retryMs });
    this.retries.set(
      source,
      this.clock.setTimer(this.clock.nowMs(), () => {
        this.dispatch({ type: "fault", source, reason });
        this.retries.set(
          source,
          this.clock.setTimer(this.clock.nowMs() + retryMs, () => {
            this.retries.delete(source);
            this.dispatch({ type: "faultCleared", source, reason: "recovered" });
          }),
        );
      }),
    );
  }
}
