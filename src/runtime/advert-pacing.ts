// The Adver_Timer of a master as a schedule of the transport's pacer (RFC 5798 §6.4.3: "send an
// ADVERTISEMENT, reset the Adver_Timer to Advertisement_Interval"): another thread sends at each
// deadline and keeps going every interval, so a pause of the main thread cannot delay an advert.
// Each advert it sent comes back as the timer's event (the FSM counts it and re-arms for deadline
// + interval, which finds the schedule already there). Anything else — a new priority, interval or
// bytes, a re-arm off the schedule — restarts it. In the steady state (every advert sent, nothing
// else happened) the host counts it without an FSM step: 255 masters, 255 steps a second saved.
import type { TimerName } from "../protocol/types.ts";
import type { EncodedAdvert } from "./advert-encoder.ts";
import type { AdvertPacer, PacedAdvert, TimerHandle } from "./ports.ts";

interface Schedule {
  handle: TimerHandle;
  priority: number;
  intervalMs: number;
  nextAtMs: number;
}

/** What the pacing needs from its instance. */
export interface PacingHost {
  /** Master, not stopped, with a priority above 0: the only state that paces. */
  canPace(): boolean;
  priority(): number;
  intervalMs(): number;
  packets(priority: number): EncodedAdvert[];
  /** Where the adverts leave from. */
  route(): { ifindex: number; family: 4 | 6; src: string };
  /** Cancels the FSM's advert timer (whatever it is). */
  cancelAdvertTimer(): void;
  /** The Adver_Timer fired (this.result says what the pacer's send did). */
  fired(): void;
  /**
   * The same, when nothing but this timer happened since the last advert: counts `r` and moves
   * the FSM's deadline as its step would, without a step; false when the FSM has to decide.
   */
  steady(r: PacedAdvert): boolean;
  /** An advert sent before its schedule stopped, reported after (the pacer batches): count it. */
  late(r: PacedAdvert, priority: number): void;
}

export class AdvertPacing {
  private current: Schedule | null = null;
  /** While the FSM handles a paced advert's timer event: what the pacer's send did. */
  result: PacedAdvert | null = null;

  constructor(
    private readonly pacer: AdvertPacer | undefined,
    /** The instance's timer map: the schedule's handle stands for the "advert" timer there. */
    private readonly timers: Map<TimerName, TimerHandle>,
    private readonly host: PacingHost,
  ) {}

  /** The priority the running schedule's bytes carry (null: none running). */
  get priority(): number | null {
    return this.current?.priority ?? null;
  }

  /** The next deadline of the running schedule (null: none). */
  get nextAtMs(): number | null {
    return this.current?.nextAtMs ?? null;
  }

  owns(h: TimerHandle): boolean {
    return this.current?.handle === h;
  }

  /**
   * Arms the Adver_Timer for `atMs` on the pacer. False: no pacer (or no socket for it): the
   * clock's timer and a send from the main thread.
   */
  arm(atMs: number): boolean {
    if (!this.pacer || !this.host.canPace()) return false;
    const priority = this.host.priority();
    const intervalMs = this.host.intervalMs();
    const p = this.current;
    if (p && this.timers.get("advert") === undefined && p.priority === priority && p.intervalMs === intervalMs && Math.abs(p.nextAtMs - atMs) < 1e-3) {
      this.timers.set("advert", p.handle);
      return true;
    }
    this.host.cancelAdvertTimer();
    this.stop();
    const { ifindex, family, src } = this.host.route();
    const rec: Schedule = { handle: { id: -1 }, priority, intervalMs, nextAtMs: atMs };
    const handle = this.pacer.start(ifindex, family, this.host.packets(priority), src, atMs, intervalMs, (r) => this.onSent(r, rec));
    if (!handle) return false;
    rec.handle = handle;
    this.current = rec;
    this.timers.set("advert", handle);
    return true;
  }

  /** Once this returns, no advert of the schedule leaves any more. */
  stop(): void {
    const p = this.current;
    if (!p) return;
    this.current = null;
    this.pacer?.stop(p.handle);
  }

  private onSent(r: PacedAdvert, rec: Schedule): void {
    if (rec !== this.current) return this.host.late(r, rec.priority);
    rec.nextAtMs = r.nextAtMs;
    if (this.timers.get("advert") === rec.handle && this.host.steady(r)) return; // the schedule goes on
    if (this.timers.get("advert") === rec.handle) this.timers.delete("advert"); // this timer fired
    this.result = r;
    try {
      this.host.fired();
    } finally {
      this.result = null;
    }
    // The FSM did not take the schedule back (no longer master, stopped): the pacer stops too.
    if (this.current === rec && this.timers.get("advert") !== rec.handle) this.stop();
  }
}
