// The Linux io thread's two steady-state paths over fake time, so the runtime's side of them
// (advert-pacing.ts steady(), repeat-watch.ts) runs in the fake labs: a pacer that sends each
// advert at its deadline and reports it, and a watcher that keeps a backup's identical adverts
// from onReceive, moving Master_Down instead, and sends the takeover advert when Master_Down fires.
// Same contracts as src/os/linux (ports.ts).
import type { AdvertPacer, AdvertWatcher, PacedAdvert, ReceivedDatagram, TakeoverAdvert, TimerHandle, WatchEvents } from "../../src/runtime/ports.ts";
import type { FakeClock } from "./fake-clock.ts";
import { FakeTransport } from "./ports.ts";

interface Watch {
  d: ReceivedDatagram;
  downMs: number;
  timer: TimerHandle;
  on: WatchEvents;
  takeover?: TakeoverAdvert;
  /** Its takeover advert left; down() is on its way (downDelayMs). */
  fired?: boolean;
}

const same = (a: ReceivedDatagram, b: ReceivedDatagram) =>
  a.family === b.family && a.ifindex === b.ifindex && a.src === b.src && a.dst === b.dst && a.ttl === b.ttl &&
  a.payload.length === b.payload.length && a.payload.every((x, i) => x === b.payload[i]);

export class FakeIoTransport extends FakeTransport {
  private nextId = 1;
  private readonly schedules = new Map<number, TimerHandle>();
  private readonly watches = new Map<number, Watch>();
  /** Repeats kept from onReceive, paced adverts and takeover adverts sent, since start. */
  repeats = 0;
  pacedSent = 0;
  takeoversSent = 0;
  /** false: the watcher is given no takeover advert to send (the main thread sends it). */
  sendsTakeover = true;
  /**
   * How long the expiry takes to reach the instance after the takeover advert left (the Linux io
   * thread's message to the main thread): a stop() in between says the advert went out.
   */
  downDelayMs = 0;
  private clock(): FakeClock {
    return this.wire.clock;
  }

  readonly pacer: AdvertPacer = {
    start: (ifindex, family, packets, src, atMs, intervalMs, onSent) => {
      const id = this.nextId++;
      const tick = (at: number) => {
        this.schedules.set(
          id,
          this.clock().setTimer(at, () => {
            const errors = this.sendAll(ifindex, family, packets, src);
            this.pacedSent++;
            const now = this.clock().nowMs();
            const next = at + intervalMs > now ? at + intervalMs : now + intervalMs;
            tick(next);
            onSent({ atMs: at, nextAtMs: next, errors });
          }),
        );
      };
      tick(atMs);
      return { id };
    },
    stop: (h: TimerHandle) => {
      const t = this.schedules.get(h.id);
      if (t) this.clock().clearTimer(t);
      this.schedules.delete(h.id);
    },
  };

  readonly watcher: AdvertWatcher = {
    start: (d, deadlineMs, downMs, on, takeover) => {
      const id = this.nextId++;
      const w: Watch = { d, downMs, on, timer: { id: -1 }, takeover: this.sendsTakeover ? takeover : undefined };
      this.watches.set(id, w);
      this.armDown(id, w, deadlineMs);
      return { id };
    },
    stop: (h) => {
      const w = this.watches.get(h.id);
      if (w) this.clock().clearTimer(w.timer);
      this.watches.delete(h.id);
      return w?.fired === true;
    },
  };

  private sendAll(ifindex: number, family: 4 | 6, packets: TakeoverAdvert["packets"], src: string): (Error | null)[] {
    return packets.map((p) => {
      try {
        this.send(ifindex, family, p.bytes, p.dst, src);
        return null;
      } catch (e) {
        return e as Error;
      }
    });
  }

  private armDown(id: number, w: Watch, atMs: number): void {
    w.timer = this.clock().setTimer(atMs, () => {
      if (this.watches.get(id) !== w) return;
      this.watches.delete(id);
      const t = w.takeover;
      let sent: PacedAdvert | null = null;
      if (t) {
        this.takeoversSent++;
        sent = { atMs, nextAtMs: atMs, errors: this.sendAll(t.ifindex, t.family, t.packets, t.src) };
      }
      if (!sent || this.downDelayMs === 0) return w.on.down(sent);
      w.fired = true;
      this.watches.set(id, w);
      w.timer = this.clock().setTimer(atMs + this.downDelayMs, () => {
        if (this.watches.get(id) !== w) return;
        this.watches.delete(id);
        w.on.down(sent);
      });
    });
  }

  protected override deliver(rx: ReceivedDatagram): void {
    for (const [id, w] of this.watches) {
      if (w.fired || !same(w.d, rx)) continue;
      this.repeats++;
      this.clock().clearTimer(w.timer);
      this.armDown(id, w, rx.rxMs + w.downMs);
      w.on.repeat(rx.rxMs);
      return;
    }
    super.deliver(rx);
  }
}
