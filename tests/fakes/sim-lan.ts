// SimLan: N VRRP routers on one simulated LAN, all driven by the pure core on one FakeClock.
//
// Each router wraps `step` with its own timers; every sendAdvert is encoded to real bytes with
// packet.ts, "sent" on the wire with configurable latency, loss (seeded, deterministic) and
// partitions, then decoded and checked (decodeAdvert + checkForInstance) by each receiver
// before it reaches that receiver's FSM. Routers can crash (silent), shut down (priority 0),
// restart. The LAN records transitions and who holds the VIPs over time.

import { GROUP_ADDRESS_V4, GROUP_ADDRESS_V6, TTL_REQUIRED } from "../../src/protocol/constants.ts";
import { initialState, step } from "../../src/protocol/fsm.ts";
import { checkForInstance, decodeAdvert, encodeAdvert } from "../../src/protocol/packet.ts";
import type { DropReason } from "../../src/protocol/reasons.ts";
import type { Family, FsmAction, FsmEvent, FsmParams, FsmState, TimerName, TransitionReason, VrrpState, VrrpVersion } from "../../src/protocol/types.ts";
import type { TimerHandle } from "../../src/runtime/ports.ts";
import { FakeClock } from "./fake-clock.ts";
import { Prng } from "./prng.ts";

export interface SimLanOptions {
  version: VrrpVersion;
  family: Family;
  vrid: number;
  /** The virtual addresses every router is configured with. */
  addresses: string[];
  /** Default Advertisement_Interval for routers that do not set their own. */
  advertIntervalCs: number;
  latencyMs?: number;
  lossProbability?: number;
  seed?: number;
  clock?: FakeClock;
  authPass?: string;
  v3Ipv4Checksum?: "pseudo-header" | "vrrp-only";
}

export interface SimRouterConfig {
  name: string;
  priority: number;
  primaryAddress: string;
  preempt?: boolean;
  preemptDelayMs?: number;
  startAsMaster?: boolean;
  advertIntervalCs?: number;
  authPass?: string;
}

export interface TransitionRecord {
  atMs: number;
  router: string;
  from: VrrpState;
  to: VrrpState;
  reason: TransitionReason;
}

export interface VipRecord {
  atMs: number;
  router: string;
  held: boolean;
  cause: "fsm" | "crash";
}

export interface WireRecord {
  atMs: number;
  from: string;
  priority: number;
  bytes: Uint8Array;
}

export class SimRouter {
  state: FsmState;
  /** The process is running (false after a crash or a completed shutdown). */
  up = false;
  holdsVips = false;
  readonly timers = new Map<TimerName, TimerHandle>();
  advertsSent = 0;
  advertsAccepted = 0;

  constructor(
    readonly cfg: SimRouterConfig,
    readonly params: FsmParams,
  ) {
    this.state = initialState(params);
  }

  get name(): string {
    return this.cfg.name;
  }
}

export class SimLan {
  readonly clock: FakeClock;
  readonly routers = new Map<string, SimRouter>();
  readonly transitions: TransitionRecord[] = [];
  readonly vipLog: VipRecord[] = [];
  readonly wire: WireRecord[] = [];
  readonly drops = new Map<DropReason, number>();
  /** Keep every sent packet in `wire` (off by default: long runs would hoard memory). */
  recordWire = false;
  latencyMs: number;
  lossProbability: number;
  delivered = 0;
  lost = 0;
  private readonly prng: Prng;
  /** Router name → partition group; routers in different groups cannot hear each other. */
  private groups: Map<string, number> | null = null;

  constructor(readonly opts: SimLanOptions) {
    this.clock = opts.clock ?? new FakeClock();
    this.latencyMs = opts.latencyMs ?? 0;
    this.lossProbability = opts.lossProbability ?? 0;
    this.prng = new Prng(opts.seed ?? 1);
  }

  get groupAddress(): string {
    return this.opts.family === 4 ? GROUP_ADDRESS_V4 : GROUP_ADDRESS_V6;
  }

  addRouter(cfg: SimRouterConfig): SimRouter {
    if (this.routers.has(cfg.name)) throw new Error(`duplicate router ${cfg.name}`);
    const params: FsmParams = {
      version: this.opts.version,
      family: this.opts.family,
      vrid: this.opts.vrid,
      basePriority: cfg.priority,
      advertIntervalCs: cfg.advertIntervalCs ?? this.opts.advertIntervalCs,
      preempt: cfg.preempt ?? true,
      preemptDelayMs: cfg.preemptDelayMs ?? 0,
      primaryAddress: cfg.primaryAddress,
      startAsMaster: cfg.startAsMaster ?? false,
    };
    const r = new SimRouter(cfg, params);
    this.routers.set(cfg.name, r);
    return r;
  }

  router(name: string): SimRouter {
    const r = this.routers.get(name);
    if (r === undefined) throw new Error(`no router ${name}`);
    return r;
  }

  // ---- lifecycle ------------------------------------------------------------------------

  start(name: string): void {
    const r = this.router(name);
    r.up = true;
    this.dispatch(r, { type: "startup" });
  }

  startAll(): void {
    for (const name of this.routers.keys()) this.start(name);
  }

  /** Silent death: no priority 0, timers gone, the VIPs vanish with the machine. */
  crash(name: string): void {
    const r = this.router(name);
    if (!r.up) return;
    r.up = false;
    this.clearTimers(r);
    if (r.holdsVips) this.setVips(r, false, "crash");
  }

  /** Graceful stop (SIGTERM): the FSM resigns; the process ends on "stopped". */
  shutdown(name: string): void {
    this.dispatch(this.router(name), { type: "shutdown" });
  }

  /** Start again from a fresh Initialize state (after a crash or a shutdown). */
  restart(name: string): void {
    const r = this.router(name);
    this.crash(name);
    r.state = initialState(r.params);
    this.start(name);
  }

  fault(name: string, source: string, reason: "link-down" | "track-failed" = "link-down"): void {
    this.dispatch(this.router(name), { type: "fault", source, reason });
  }

  faultCleared(name: string, source: string, reason: "link-up" | "track-recovered" = "link-up"): void {
    this.dispatch(this.router(name), { type: "faultCleared", source, reason });
  }

  setPriority(name: string, priority: number): void {
    this.dispatch(this.router(name), { type: "priority", priority });
  }

  partition(groups: string[][]): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((name) => this.groups!.set(name, i)));
  }

  heal(): void {
    this.groups = null;
  }

  run(ms: number): void {
    this.clock.advance(ms);
  }

  // ---- observation ----------------------------------------------------------------------

  masters(): string[] {
    return [...this.routers.values()].filter((r) => r.up && r.state.state === "master").map((r) => r.name);
  }

  vipHolders(): string[] {
    return [...this.routers.values()].filter((r) => r.holdsVips).map((r) => r.name);
  }

  stateOf(name: string): VrrpState {
    return this.router(name).state.state;
  }

  /** First time at or after `sinceMs` that `router` entered `to`, or null. */
  transitionTime(router: string, to: VrrpState, sinceMs = 0): number | null {
    return this.transitions.find((t) => t.router === router && t.to === to && t.atMs >= sinceMs)?.atMs ?? null;
  }

  // ---- engine ---------------------------------------------------------------------------

  private dispatch(r: SimRouter, ev: FsmEvent): void {
    if (!r.up) return;
    const res = step(r.state, ev, this.clock.nowMs());
    r.state = res.state;
    for (const a of res.actions) this.execute(r, a);
  }

  private execute(r: SimRouter, a: FsmAction): void {
    switch (a.type) {
      case "sendAdvert":
        this.send(r, a.priority);
        return;
      case "addVips":
        if (!r.holdsVips) this.setVips(r, true, "fsm");
        return;
      case "removeVips":
        if (r.holdsVips) this.setVips(r, false, "fsm");
        return;
      case "announce":
      case "reannounce":
        return;
      case "armTimer": {
        const old = r.timers.get(a.timer);
        if (old !== undefined) this.clock.clearTimer(old);
        const handle = this.clock.setTimer(a.atMs, () => {
          if (r.timers.get(a.timer) !== handle) return;
          r.timers.delete(a.timer);
          this.dispatch(r, { type: "timer", timer: a.timer });
        });
        r.timers.set(a.timer, handle);
        return;
      }
      case "cancelTimer": {
        const old = r.timers.get(a.timer);
        if (old !== undefined) this.clock.clearTimer(old);
        r.timers.delete(a.timer);
        return;
      }
      case "transition":
        this.transitions.push({ atMs: this.clock.nowMs(), router: r.name, from: a.from, to: a.to, reason: a.reason });
        return;
      case "stopped":
        r.up = false;
        this.clearTimers(r);
        return;
    }
  }

  private setVips(r: SimRouter, held: boolean, cause: VipRecord["cause"]): void {
    r.holdsVips = held;
    this.vipLog.push({ atMs: this.clock.nowMs(), router: r.name, held, cause });
  }

  private clearTimers(r: SimRouter): void {
    for (const h of r.timers.values()) this.clock.clearTimer(h);
    r.timers.clear();
  }

  private connected(a: string, b: string): boolean {
    if (this.groups === null) return true;
    return this.groups.get(a) === this.groups.get(b);
  }

  private send(from: SimRouter, priority: number): void {
    const authPass = from.cfg.authPass ?? this.opts.authPass;
    const bytes = encodeAdvert({
      version: this.opts.version,
      family: this.opts.family,
      vrid: this.opts.vrid,
      priority,
      advertIntervalCs: from.params.advertIntervalCs,
      addresses: this.opts.addresses,
      ...(authPass !== undefined && { authPass }),
      srcAddress: from.params.primaryAddress,
      dstAddress: this.groupAddress,
      ...(this.opts.v3Ipv4Checksum !== undefined && { v3Ipv4Checksum: this.opts.v3Ipv4Checksum }),
    });
    from.advertsSent++;
    if (this.recordWire) this.wire.push({ atMs: this.clock.nowMs(), from: from.name, priority, bytes });
    for (const to of this.routers.values()) {
      if (to === from || !this.connected(from.name, to.name)) continue;
      if (this.lossProbability > 0 && this.prng.chance(this.lossProbability)) {
        this.lost++;
        continue;
      }
      this.clock.setTimer(this.clock.nowMs() + this.latencyMs, () => this.receive(to, bytes, from.params.primaryAddress));
    }
  }

  private receive(to: SimRouter, bytes: Uint8Array, src: string): void {
    if (!to.up) return;
    this.delivered++;
    const decoded = decodeAdvert(bytes, {
      family: this.opts.family,
      srcAddress: src,
      dstAddress: this.groupAddress,
      ttl: TTL_REQUIRED,
    });
    if (!decoded.ok) return this.countDrop(decoded.reason);
    const authPass = to.cfg.authPass ?? this.opts.authPass;
    const reason = checkForInstance(decoded.packet, {
      version: to.params.version,
      vrid: to.params.vrid,
      advertIntervalCs: to.params.advertIntervalCs,
      ...(authPass !== undefined && { authPass }),
      addresses: this.opts.addresses,
    });
    if (reason !== null) return this.countDrop(reason);
    to.advertsAccepted++;
    this.dispatch(to, {
      type: "advert",
      priority: decoded.packet.priority,
      sourceAddress: src,
      maxAdvertIntervalCs: decoded.packet.maxAdvertIntervalCs,
    });
  }

  private countDrop(reason: DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }
}
