// An instance's FSM timers (RFC 5798 §6.2 Adver_Timer and Master_Down_Timer; vigil's shutdown hold)
// and where each one runs: a master's Adver_Timer on the transport's pacer (another thread sends),
// a backup's Master_Down on the repeat watch while it runs, anything else on the clock. Master_Down
// and the shutdown hold end a failover, so they are precise; the periodic advert is not.
import type { TimerName } from "../protocol/types.ts";
import type { AdvertPacing } from "./advert-pacing.ts";
import type { Clock, TimerHandle } from "./ports.ts";
import type { RepeatWatch } from "./repeat-watch.ts";

export class InstanceTimers {
  /** What runs each armed timer; the pacing and the watch put their own handles here too. */
  readonly handles = new Map<TimerName, TimerHandle>();
  private pacing: AdvertPacing | null = null;
  private watch: RepeatWatch | null = null;

  constructor(
    private readonly clock: Clock,
    /** A clock timer expired (it is no longer armed). */
    private readonly fired: (timer: TimerName) => void,
  ) {}

  /** The pacing and the watch are built with `handles`, so they come after. */
  use(pacing: AdvertPacing, watch: RepeatWatch): void {
    this.pacing = pacing;
    this.watch = watch;
  }

  arm(timer: TimerName, atMs: number): void {
    if (timer === "advert" && this.pacing?.arm(atMs)) return;
    this.cancel(timer);
    if (timer === "masterDown" && this.watch?.arm(atMs)) return;
    this.onClock(timer, atMs);
  }

  /** On the clock whatever ran it before (a watch that ended hands its deadline back here). */
  onClock(timer: TimerName, atMs: number): void {
    this.handles.set(
      timer,
      this.clock.setTimer(atMs, () => {
        this.handles.delete(timer);
        this.fired(timer);
      }, { precise: timer !== "advert" }),
    );
  }

  cancel(timer: TimerName): void {
    const h = this.handles.get(timer);
    if (h) this.clearHandle(timer, h);
    this.handles.delete(timer);
  }

  clear(): void {
    for (const [name, h] of this.handles) this.clearHandle(name, h);
    this.handles.clear();
  }

  private clearHandle(timer: TimerName, h: TimerHandle): void {
    if (timer === "advert" && this.pacing?.owns(h)) this.pacing.stop();
    else if (timer === "masterDown" && this.watch?.owns(h)) this.watch.stop();
    else this.clock.clearTimer(h);
  }
}
