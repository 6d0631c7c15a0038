// Announcements on becoming Master (RFC 5798 §6.4.1/§6.4.2: "broadcast a gratuitous ARP" /
// "send an Unsolicited ND Neighbor Advertisement"), paced as keepalived does: a burst of
// garp_master_repeat at once, another burst after garp_master_delay, then optional refreshes.
// keepalived vrrp_garp_interval / vrrp_gna_interval and garp_group: the GARPs (NAs) of a burst
// leave one per interval instead of back to back, paced per interface across instances as
// keepalived does (the instances on one interface, or on the interfaces of one garp_group, share
// one pace: `pacingKey`); a burst asked for while one is still queued refreshes the queue (an
// address is owed at most `repeat` more times, as keepalived's garp_gna_pending) instead of
// growing it.
// keepalived garp_extra_if: while Master, every interval one GARP/NA on each other interface of
// the VIPs (extraIfTargets), so switches keep those MACs learnt.
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
  /**
   * Who shares the pace: every scheduler of the host (same Announcer) with the same key. Default
   * `if:IFINDEX` (keepalived paces per interface); a garp_group over several interfaces gives its
   * instances one key (`garp_group:N`).
   */
  pacingKey?: string;
  /** keepalived garp_extra_if: the periodic announcements on the other interfaces. */
  extraIf?: ExtraIfPlan;
}

/** One interface garp_extra_if refreshes: its first VIP, announced with that interface's MAC. */
export interface ExtraIfTarget {
  ifindex: number;
  mac: Uint8Array;
  vip: VirtualAddress;
}

export interface ExtraIfPlan {
  intervalMs: number;
  targets: ExtraIfTarget[];
}

/**
 * The interfaces keepalived's garp_extra_if announces on (its vrrp_send_vmac_update, behaviour
 * only): for each VIP in order (virtual_ipaddress, then _excluded) its interface — `dev`, else the
 * instance's own (the VMAC with use_vmac) —, once per interface; the instance's own only when its
 * adverts leave from elsewhere (use_vmac with vmac_xmit_base); an interface that is not a VMAC
 * only with `all`. vigil creates no VMAC but an instance's own, so without `all` that is the only
 * one it can be.
 */
export function extraIfTargets(
  vips: readonly VirtualAddress[],
  own: { ifname: string; vmac: boolean; xmitBase: boolean },
  all: boolean,
  resolve: (ifname: string) => { index: number; mac: Uint8Array } | undefined,
): ExtraIfTarget[] {
  const out: ExtraIfTarget[] = [];
  const seen = new Set<string>();
  for (const vip of vips) {
    const ifname = vip.dev ?? own.ifname;
    const mine = ifname === own.ifname;
    if (mine && !(own.vmac && own.xmitBase)) continue;
    if (!mine && !all) continue;
    if (seen.has(ifname)) continue;
    seen.add(ifname);
    const link = resolve(ifname);
    if (link) out.push({ ifindex: link.index, mac: link.mac, vip });
  }
  return out;
}

/** The next time a GARP / NA may leave, per pacing key, shared by the schedulers of one host. */
type Pace = Record<4 | 6, number>;
const PACES = new WeakMap<Announcer, Map<string, Pace>>();

function paceOf(announcer: Announcer, key: string): Pace {
  let host = PACES.get(announcer);
  if (!host) PACES.set(announcer, host = new Map());
  let p = host.get(key);
  if (!p) host.set(key, p = { 4: -Infinity, 6: -Infinity });
  return p;
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
}

export class GarpScheduler {
  private timer: TimerHandle | null = null;
  private lowerTimer: TimerHandle | null = null;
  private extraTimer: TimerHandle | null = null;
  private target: Target | null = null;
  private readonly queues: Record<4 | 6, Queue> = {
    4: { owed: new Map(), timer: null },
    6: { owed: new Map(), timer: null },
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
    if (t.extraIf && t.extraIf.intervalMs > 0 && t.extraIf.targets.length > 0) this.extra(t.extraIf, now);
  }

  /** garp_extra_if: first after one interval (keepalived arms it on becoming Master), then each interval. */
  private extra(plan: ExtraIfPlan, fromMs: number): void {
    this.extraTimer = this.clock.setTimer(fromMs + plan.intervalMs, () => {
      this.extraTimer = null;
      this.guard(() => {
        let sent = 0;
        for (const x of plan.targets) if (this.sendOn(x.ifindex, x.mac, x.vip)) sent++;
        if (sent > 0) this.onSent(sent);
        this.extra(plan, this.clock.nowMs());
      });
    });
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
    if (this.extraTimer) this.clock.clearTimer(this.extraTimer);
    this.extraTimer = null;
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

  /**
   * Send the next owed address of `family` if the shared pace allows (keepalived garp_next_time of
   * the interface or group), then wait for the next slot.
   */
  private drain(family: 4 | 6): void {
    const q = this.queues[family];
    q.timer = null;
    const first = q.owed.entries().next();
    if (first.done || !this.target) return;
    const pace = paceOf(this.announcer, this.target.t.pacingKey ?? `if:${this.target.ifindex}`);
    const now = this.clock.nowMs();
    if (now >= pace[family]) {
      const [address, owed] = first.value;
      q.owed.delete(address);
      if (--owed.left > 0) q.owed.set(address, owed); // to the back: A B A B…, as an unpaced burst
      if (this.sendOne(owed.vip)) this.onSent(1);
      pace[family] = now + this.intervalOf(family);
      if (q.owed.size === 0) return;
    }
    q.timer = this.clock.setTimer(pace[family], () => {
      q.timer = null;
      this.guard(() => this.drain(family));
    });
  }

  private sendOne(v: VirtualAddress): boolean {
    const target = this.target;
    return target ? this.sendOn(target.ifindex, target.mac, v) : false;
  }

  private sendOn(ifindex: number, mac: Uint8Array, v: VirtualAddress): boolean {
    try {
      if (v.family === 4) this.announcer.garp(ifindex, mac, v.address);
      else this.announcer.unsolicitedNa(ifindex, mac, v.address);
      return true;
    } catch (e) {
      this.logger.log("warn", "announcement failed", { address: v.address, error: String(e) });
      return false;
    }
  }
}
