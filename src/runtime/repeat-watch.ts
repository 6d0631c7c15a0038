// A backup's Master_Down_Timer as a watch of the transport (AdvertWatcher): once the FSM has
// handled an advert by re-arming the timer (RFC 5798 §6.4.2: "Reset the Master_Down_Timer to
// Master_Down_Interval"), the same advert again — same bytes from the same master, while nothing
// else happened to the instance — would be handled the same way, so the other thread does it:
// it moves the deadline and only the counters hear of the repeat here. Any other event for the
// instance ends the watch first (end()): the FSM then sees the deadline the repeats reached,
// on the clock's timer again. An advert accepted only inside preempt_delay is not watched: once
// the delay is over, the same advert is discarded (the FSM's answer depends on the time).
//
// The watch carries the backup's takeover advert, which the other thread sends the moment the
// deadline passes (RFC 5798 §6.4.2: the advert is the takeover's first act): the failover waits
// for nothing on this thread. Its priority is the one the watch started with: any event that
// could change it ends the watch first. When an event ends a watch whose advert already left (the
// deadline came first, on the other thread), Master_Down fired before that event: end() says so,
// and the instance takes over before it handles the event.
import type { TimerName } from "../protocol/types.ts";
import type { AdvertWatcher, PacedAdvert, ReceivedDatagram, TakeoverAdvert, TimerHandle } from "./ports.ts";

/** The takeover advert the watcher sent, at the priority it carried. */
export interface SentTakeover {
  priority: number;
  r: PacedAdvert;
}

/** What the watch needs from its instance. */
export interface RepeatHost {
  /** A repeat of the watched advert arrived at `rxMs`: count it as received. */
  repeat(priority: number, src: string, rxMs: number, checksumForm: string | null): void;
  /** No repeat before the deadline: the Master_Down timer fired (its entry is already gone). */
  down(deadlineMs: number, sent: SentTakeover | null): void;
  /** The advert to send the moment Master_Down fires, and its priority (undefined: none). */
  takeover(): { advert: TakeoverAdvert; priority: number } | undefined;
  /** The deadline is near and no repeat came (a few ms): prepare the takeover, warm. */
  soon(): void;
  /** Whether the FSM handles every repeat of an advert of this priority alike (acceptsAtAnyTime). */
  watchable(priority: number): boolean;
}

interface Current {
  handle: TimerHandle;
  downMs: number;
  lastRxMs: number;
  /** The priority of the takeover advert handed over (null: none). */
  takeoverPriority: number | null;
}

export class RepeatWatch {
  private current: Current | null = null;
  /** While the FSM handles a received advert: that advert. */
  private rx: { d: ReceivedDatagram; priority: number; form: string | null } | null = null;

  constructor(
    private readonly watcher: () => AdvertWatcher | undefined,
    /** The instance's timer map: the watch's handle stands for "masterDown" there. */
    private readonly timers: Map<TimerName, TimerHandle>,
    private readonly host: RepeatHost,
  ) {}

  /** Runs `handle` (the FSM's step for `d`) with `d` as the advert a Master_Down re-arm may watch. */
  receiving(d: ReceivedDatagram, priority: number, checksumForm: string | null, handle: () => void): void {
    const outer = this.rx;
    this.rx = { d, priority, form: checksumForm };
    try {
      handle();
    } finally {
      this.rx = outer;
    }
  }

  /** Master_Down re-armed for `atMs` (the old timer cancelled): watched when it counts from an advert. */
  arm(atMs: number): boolean {
    const rx = this.rx;
    const watcher = this.watcher();
    if (!rx || !watcher || this.current || !this.host.watchable(rx.priority)) return false;
    const takeover = this.host.takeover();
    const c: Current = { handle: { id: -1 }, downMs: atMs - rx.d.rxMs, lastRxMs: rx.d.rxMs, takeoverPriority: takeover?.priority ?? null };
    const handle = watcher.start(rx.d, atMs, c.downMs, {
      repeat: (rxMs) => {
        c.lastRxMs = rxMs;
        this.host.repeat(rx.priority, rx.d.src, rxMs, rx.form);
      },
      soon: () => {
        if (this.current === c) this.host.soon();
      },
      down: (sent) => {
        if (this.current !== c) return;
        this.current = null;
        if (this.timers.get("masterDown") === c.handle) this.timers.delete("masterDown");
        this.host.down(c.lastRxMs + c.downMs, sent && c.takeoverPriority !== null ? { priority: c.takeoverPriority, r: sent } : null);
      },
    }, takeover?.advert);
    if (!handle) return false;
    c.handle = handle;
    this.current = c;
    this.timers.set("masterDown", handle);
    return true;
  }

  owns(h: TimerHandle): boolean {
    return this.current?.handle === h;
  }

  /** Cancels the watch (the timer it stands for is cancelled). True: its takeover advert had left. */
  stop(): boolean {
    const c = this.current;
    if (!c) return false;
    this.current = null;
    return this.watcher()?.stop(c.handle) ?? false; // the repeats handled so far are counted now
  }

  /**
   * Something else happens to the instance: the watch ends, and the deadline its repeats reached
   * is returned (null: none was running), for the caller to put on the clock's timer — or, when
   * the takeover advert already left at that deadline (`sent`), to take over first.
   */
  end(): { deadlineMs: number; sent: SentTakeover | null } | null {
    const c = this.current;
    if (!c) return null;
    const fired = this.stop();
    if (this.timers.get("masterDown") === c.handle) this.timers.delete("masterDown");
    const deadlineMs = c.lastRxMs + c.downMs;
    const sent = fired && c.takeoverPriority !== null ? { priority: c.takeoverPriority, r: { atMs: deadlineMs, nextAtMs: deadlineMs, errors: [] } } : null;
    return { deadlineMs, sent };
  }
}
