// What sending an advert means for an instance beyond the bytes: the send itself (or what the
// pacer's send did), a failing send logged once until it works again and counted by errno, the
// OwnFaults count of sends in a row that failed (three put a master in Fault), and the counters.
import type { AdvertEncoder } from "./advert-encoder.ts";
import type { AdvertStats } from "./advert-stats.ts";
import { errnoOf, type ErrorCounts } from "./error-counts.ts";
import type { OwnFaults } from "./own-faults.ts";
import type { Clock, Logger, PacedAdvert, VrrpTransport } from "./ports.ts";

/** The instance's ports a send uses. */
export interface SenderPorts {
  transport: VrrpTransport;
  clock: Clock;
  logger: Logger;
  errors?: ErrorCounts;
}

export class AdvertSender {
  private failing = false;

  constructor(
    private readonly name: string,
    private readonly encoder: AdvertEncoder,
    private readonly stats: AdvertStats,
    private readonly ports: SenderPorts,
    private readonly ownFaults: () => OwnFaults,
    /** Where the adverts leave from. */
    private readonly route: () => { ifindex: number; family: 4 | 6; src: string },
  ) {}

  /**
   * Sends the advert at `priority`, or counts what the pacer's send of it did (`paced`); `sentAtMs`:
   * when that send was, if it was not just now (a takeover advert learnt of late).
   */
  send(priority: number, paced: PacedAdvert | null, sentAtMs?: number): void {
    const d = this.ports;
    const packets = this.encoder.packets(priority);
    let sentAll = true;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      try {
        const err = paced ? paced.errors[i] : null;
        if (err) throw err;
        if (!paced) {
          const r = this.route();
          d.transport.send(r.ifindex, r.family, p.bytes, p.dst, r.src);
        }
        this.failing = false;
      } catch (e) {
        sentAll = false;
        d.errors?.sendError(this.name, errnoOf(e));
        // Transient while a link is down or an IPv6 link-local is still tentative: log once.
        if (!this.failing) d.logger.log("warn", "advert send failed", { instance: this.name, dst: p.dst, error: String(e) });
        this.failing = true;
      }
    }
    this.ownFaults().advertSent(sentAll, priority);
    this.stats.countSent(priority, sentAtMs ?? d.clock.nowMs());
  }

  /** A paced advert every packet of which was sent: send()'s bookkeeping for a success. */
  sent(priority: number): void {
    this.failing = false;
    this.ownFaults().advertSent(true, priority);
    this.stats.countSent(priority, this.ports.clock.nowMs());
  }

  /** A paced advert reported after its schedule stopped: its errors and the count, no gap. */
  late(r: PacedAdvert, priority: number): void {
    for (const e of r.errors) if (e) this.ports.errors?.sendError(this.name, errnoOf(e));
    this.stats.countSent(priority, null);
  }
}
