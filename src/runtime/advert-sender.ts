// What sending an advert means for an instance beyond the bytes: the send itself (or what the
// pacer's send did), a failing send logged once until it works again and counted by errno, the
// OwnFaults count of sends in a row that failed (three put a master in Fault), and the counters.
import type { AdvertEncoder } from "./advert-encoder.ts";
import type { AdvertStats } from "./advert-stats.ts";
import { errnoOf, type ErrorCounts } from "./error-counts.ts";
import type { OwnFaults } from "./own-faults.ts";
import type { Clock, Logger, PacedAdvert, VrrpTransport } from "./ports.ts";

export interface AdvertSenderDeps {
  name: string;
  encoder: AdvertEncoder;
  transport: VrrpTransport;
  clock: Clock;
  logger: Logger;
  errors?: ErrorCounts;
  stats: AdvertStats;
  ownFaults: () => OwnFaults;
  /** Where the adverts leave from. */
  route: () => { ifindex: number; family: 4 | 6; src: string };
}

export class AdvertSender {
  private failing = false;

  constructor(private readonly d: AdvertSenderDeps) {}

  /** Sends the advert at `priority`, or counts what the pacer's send of it did (`paced`). */
  send(priority: number, paced: PacedAdvert | null): void {
    const d = this.d;
    const packets = d.encoder.packets(priority);
    let sentAll = true;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      try {
        const err = paced ? paced.errors[i] : null;
        if (err) throw err;
        if (!paced) {
          const r = d.route();
          d.transport.send(r.ifindex, r.family, p.bytes, p.dst, r.src);
        }
        this.failing = false;
      } catch (e) {
        sentAll = false;
        d.errors?.sendError(d.name, errnoOf(e));
        // Transient while a link is down or an IPv6 link-local is still tentative: log once.
        if (!this.failing) d.logger.log("warn", "advert send failed", { instance: d.name, dst: p.dst, error: String(e) });
        this.failing = true;
      }
    }
    d.ownFaults().advertSent(sentAll, priority);
    d.stats.countSent(priority, d.clock.nowMs());
  }

  /** A paced advert every packet of which was sent: send()'s bookkeeping for a success. */
  sent(priority: number): void {
    this.failing = false;
    this.d.ownFaults().advertSent(true, priority);
    this.d.stats.countSent(priority, this.d.clock.nowMs());
  }
}
