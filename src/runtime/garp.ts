// Announcements on becoming Master (RFC 5798 §6.4.1/§6.4.2: "broadcast a gratuitous ARP" /
// "send an Unsolicited ND Neighbor Advertisement"), paced as keepalived does: a burst of
// garp_master_repeat at once, another burst after garp_master_delay, then optional refreshes.
// keepalived vrrp_garp_interval / vrrp_gna_interval: the GARPs (NAs) of a burst leave one per
// interval instead of back to back (keepalived paces per interface across instances; vigil per
// instance); a burst asked for while one is still queued refreshes the queue (an address is owed
// at most `repeat` more times, as keepalived's garp_gna_pending) instead of growing it.
// keepalived garp_lower_prio_repeat / _delay: a Master that hears a lower-priority advert sends
// one burst at once and another after the delay (reannounce).
// Fail-safe: every timer callback catches; a failed send is logged and the rest go on.
import type { VirtualAddress } from "../config/schema.ts";
import type { Announcer, Clock, Logger, TimerHandle } from "./ports.ts";

export interface GarpTiming {
  repeat: number;
  delayMs: number;
  refreshMs: number; // 0 = off
  refreshRepeat: number;
  /** Pause between two GARPs (IPv4) / NAs (IPv6) of a burst; 0 or absent = back to back. */
  garpIntervalMs?: number;
  gnaIntervalMs?: number;
}

/** Where and what to announce (fixed for one mastership). */
interface Target {
  ifindex: number;
  mac: Uint8Array;
  vips: readonly VirtualAddress[];
  t: GarpTiming;
}

/** One family's paced queue: addresses still owed, round-robin, and the timer of the next send. */
interface Queue {
  owed: Map<string, { vip: VirtualAddress; left: number }>;
  timer: TimerHandle | null;
  nextMs: number; // earliest time the next one may leave (keepalived garp_next_time)
}

export class GarpScheduler {
  private timer: TimerHandle | null = null;
  private lowerTimer: TimerHandle | null = null;
  private target: Target | null = null;
  private readonly queues: Record<4 | 6, Queue> = {
    4: { owed: new Map(), timer: null, nextMs: -Infinity },
    6: { owed: new Map(), timer: null, nextMs: -Infinity },
  };

  constructor(
    private readonly clock: Clock,
    private readonly announcer: Announcer,
    private readonly logger: Logger,
    private readonly onSent: (count: number) => void,
  ) {}

  start(ifindex: number, mac: Uint8Array, vips: readonly VirtualAddress[], t: GarpTiming): void {
    this.stop();
    this.target = { ifindex, mac, vips, t };
    this.burst(t.repeat);
    const now = this.clock.nowMs();
    if (t.delayMs > 0) {
      this.timer = this.clock.setTimer(now + t.delayMs, () => {
        this.timer = null;
        this.guard(() => {
          this.burst(t.repeat);
          this.refresh(t, this.clock.nowMs());
        });
      });
    } else {
      this.refresh(t, now);
    }
  }

  /**
   * keepalived garp_lower_prio_repeat / garp_lower_prio_delay: `repeat` announcements of every VIP
   * now and again after `delayMs` (0 = once). Only while started (Master); never throws.
   */
  lowerPriority(repeat: number, delayMs: number): void {
    if (!this.target || repeat <= 0) return;
    this.guard(() => this.burst(repeat));
    if (this.lowerTimer) this.clock.clearTimer(this.lowerTimer);
    this.lowerTimer = null;
    if (delayMs <= 0) return;
    this.lowerTimer = this.clock.setTimer(this.clock.nowMs() + delayMs, () => {
      this.lowerTimer = null;
      this.guard(() => this.burst(repeat));
    });
  }

  stop(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    if (this.lowerTimer) this.clock.clearTimer(this.lowerTimer);
    this.lowerTimer = null;
    for (const q of Object.values(this.queues)) {
      if (q.timer) this.clock.clearTimer(q.timer);
      q.timer = null;
      q.owed.clear();
    }
    this.target = null;
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.logger.log("error", "announcement scheduling failed", { error: String(e) });
    }
  }

  private refresh(t: GarpTiming, fromMs: number): void {
    if (t.refreshMs <= 0) return;
    this.timer = this.clock.setTimer(fromMs + t.refreshMs, () => {
      this.timer = null;
      this.guard(() => {
        this.burst(t.refreshRepeat);
        this.refresh(t, fromMs + t.refreshMs);
      });
    });
  }

  private intervalOf(family: 4 | 6): number {
    const t = this.target?.t;
    const ms = family === 4 ? t?.garpIntervalMs : t?.gnaIntervalMs;
    return ms !== undefined && Number.isFinite(ms) && ms > 0 ? ms : 0;
  }

  private burst(repeat: number): void {
    const target = this.target;
    if (!target || repeat <= 0) return;
    let sent = 0;
    for (const family of [4, 6] as const) {
      const vips = target.vips.filter((v) => v.family === family);
      if (vips.length === 0) continue;
      if (this.intervalOf(family) === 0) {
        for (let i = 0; i < repeat; i++) for (const v of vips) if (this.sendOne(v)) sent++;
        continue;
      }
      const q = this.queues[family];
      for (const v of vips) {
        const owed = q.owed.get(v.address);
        if (owed) owed.left = Math.max(owed.left, repeat);
        else q.owed.set(v.address, { vip: v, left: repeat });
      }
      if (!q.timer) this.drain(family);
    }
    if (sent > 0) this.onSent(sent);
  }

  /** Send the next owed address of `family` if its interval has passed, then wait for the next. */
  private drain(family: 4 | 6): void {
    const q = this.queues[family];
    q.timer = null;
    const first = q.owed.entries().next();
    if (first.done) return;
    const now = this.clock.nowMs();
    if (now >= q.nextMs) {
      const [address, owed] = first.value;
      q.owed.delete(address);
      if (--owed.left > 0) q.owed.set(address, owed); // to the back: A B A B…, as an unpaced burst
      if (this.sendOne(owed.vip)) this.onSent(1);
      q.nextMs = now + this.intervalOf(family);
      if (q.owed.size === 0) return;
    }
    q.timer = this.clock.setTimer(q.nextMs, () => {
      q.timer = null;
      this.guard(() => this.drain(family));
    });
  }

  private sendOne(v: VirtualAddress): boolean {
    const target = this.target;
    if (!target) return false;
    try {
      if (v.family === 4) this.announcer.garp(target.ifindex, target.mac, v.address);
      else this.announcer.unsolicitedNa(target.ifindex, target.mac, v.address);
      return true;
    } catch (e) {
      this.logger.log("warn", "announcement failed", { address: v.address, error: String(e) });
      return false;
    }
  }
}
