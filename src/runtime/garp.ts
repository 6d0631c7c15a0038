// Announcements on becoming Master (RFC 5798 §6.4.1/§6.4.2: "broadcast a gratuitous ARP" /
// "send an Unsolicited ND Neighbor Advertisement"), paced as keepalived does: a burst of
// garp_master_repeat at once, another burst after garp_master_delay, then optional refreshes.
import type { VirtualAddress } from "../config/schema.ts";
import type { Announcer, Clock, Logger, TimerHandle } from "./ports.ts";

export interface GarpTiming {
  repeat: number;
  delayMs: number;
  refreshMs: number; // 0 = off
  refreshRepeat: number;
}

export class GarpScheduler {
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly announcer: Announcer,
    private readonly logger: Logger,
    private readonly onSent: (count: number) => void,
  ) {}

  start(ifindex: number, mac: Uint8Array, vips: readonly VirtualAddress[], t: GarpTiming): void {
    this.stop();
    this.burst(ifindex, mac, vips, t.repeat);
    const now = this.clock.nowMs();
    if (t.delayMs > 0) {
      this.timer = this.clock.setTimer(now + t.delayMs, () => {
        this.timer = null;
        this.burst(ifindex, mac, vips, t.repeat);
        this.refresh(ifindex, mac, vips, t, this.clock.nowMs());
      });
    } else {
      this.refresh(ifindex, mac, vips, t, now);
    }
  }

  stop(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private refresh(ifindex: number, mac: Uint8Array, vips: readonly VirtualAddress[], t: GarpTiming, fromMs: number): void {
    if (t.refreshMs <= 0) return;
    this.timer = this.clock.setTimer(fromMs + t.refreshMs, () => {
      this.timer = null;
      this.burst(ifindex, mac, vips, t.refreshRepeat);
      this.refresh(ifindex, mac, vips, t, fromMs + t.refreshMs);
    });
  }

  private burst(ifindex: number, mac: Uint8Array, vips: readonly VirtualAddress[], repeat: number): void {
    let sent = 0;
    for (let i = 0; i < repeat; i++) {
      for (const v of vips) {
        try {
          if (v.family === 4) this.announcer.garp(ifindex, mac, v.address);
          else this.announcer.unsolicitedNa(ifindex, mac, v.address);
          sent++;
        } catch (e) {
          this.logger.log("warn", "announcement failed", { address: v.address, error: String(e) });
        }
      }
    }
    if (sent > 0) this.onSent(sent);
  }
}
