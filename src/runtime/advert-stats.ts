// An instance's advert accounting: the counters shown in /status and the sent/received counters
// and interval histogram of /metrics (vigil_vrrp_advert_interval_seconds). A gap is measured
// between two adverts of the same run: a transition starts a new one.
import type { InstanceLabels, MetricsSink } from "./ports.ts";

export class AdvertStats {
  sent = 0;
  received = 0;
  private lastSentMs: number | null = null;
  private lastRxMs: number | null = null;
  private lastRxFrom: string | null = null;

  constructor(
    private readonly metrics: MetricsSink,
    private readonly labels: InstanceLabels,
  ) {}

  /** An advert sent at `nowMs`; null: reported late (its schedule is gone), counted without a gap. */
  countSent(priority: number, nowMs: number | null): void {
    this.sent++;
    this.metrics.advertSent(this.labels, priority);
    if (nowMs === null) return;
    if (this.lastSentMs !== null && priority > 0) this.metrics.advertGap(this.labels, "sent", (nowMs - this.lastSentMs) / 1000);
    this.lastSentMs = priority > 0 ? nowMs : null;
  }

  /** An advert received from `src` at `rxMs` (its arrival); a gap only between two from one source. */
  countReceived(priority: number, src: string, rxMs: number): void {
    this.received++;
    this.metrics.advertReceived(this.labels, priority);
    if (this.lastRxFrom === src && this.lastRxMs !== null && priority > 0) this.metrics.advertGap(this.labels, "received", (rxMs - this.lastRxMs) / 1000);
    this.lastRxMs = rxMs;
    this.lastRxFrom = src;
  }

  /** A transition: the next gaps start afresh (sent ones only while still master). */
  transition(stillSending: boolean): void {
    if (!stillSending) this.lastSentMs = null;
    this.lastRxMs = null;
  }
}
