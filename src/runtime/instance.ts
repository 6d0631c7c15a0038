// One VRRP instance: drives the pure FSM (src/protocol/fsm.ts) against the ports and executes the
// actions it returns. The FSM decides; this file only carries out and reports.
import type { InstanceConfig } from "../config/schema.ts";
import { initialState, step } from "../protocol/fsm.ts";
import { acceptsAtAnyTime, isSteadyAdvert } from "../protocol/steady.ts";
import type { VrrpPacket } from "../protocol/packet.ts";
import type { FsmAction, FsmEvent, FsmState, TimerName } from "../protocol/types.ts";
import { AdvertEncoder } from "./advert-encoder.ts";
import { AdvertPacing } from "./advert-pacing.ts";
import { AdvertSender } from "./advert-sender.ts";
import { AdvertStats } from "./advert-stats.ts";
import { GarpScheduler } from "./garp.ts";
import { InstanceTimers } from "./instance-timers.ts";
import { fsmParams, garpTiming, type InstanceLink, instanceStatus, prepareTakeover, takeoverAdvert } from "./instance-setup.ts";
import { ReportedState, reportTransition } from "./transition-report.ts";
import { OwnFaults } from "./own-faults.ts";
import { RepeatWatch, type SentTakeover } from "./repeat-watch.ts";
import { notifyTransition } from "./notify.ts";
import type {
  Announcer,
  Clock,
  InstanceLabels,
  InstanceStatus,
  LinkWatcher,
  Logger,
  MetricsSink,
  PacedAdvert,
  ReceivedDatagram,
  VrrpTransport,
} from "./ports.ts";
import type { ScriptRunner } from "./spawn.ts";
import type { VipSet } from "./vips.ts";
import type { ErrorCounts } from "./error-counts.ts";

export { VRRP_GROUP_V4, VRRP_GROUP_V6 } from "./advert-encoder.ts";
export { fsmParams, type InstanceLink } from "./instance-setup.ts";

export interface InstanceDeps {
  clock: Clock;
  transport: VrrpTransport;
  announcer: Announcer;
  metrics: MetricsSink;
  logger: Logger;
  runner: ScriptRunner;
  /** Errors survived (send errors by errno, netlink); the daemon always passes one. */
  errors?: ErrorCounts;
  /** Interfaces of garp_extra_if (the daemon passes its link cache). */
  links?: LinkWatcher;
}

export { FAULT_RETRY_MAX_MS, FAULT_RETRY_MS, SEND_FAILURES_TO_FAULT, VIP_RETRY_MS } from "./own-faults.ts";

export class Instance {
  private fsm: FsmState;
  private readonly timers: InstanceTimers;
  private readonly garp: GarpScheduler;
  /** Encoded adverts by priority: the advert timer is the hot path, encode once. */
  private readonly encoder: AdvertEncoder;
  /** The Adver_Timer of a master as a schedule of the transport's pacer (another thread sends). */
  private readonly pacing: AdvertPacing;
  private readonly watch: RepeatWatch;
  private readonly stats: AdvertStats;
  private lastTransitionWallMs = 0;
  private stoppedWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly sender: AdvertSender;
  private readonly ownFaults: OwnFaults;
  private readonly reported: ReportedState;
  /** Set by the daemon: sync groups follow every transition. */
  onTransitionHook: ((inst: Instance, from: FsmState["state"], to: FsmState["state"], reason: NonNullable<FsmState["lastTransitionReason"]>) => void) | null =
    null;
  readonly labels: InstanceLabels;
  /** Where the adverts leave from. */
  private readonly route = () => ({ ifindex: this.txIfindex, family: this.cfg.family, src: this.link.srcAddress });

  constructor(
    public cfg: InstanceConfig,
    private link: InstanceLink,
    readonly vips: VipSet,
    private readonly deps: InstanceDeps,
  ) {
    this.fsm = initialState(fsmParams(cfg, link.srcAddress));
    this.labels = { instance: cfg.name, interface: cfg.interface, vrid: String(cfg.vrid) };
    this.stats = new AdvertStats(deps.metrics, this.labels);
    this.garp = new GarpScheduler(deps.clock, deps.announcer, deps.logger, (n) => deps.metrics.garpSent(this.labels, n));
    this.encoder = new AdvertEncoder(cfg, link.srcAddress);
    this.sender = new AdvertSender(cfg.name, this.encoder, this.stats, deps, () => this.ownFaults, this.route);
    this.timers = new InstanceTimers(deps.clock, (timer) => this.dispatch({ type: "timer", timer }));
    this.pacing = new AdvertPacing(deps.transport.pacer, this.timers.handles, {
      canPace: () => !this.stopped && this.fsm.state === "master" && this.fsm.priority > 0,
      priority: () => this.fsm.priority,
      intervalMs: () => this.cfg.advertIntervalCs * 10,
      packets: (priority) => this.encoder.packets(priority),
      route: this.route,
      cancelAdvertTimer: () => this.timers.cancel("advert"),
      fired: () => this.dispatch({ type: "timer", timer: "advert" }),
      steady: (r) => this.steadyAdvert(r),
      late: (r, priority) => this.sender.late(r, priority),
    });
    this.watch = new RepeatWatch(() => deps.transport.watcher, this.timers.handles, {
      repeat: (priority, src, rxMs, form) => {
        this.stats.countReceived(priority, src, rxMs);
        if (form !== null) deps.metrics.checksumForm(this.labels, form);
      },
      watchable: (priority) => acceptsAtAnyTime(this.fsm, priority),
      soon: () => this.prepareTakeover(),
      takeover: () => takeoverAdvert(this.fsm, this.route(), (p) => this.encoder.packets(p)),
      down: (deadlineMs, sent) => this.masterDown(deadlineMs, sent),
    });
    this.timers.use(this.pacing, this.watch);
    this.ownFaults = new OwnFaults(cfg.name, deps.clock, deps.logger, (ev) => this.dispatch(ev), () => !this.stopped && this.fsm.state === "master");
    deps.metrics.state(this.labels, "init");
    deps.metrics.priority(this.labels, cfg.priority, cfg.priority);
    this.reported = new ReportedState(deps.metrics, this.labels, cfg.priority);
  }

  get state(): FsmState {
    return this.fsm;
  }

  get ifindex(): number {
    return this.link.ifindex;
  }

  get srcAddress(): string {
    return this.link.srcAddress;
  }

  /** The interface adverts leave from: the VMAC (use_vmac without vmac_xmit_base) or the base. */
  get txIfindex(): number {
    const v = this.link.vmac;
    return v && !v.xmitBase ? v.ifindex : this.link.ifindex;
  }

  get vmacName(): string | undefined {
    return this.link.vmac?.name;
  }

  /** Removes what was made for this instance (the VMAC) once. Never throws. */
  private releaseLink(): void {
    const r = this.link.release;
    if (!r) return;
    this.link = { ...this.link, release: undefined };
    try {
      r();
    } catch (e) {
      this.deps.logger.log("error", `${this.cfg.name}: releasing the VMAC failed`, { instance: this.cfg.name, error: String(e) });
    }
  }

  /**
   * Feed one event through the FSM and carry out its actions; `atLeastMs`: the event happened no
   * earlier than that, whatever the clock's event time says.
   */
  dispatch(ev: FsmEvent, atLeastMs = -Infinity): void {
    if (this.stopped) return;
    this.endWatch();
    const result = step(this.fsm, ev, Math.max(this.deps.clock.nowMs(), atLeastMs));
    this.fsm = result.state;
    // Taking over, the advert, the VIPs and the GARPs go first and the report of the transition
    // (log line, metrics, notify scripts, sync-group peers) after them: none of it may delay the
    // advert that ends the failover (a notify script's fork alone costs milliseconds).
    const report = result.actions.find((a) => a.type === "transition" && a.to === "master");
    for (const a of result.actions) if (a !== report) this.execute(a);
    if (report) this.execute(report);
    this.reported.update(this.fsm.state === "master" ? this.link.srcAddress : this.fsm.masterAddress, this.cfg.priority, this.fsm.priority);
    const pacedPriority = this.pacing.priority;
    if (pacedPriority !== null && pacedPriority !== this.fsm.priority) this.repace(); // the next advert carries it
  }

  /**
   * Anything else that happens (an event, a new configuration: what the receive path accepts may
   * change) ends a watch of repeats: the FSM sees the deadline they reached, on the clock's timer —
   * or takes over now, when the watcher's takeover advert left at that deadline, before this event.
   */
  private endWatch(): void {
    const ended = this.watch.end();
    if (ended === null) return;
    if (ended.sent) return this.masterDown(ended.deadlineMs, ended.sent);
    this.fsm = { ...this.fsm, masterDownDeadlineMs: ended.deadlineMs };
    this.timers.onClock("masterDown", ended.deadlineMs);
  }

  /**
   * Master_Down fired at `deadlineMs`; `sent`: the watcher already sent the takeover advert. It
   * fires at its deadline even while an event of an earlier time is handled (endWatch): the
   * advert left then.
   */
  private masterDown(deadlineMs: number, sent: SentTakeover | null): void {
    this.fsm = { ...this.fsm, masterDownDeadlineMs: deadlineMs };
    this.takeoverSent = sent;
    try {
      this.dispatch({ type: "timer", timer: "masterDown" }, sent ? deadlineMs : -Infinity);
    } finally {
      // The FSM sent no advert at that priority (it cannot happen from Backup): still counted.
      if (this.takeoverSent) this.sender.late(this.takeoverSent.r, this.takeoverSent.priority);
      this.takeoverSent = null;
    }
  }

  /** A decoded advert that passed the instance checks (checksumForm: IPv4 VRRPv3's, else null). */
  receive(packet: VrrpPacket, d: ReceivedDatagram, checksumForm: string | null = null): void {
    this.stats.countReceived(packet.priority, d.src, d.rxMs);
    if (checksumForm !== null) this.deps.metrics.checksumForm(this.labels, checksumForm);
    const ev: FsmEvent = { type: "advert", priority: packet.priority, sourceAddress: d.src, maxAdvertIntervalCs: packet.maxAdvertIntervalCs };
    this.watch.receiving(d, packet.priority, checksumForm, () => this.dispatch(ev));
  }

  /** Resolve when the FSM reports `stopped` (after a shutdown event). */
  whenStopped(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.stoppedWaiters.push(resolve));
  }

  /** Reload in place: same interface/vrid/version/family; priority, timing, VIPs, hooks may change. */
  reconfigure(cfg: InstanceConfig, effectivePriority: number): void {
    this.endWatch();
    this.cfg = cfg;
    this.fsm = { ...this.fsm, params: fsmParams(cfg, this.link.srcAddress) };
    this.encoder.reconfigure(cfg);
    if (this.pacing.priority !== null) this.repace(); // new addresses or interval: new bytes for the pacer
    this.vips.replace([...cfg.virtualIps, ...cfg.excludedVips], cfg.virtualRoutes);
    this.deps.metrics.priority(this.labels, cfg.priority, effectivePriority);
    if (effectivePriority !== this.fsm.priority) this.dispatch({ type: "priority", priority: effectivePriority });
  }

  /** Stop immediately without resigning (the interface was re-created under it). */
  abort(): void {
    this.clearTimers();
    this.garp.stop();
    if (this.vips.holding) this.vips.removeAll();
    this.vips.close();
    this.finish();
    this.releaseLink();
  }

  /**
   * The last resort (an unhandled error): resign at once if Master (priority 0, RFC 5798 §6.4.3)
   * and remove the VIPs, without waiting for a backup — the process is about to exit. Never throws.
   */
  emergencyStop(): void {
    if (this.stopped) return;
    this.clearTimers();
    try {
      this.garp.stop();
      if (this.fsm.state === "master") this.sendAdvert(0);
    } catch {
      // Resigning is best effort; removing the VIPs is what matters.
    }
    try {
      this.vips.removeAll();
    } finally {
      this.vips.close();
      this.stopped = true;
      this.releaseLink();
    }
  }

  status(): InstanceStatus {
    return instanceStatus(this.cfg, this.fsm, this.vips.list(), this.stats, { atWallMs: this.lastTransitionWallMs, from: this.lastFrom });
  }

  private lastFrom: FsmState["state"] = "init";

  private execute(a: FsmAction): void {
    switch (a.type) {
      case "sendAdvert":
        return this.sendAdvert(a.priority);
      case "addVips":
        return this.ownFaults.vipsAdded(this.vips.addAll(), (failed) => this.vips.retryAdd(failed));
      case "removeVips":
        this.garp.stop();
        this.ownFaults.cancelVipRetry();
        return this.vips.removeAll();
      case "announce":
        this.flushFirstAdvert(); // a handover's advert goes after the VIP add, before the GARP burst
        // With use_vmac the announcements leave from the VMAC: they carry the virtual MAC.
        return this.garp.start(
          this.link.vmac?.ifindex ?? this.link.ifindex,
          this.link.vmac?.mac ?? this.link.mac,
          this.vips.list(),
          garpTiming(this.cfg, this.link, (name) => this.deps.links?.link(name)),
        );
      case "reannounce":
        // keepalived garp_lower_prio_repeat / garp_lower_prio_delay (the FSM rate-limits it).
        return this.garp.lowerPriority(this.cfg.garpLowerPrioRepeat ?? 0, this.cfg.garpLowerPrioDelayMs ?? 0);
      case "armTimer":
        return this.arm(a.timer, a.atMs);
      case "cancelTimer":
        return this.timers.cancel(a.timer);
      case "transition":
        return this.onTransition(a.from, a.to, a.reason);
      case "stopped":
        return this.finish();
    }
  }

  /** While a Master_Down fires whose advert the watcher sent: that advert. */
  private takeoverSent: SentTakeover | null = null;

  private sendAdvert(priority: number): void {
    const t = this.takeoverSent;
    if (t && t.priority === priority) {
      this.takeoverSent = null;
      return this.sender.send(priority, t.r, t.r.atMs); // counts what the watcher's send did
    }
    // The periodic advert the pacer already sent (this is its timer event): count what it did.
    const paced = priority > 0 ? this.pacing.result : null;
    this.pacing.result = null;
    // Taking over from a silent master (Master_Down), the advert leaves before the VIPs are added,
    // as RFC 5798 §6.4.2 lists it and keepalived 2.2.7 does: adding first delayed it by the netlink
    // round trip (0.2–1 ms measured). Taking over from a live master (it resigned with priority 0,
    // or we preempt it) the VIPs go first: it drops its VIPs when it hears us, and a resigning
    // vigil holds them until then, so the VIP is never on neither router (make-before-break).
    const reason = this.fsm.lastTransitionReason;
    if (!paced && priority > 0 && this.fsm.state === "master" && !this.vips.holding && (reason === "priority-zero-received" || reason === "preempt")) {
      if (this.firstAdvert === null) queueMicrotask(() => this.flushFirstAdvert());
      this.firstAdvert = priority;
      return;
    }
    this.sender.send(priority, paced);
  }

  private firstAdvert: number | null = null;

  /**
   * A paced advert in the steady state: what step() does for the Adver_Timer (fsm.ts onTimer,
   * RFC 5798 §6.4.3: send, re-arm from the deadline) and sendNow() for a success, without the step.
   */
  private steadyAdvert(r: PacedAdvert): boolean {
    const f = this.fsm;
    if (this.stopped || this.firstAdvert !== null || this.pacing.priority !== f.priority) return false;
    if (!isSteadyAdvert(f, r.atMs, r.nextAtMs, this.deps.clock.nowMs())) return false;
    for (const e of r.errors) if (e) return false;
    this.fsm = { ...f, advertDeadlineMs: r.nextAtMs };
    this.sender.sent(f.priority);
    return true;
  }

  /** The handover's advert, once this step added the VIPs ("announce", or the advert timer's arm). */
  private flushFirstAdvert(): void {
    const priority = this.firstAdvert;
    this.firstAdvert = null;
    if (priority !== null && !this.stopped && this.fsm.state === "master") this.sender.send(priority, null);
  }

  private clearTimers(): void {
    this.timers.clear();
    this.ownFaults.clear();
  }

  private arm(timer: TimerName, atMs: number): void {
    if (timer === "advert") this.flushFirstAdvert();
    this.timers.arm(timer, atMs);
  }

  /** Same schedule, new bytes (priority or configuration changed). */
  private repace(): void {
    const at = this.pacing.nextAtMs;
    if (at === null) return;
    this.timers.cancel("advert");
    this.pacing.stop();
    if (this.fsm.state === "master" && this.fsm.advertDeadlineMs !== null) this.arm("advert", at);
  }

  private onTransition(from: FsmState["state"], to: FsmState["state"], reason: NonNullable<FsmState["lastTransitionReason"]>): void {
    const wall = this.deps.clock.wallMs();
    this.lastFrom = from;
    this.lastTransitionWallMs = wall;
    if (to !== "master") this.garp.stop();
    if (to === "backup") this.prepareTakeover();
    reportTransition(this.deps, this.cfg, this.labels, this.stats, { from, to, reason, priority: this.fsm.priority, wallMs: wall });
    this.onTransitionHook?.(this, from, to, reason);
  }

  private prepareTakeover(): void {
    prepareTakeover(
      this.fsm,
      this.deps.clock.nowMs(),
      this.vips,
      () => this.encoder.packets(this.fsm.priority),
      (dst) => this.deps.transport.prepare?.(this.txIfindex, this.cfg.family, dst, this.link.srcAddress),
    );
  }

  private finish(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    this.vips.close();
    this.releaseLink();
    notifyTransition(this.deps.runner, this.cfg.notify, "INSTANCE", this.cfg.name, "stop", this.fsm.priority);
    for (const w of this.stoppedWaiters.splice(0)) w();
  }
}
