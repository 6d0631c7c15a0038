// The daemon: owns every instance, the shared sockets, tracking and reload. Pure wiring over ports,
// so the whole thing runs against fakes in tests and against the Linux ports (src/os/linux) in `vigil run`.
//
// Fail-safe rules (ARCHITECTURE.md, "What vigil guarantees"):
// - every callback it registers (timers, received adverts, link events) runs guarded: a throw
//   reaches the last resort (resign, remove VIPs, exit 70) instead of unwinding with VIPs held;
// - an instance whose interface does not exist yet waits in Fault ("interface-missing") and
//   starts when the interface appears, instead of keeping the whole daemon from starting;
// - a reload prepares everything that can fail before it touches a running instance;
// - a stop ends within min(3 × advert_int, 10 s), hold included; a second stop request is "now".
import type { InstanceConfig, VigilConfig } from "../config/schema.ts";
import type { FsmEvent } from "../protocol/types.ts";
import { advertIntervalMs } from "../protocol/timers.ts";
import { VERSION } from "../version.ts";
import { ErrorCounts } from "./error-counts.ts";
import { Instance, type InstanceDeps, type InstanceLink } from "./instance.ts";
import type { AddressJournal } from "./journal.ts";
import { type EmergencyStoppable, type FatalHandler, guardClock, guarded } from "./last-resort.ts";
import { LinkCache } from "./link-cache.ts";
import { Monitors } from "./monitors.ts";
import { Notifier, notifySettings } from "./notify.ts";
import { PendingInstances } from "./pending.ts";
import { resolveInstance, resolveLink } from "./resolve-link.ts";
import type { AddressManager, DaemonStatus, LinkInfo, LinkWatcher, StatusSource, TimerHandle } from "./ports.ts";
import { Receiver } from "./receive.ts";
import { planReload } from "./reload.ts";
import { SyncGroups } from "./sync-groups.ts";
import { InstanceTracker } from "./tracking.ts";
import { VipSet } from "./vips.ts";
import { StaticSet } from "./static.ts";
import { type VmacLink, VmacManager, type VmacOs } from "./vmac.ts";
import { restoreDeletedVmac } from "./vmac-restore.ts";
import { AcceptFilter, type FirewallOs } from "./accept.ts";

export interface DaemonDeps extends InstanceDeps {
  addresses: AddressManager;
  links: LinkWatcher;
  journal: AddressJournal;
  /** Where unhandled errors go (the process-wide last resort); default: rethrow. */
  onFatal?: FatalHandler;
  /** use_vmac (absent: an instance with use_vmac waits in Fault). */
  vmac?: VmacOs;
  /** Accept mode (absent: not enforced; logged). */
  firewall?: FirewallOs;
}

/** The whole stop, make-before-break hold included, ends within min(3 × advert_int, this). */
export const STOP_BOUND_MAX_MS = 10_000;
/** At stop, queued notify scripts (notify_stop last) get this long to run. */
const NOTIFY_DRAIN_MS = 5_000;

/** Time kept at the end of the stop bound for removing the VIPs and exiting: 10 %, at most 500 ms. */
export function stopMarginMs(boundMs: number): number {
  return Math.min(500, boundMs / 10);
}

/** A problem found before touching the network: nothing has been changed when this is thrown. */
export class StartupError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

export interface ReloadResult {
  ok: boolean;
  /** Stopped by a shutdown that began meanwhile: nothing new was launched. */
  cancelled: boolean;
  problems: string[];
}

interface Running {
  instance: Instance;
  tracker: InstanceTracker;
}

export class Daemon implements StatusSource, EmergencyStoppable {
  private readonly running = new Map<string, Running>();
  /** Instances waiting for their interface (or its address): name → why. */
  /** Instances waiting for their interface (or its address): Fault until they can run. */
  private readonly pending: PendingInstances;
  private readonly monitors: Monitors;
  /** Every script of the daemon goes through it: users, enable_script_security, notify order, FIFOs. */
  readonly notifier: Notifier;
  private readonly receiver: Receiver;
  private readonly syncGroups: SyncGroups;
  private readonly ifnames = new Map<number, string>();
  /** Running instances by "ifindex/family", for the receive path. */
  private byLink = new Map<string, Instance[]>();
  /** Sockets opened, by "ifindex/family". */
  private readonly opened = new Map<string, 4 | 6>();
  private readonly startedAtWallMs: number;
  private lastReload: DaemonStatus["lastReload"] = null;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private readonly deps: DaemonDeps & { errors: ErrorCounts };
  readonly errors: ErrorCounts;
  private readonly vmacs: VmacManager;
  private readonly acceptFilter: AcceptFilter;
  /** static_ipaddress / static_routes / static_rules: set at start, removed at stop. */
  private readonly statics: StaticSet;

  constructor(
    private config: VigilConfig,
    deps: DaemonDeps,
  ) {
    const onFatal: FatalHandler = deps.onFatal ??
      ((_origin, e) => {
        throw e;
      });
    this.errors = deps.errors ?? new ErrorCounts();
    this.notifier = new Notifier(deps.runner, deps.logger);
    this.notifier.configure(notifySettings(config));
    this.deps = { ...deps, runner: this.notifier, errors: this.errors, clock: guardClock(deps.clock, onFatal), links: new LinkCache(deps.links, this.errors) };
    this.startedAtWallMs = deps.clock.wallMs();
    this.vmacs = new VmacManager(deps.vmac, deps.journal, deps.logger, this.errors);
    this.acceptFilter = new AcceptFilter(deps.firewall, deps.journal, deps.logger, this.errors);
    this.statics = new StaticSet(config.staticIps ?? [], config.staticRoutes ?? [], config.staticRules ?? [], this.deps);
    this.monitors = new Monitors(this.deps.clock, this.notifier, deps.logger, this.notifier.policy);
    this.pending = new PendingInstances(this.deps, (cfg, link) => this.launch(cfg, link), () => this.releaseUnusedSockets());
    this.receiver = new Receiver(
      (ifindex, family) => this.byLink.get(`${ifindex}/${family}`) ?? [],
      deps.metrics,
      deps.logger,
      (i) => this.ifnames.get(i) ?? String(i),
    );
    this.syncGroups = new SyncGroups((name) => this.running.get(name)?.instance, this.notifier);
    this.syncGroups.configure(config.syncGroups);
    deps.transport.onReceive(guarded("receive", onFatal, (d) => this.receiver.handle(d)));
    this.deps.links.onChange(guarded("link event", onFatal, (link) => this.onLink(link)));
  }

  /**
   * Resolve every instance's link (a missing one waits in Fault), open every socket before
   * changing any address (a missing privilege fails here, untouched), then start.
   */
  start(): void {
    // What a SIGKILLed run left besides VIPs: its macvlans, sysctls and nftables table.
    this.vmacs.cleanupStale();
    this.acceptFilter.cleanupStale();
    // keepalived sets its static addresses, routes and rules at start whatever the VRRP state;
    // this also removes the routes and rules a SIGKILLed run left (its journal).
    this.statics.start();
    const { links, waiting } = this.resolveAll(this.config.instances);
    for (const cfg of this.config.instances) {
      const link = links.get(cfg.name);
      if (link) this.deps.transport.open(cfg.interface, link.ifindex, cfg.family);
    }
    this.monitors.apply(this.config);
    this.acceptFilter.configure(this.config.instances);
    for (const cfg of this.config.instances) {
      const link = links.get(cfg.name);
      if (link) this.launch(cfg, link);
      else this.pending.wait(cfg, waiting.get(cfg.name)!);
    }
  }

  /**
   * Resign every master (priority 0) and stop once backups took over. Bounded: whatever is still
   * holding at min(3 × advert_int, 10 s) stops at once. A second call stops everything now.
   */
  shutdown(): Promise<void> {
    if (this.stopped) {
      this.stopNow();
      return this.stopped;
    }
    this.stopping = true;
    this.pending.stop();
    const all = [...this.running.values()];
    const boundMs = this.stopBoundMs();
    const clock = this.deps.clock;
    // Forced a little before the bound, so the removal of the VIPs and the exit also fit in it.
    const force = clock.setTimer(clock.nowMs() + boundMs - stopMarginMs(boundMs), () => {
      this.deps.logger.log("warn", "stop bound reached: releasing the VIPs without waiting for a backup", { bound_ms: boundMs });
      this.stopNow();
    });
    for (const r of all) r.instance.dispatch({ type: "shutdown" });
    this.stopped = Promise.all(all.map((r) => r.instance.whenStopped())).then(async () => {
      clock.clearTimer(force);
      for (const r of all) r.tracker.close();
      this.monitors.stop();
      this.acceptFilter.remove();
      this.statics.stop();
      this.running.clear();
      this.reindex();
      this.deps.transport.close();
      // notify_stop and the queued notifications of each instance, in order, for a bounded time.
      if (this.notifier.pending() > 0) {
        let t: TimerHandle | null = null;
        await Promise.race([this.notifier.idle(), new Promise<void>((r) => (t = clock.setTimer(clock.nowMs() + NOTIFY_DRAIN_MS, r)))]);
        if (t) clock.clearTimer(t);
      }
      this.notifier.close();
    });
    return this.stopped;
  }

  /** Second SIGTERM, or the stop bound: every resigning master lets go of its VIPs now. */
  stopNow(): void {
    // A second shutdown event while resigning ends the hold at once (fsm.ts onShutdown).
    for (const r of this.running.values()) r.instance.dispatch({ type: "shutdown" });
  }

  /** min(3 × the longest advert interval, 10 s): the longest a stop may take, hold included. */
  stopBoundMs(): number {
    const longestMs = Math.max(0, ...[...this.running.values()].map((r) => advertIntervalMs(r.instance.cfg.advertIntervalCs)));
    return Math.min(3 * longestMs, STOP_BOUND_MAX_MS);
  }

  /** The last resort: priority 0 from every master, VIPs removed, journal written. Never throws. */
  emergencyStop(): void {
    this.stopping = true;
    this.pending.stop();
    for (const r of this.running.values()) {
      try {
        r.instance.emergencyStop();
      } catch {
        // Next instance: each VIP removed counts.
      }
    }
    try {
      this.acceptFilter.remove();
    } catch {
      // Never throws; the journal below keeps the record for the next start.
    }
    try {
      this.statics.stop();
    } catch {
      // Each netlink error is handled inside; the journal keeps what is left for the next start.
    }
    this.deps.journal.flush();
  }

  /**
   * SIGHUP: apply a new valid config as one transaction. Everything that can fail (interfaces,
   * sockets) is done first; on failure nothing running was touched. Then the swap, which cannot
   * fail: removed and re-created instances resign, updated ones change in place, new ones start
   * (after the old ones handed over, unless a stop began meanwhile).
   */
  async reload(next: VigilConfig): Promise<ReloadResult> {
    if (this.stopping) return { ok: false, cancelled: true, problems: ["stopping"] };
    const plan = planReload(this.config, next);
    // A VMAC cannot change under a running instance: one whose use_vmac changed starts afresh.
    const vmacChanged = plan.updated.filter((c) => {
      const old = this.running.get(c.name)?.instance.cfg;
      return old !== undefined && (old.useVmac !== c.useVmac || !!old.vmacXmitBase !== !!c.vmacXmitBase || old.vmacAddress !== c.vmacAddress);
    });
    if (vmacChanged.length > 0) {
      plan.updated = plan.updated.filter((c) => !vmacChanged.includes(c));
      plan.recreated = [...plan.recreated, ...vmacChanged];
    }
    const starting = [...plan.added, ...plan.recreated];
    const { links, waiting } = this.resolveAll(starting);
    const openedNow: [number, 4 | 6][] = [];
    try {
      for (const cfg of starting) {
        const link = links.get(cfg.name);
        if (!link || this.opened.has(`${link.ifindex}/${cfg.family}`)) continue;
        this.deps.transport.open(cfg.interface, link.ifindex, cfg.family);
        this.opened.set(`${link.ifindex}/${cfg.family}`, cfg.family);
        openedNow.push([link.ifindex, cfg.family]);
      }
    } catch (e) {
      for (const [ifindex, family] of openedNow) {
        this.deps.transport.release(ifindex, family);
        this.opened.delete(`${ifindex}/${family}`);
      }
      return this.reloadFailed([e instanceof Error ? e.message : String(e)]);
    }

    // Commit: nothing below throws on an expected error.
    this.deps.logger.log("info", "reload: applying", { removed: plan.removed.length, recreated: plan.recreated.length, added: plan.added.length });
    this.config = next;
    this.notifier.configure(notifySettings(next));
    this.syncGroups.configure(next.syncGroups);
    this.monitors.apply(next);
    this.acceptFilter.configure(next.instances);
    this.statics.replace(next.staticIps ?? [], next.staticRoutes ?? [], next.staticRules ?? []);
    await Promise.all([...plan.removed, ...plan.recreated.map((c) => c.name)].map((name) => this.retire(name, plan.removed.includes(name))));
    if (this.stopping) {
      this.deps.logger.log("warn", "reload cancelled by the stop: new instances not started");
      return this.reloadDone(false, true, ["cancelled by stop"]);
    }
    for (const cfg of plan.updated) this.updateInPlace(cfg);
    for (const cfg of starting) {
      const link = links.get(cfg.name);
      if (link) this.launch(cfg, link);
      else this.pending.wait(cfg, waiting.get(cfg.name)!);
    }
    this.releaseUnusedSockets();
    this.deps.logger.log("info", "configuration reloaded", {
      unchanged: plan.unchanged.length,
      updated: plan.updated.length,
      added: plan.added.length,
      removed: plan.removed.length,
      recreated: plan.recreated.length,
    });
    return this.reloadDone(true, false, []);
  }

  /** A new config that failed to load or prepare: keep running the old one and say so. */
  reloadFailed(problems: string[]): ReloadResult {
    for (const p of problems) this.deps.logger.log("error", `reload refused: ${p}`);
    return this.reloadDone(false, false, problems);
  }

  status(): DaemonStatus {
    const linkUp = (n: string) => this.deps.links.link(n)?.up ?? false;
    return {
      version: VERSION,
      routerId: this.config.global.routerId ?? null,
      startedAtWallMs: this.startedAtWallMs,
      configFile: this.config.source,
      lastReload: this.lastReload,
      instances: [
        ...[...this.running.values()].map((r) => ({ ...r.instance.status(), trackers: r.tracker.report(linkUp) })),
        ...this.pending.statuses(),
      ],
    };
  }

  instance(name: string): Instance | undefined {
    return this.running.get(name)?.instance;
  }

  private async retire(name: string, forgetMetrics: boolean): Promise<void> {
    if (this.pending.delete(name)) return;
    const r = this.running.get(name);
    if (!r) return;
    r.instance.dispatch({ type: "shutdown" });
    await r.instance.whenStopped();
    r.tracker.close();
    if (this.running.get(name) === r) this.running.delete(name);
    this.reindex();
    if (forgetMetrics) this.deps.metrics.forget(r.instance.labels);
  }

  private reindex(): void {
    const index = new Map<string, Instance[]>();
    for (const { instance } of this.running.values()) {
      const k = `${instance.ifindex}/${instance.cfg.family}`;
      index.set(k, [...(index.get(k) ?? []), instance]);
    }
    this.byLink = index;
  }

  /** After a reload: close the sockets of interfaces/families no instance uses any more. */
  private releaseUnusedSockets(): void {
    const used = new Set([...this.running.values()].flatMap((r) => [r.instance.ifindex, r.instance.txIfindex].map((i) => `${i}/${r.instance.cfg.family}`)));
    for (const [key, family] of this.opened) {
      if (used.has(key)) continue;
      this.deps.transport.release(Number(key.split("/")[0]), family);
      this.opened.delete(key);
    }
  }

  private reloadDone(ok: boolean, cancelled: boolean, problems: string[]): ReloadResult {
    const at = this.deps.clock.wallMs();
    this.lastReload = { atWallMs: at, ok, errors: problems };
    this.deps.metrics.reload(ok, at);
    return { ok, cancelled, problems };
  }

  private launch(cfg: InstanceConfig, link: InstanceLink): void {
    let vmac: VmacLink | undefined;
    if (cfg.useVmac) {
      const v = this.vmacs.acquire(cfg, { name: cfg.interface, index: link.ifindex });
      // No VMAC, no VIP that clients can reach the same way: Fault, so the backup holds it; retried.
      if (typeof v === "string") return this.pending.wait(cfg, `vmac: ${v}`);
      vmac = v;
      const xmitBase = !!cfg.vmacXmitBase;
      link = { ...link, vmac: { name: v.name, ifindex: v.ifindex, mac: v.mac, xmitBase }, release: () => this.vmacs.release(v) };
    }
    const vips = new VipSet(
      cfg.name,
      vmac?.name ?? cfg.interface,
      [...cfg.virtualIps, ...cfg.excludedVips],
      cfg.virtualRoutes,
      this.deps,
      cfg.virtualRules ?? [],
    );
    vips.cleanupStale();
    try {
      this.deps.transport.open(cfg.interface, link.ifindex, cfg.family);
      if (link.vmac && !link.vmac.xmitBase) this.deps.transport.open(link.vmac.name, link.vmac.ifindex, cfg.family);
    } catch (e) {
      // The interface vanished between look-up and open: wait for it like at start.
      if (vmac) this.vmacs.release(vmac);
      this.pending.wait(cfg, `socket: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.opened.set(`${link.ifindex}/${cfg.family}`, cfg.family);
    if (link.vmac && !link.vmac.xmitBase) this.opened.set(`${link.vmac.ifindex}/${cfg.family}`, cfg.family);
    this.ifnames.set(link.ifindex, cfg.interface);
    const instance = new Instance(cfg, link, vips, this.deps);
    instance.onTransitionHook = (i, from, to, reason) => this.syncGroups.onTransition(i, from, to, reason);
    const tracker = new InstanceTracker(cfg, this.monitors, this.deps.links, (ev) => this.tracked(instance, ev));
    this.running.set(cfg.name, { instance, tracker });
    this.reindex();
    // Faults and tracked priority first: an instance whose link is down at start goes straight to
    // Fault instead of claiming the VIP for an instant.
    tracker.evaluate();
    instance.dispatch({ type: "startup" });
  }

  /** A tracker's event; a priority it moved is told to the notify FIFOs (notify_priority_changes). */
  private tracked(instance: Instance, ev: FsmEvent): void {
    const before = instance.state.priority;
    instance.dispatch(ev);
    const after = instance.state.priority;
    const cfg = instance.cfg;
    if (after !== before && (cfg.notifyPriorityChanges ?? this.config.global.notifyPriorityChanges)) {
      this.notifier.priorityChanged(cfg.name, instance.state.state, after);
    }
  }

  private updateInPlace(cfg: InstanceConfig): void {
    const p = this.pending.get(cfg.name);
    if (p) {
      p.cfg = cfg;
      return;
    }
    const r = this.running.get(cfg.name);
    if (!r) return;
    r.tracker.close();
    const tracker = new InstanceTracker(cfg, this.monitors, this.deps.links, (ev) => this.tracked(r.instance, ev));
    const linkUp = (n: string) => this.deps.links.link(n)?.up ?? false;
    r.instance.reconfigure(cfg, tracker.snapshot(linkUp).priority);
    r.tracker = tracker;
    tracker.evaluate();
  }

  private onLink(link: LinkInfo): void {
    if (this.stopping) return;
    // A VMAC deleted under its instance is made again in place; if it cannot be, the instance restarts.
    for (const i of restoreDeletedVmac(link, [...this.running.values()].map((r) => r.instance), this.vmacs, this.deps)) this.relaunch(i.cfg.name, true);
    for (const [name, r] of [...this.running]) {
      if (r.instance.cfg.interface === link.name && link.index !== r.instance.ifindex) this.relaunch(name);
      else if (r.tracker.watches(link.name)) r.tracker.evaluate();
    }
    if (this.pending.waitsFor(link.name)) this.pending.retry();
  }

  /**
   * The interface was deleted and created again (a VLAN, bond or bridge rebuilt): it has a new
   * ifindex, so the old socket and multicast membership are dead. Start the instance afresh on
   * it — else it would send into the void while its peers elect a second master. The new
   * interface may get its address a moment after it appears: it waits in Fault until then.
   */
  private relaunch(name: string, force = false): void {
    const r = this.running.get(name);
    if (!r || this.stopping) return;
    const link = resolveLink(r.instance.cfg, this.deps.links.link(r.instance.cfg.interface));
    if (!force && typeof link !== "string" && link.ifindex === r.instance.ifindex) return;
    this.deps.logger.log("warn", "interface re-created: restarting the instance on it", {
      instance: name,
      interface: r.instance.cfg.interface,
      ifindex: typeof link === "string" ? null : link.ifindex,
    });
    r.tracker.close();
    r.instance.abort();
    this.running.delete(name);
    this.reindex();
    if (typeof link === "string") this.pending.wait(r.instance.cfg, link);
    else this.launch(r.instance.cfg, link);
    this.releaseUnusedSockets();
  }

  private resolveAll(cfgs: InstanceConfig[]): { links: Map<string, InstanceLink>; waiting: Map<string, string> } {
    const links = new Map<string, InstanceLink>();
    const waiting = new Map<string, string>();
    for (const cfg of cfgs) {
      const r = resolveInstance(cfg, this.deps.links);
      if (typeof r === "string") waiting.set(cfg.name, r);
      else links.set(cfg.name, r);
    }
    return { links, waiting };
  }
}
