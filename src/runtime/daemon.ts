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
import type { VigilConfig } from "../config/schema.ts";
import { advertIntervalMs } from "../protocol/timers.ts";
import { VERSION } from "../version.ts";
import { ErrorCounts } from "./error-counts.ts";
import type { Instance, InstanceDeps } from "./instance.ts";
import { InstanceTable } from "./instance-table.ts";
import type { AddressJournal } from "./journal.ts";
import { type EmergencyStoppable, type FatalHandler, guardClock, guarded } from "./last-resort.ts";
import { LinkCache } from "./link-cache.ts";
import { handleLinkEvent } from "./link-events.ts";
import { Monitors } from "./monitors.ts";
import { Notifier, notifySettings } from "./notify.ts";
import { PendingInstances } from "./pending.ts";
import type { AddressManager, DaemonStatus, LinkWatcher, ProcessEvents, StatusSource, TimerHandle } from "./ports.ts";
import { Receiver } from "./receive.ts";
import { applyReload } from "./reload-apply.ts";
import { SyncGroups } from "./sync-groups.ts";
import { StaticSet } from "./static.ts";
import { VmacManager, type VmacOs } from "./vmac.ts";
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
  /** The kernel's process events for vrrp_track_process (absent: the trackers scan /proc). */
  processEvents?: ProcessEvents;
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

export class Daemon implements StatusSource, EmergencyStoppable {
  /** The running instances, their receive index and sockets (instance-table.ts). */
  private readonly table: InstanceTable;
  /** Instances waiting for their interface (or its address): Fault until they can run. */
  private readonly pending: PendingInstances;
  private readonly monitors: Monitors;
  /** Every script of the daemon goes through it: users, enable_script_security, notify order, FIFOs. */
  readonly notifier: Notifier;
  private readonly receiver: Receiver;
  private readonly syncGroups: SyncGroups;
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
    this.monitors = new Monitors(this.deps.clock, this.notifier, deps.logger, {
      policy: this.notifier.policy,
      ...(deps.processEvents ? { processEvents: deps.processEvents } : {}),
    });
    this.syncGroups = new SyncGroups((name) => this.table.get(name)?.instance, this.notifier);
    this.table = new InstanceTable(this.deps, {
      vmacs: this.vmacs,
      monitors: this.monitors,
      notifier: this.notifier,
      syncGroups: this.syncGroups,
      notifyPriorityChanges: () => !!this.config.global.notifyPriorityChanges,
      stopping: () => this.stopping,
    });
    this.pending = new PendingInstances(this.deps, (cfg, link) => this.table.launch(cfg, link), () => this.table.releaseUnusedSockets());
    this.table.pending = this.pending;
    const table = this.table;
    this.receiver = new Receiver((ifindex, family) => table.onLink(ifindex, family), deps.metrics, deps.logger, (i) => table.ifname(i));
    this.syncGroups.configure(config.syncGroups);
    deps.transport.onReceive(guarded("receive", onFatal, (d) => this.receiver.handle(d)));
    this.deps.links.onChange(guarded("link event", onFatal, (link) => {
      if (!this.stopping) handleLinkEvent(link, this.table, this.pending, this.vmacs, this.deps);
    }));
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
    const { links, waiting } = this.table.resolveAll(this.config.instances);
    for (const cfg of this.config.instances) {
      const link = links.get(cfg.name);
      if (link) this.deps.transport.open(cfg.interface, link.ifindex, cfg.family);
    }
    this.monitors.apply(this.config);
    this.acceptFilter.configure(this.config.instances);
    this.table.launchAll(this.config.instances, links, waiting);
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
    const all = this.table.all();
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
      this.table.clear();
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
    for (const r of this.table.all()) r.instance.dispatch({ type: "shutdown" });
  }

  /** min(3 × the longest advert interval, 10 s): the longest a stop may take, hold included. */
  stopBoundMs(): number {
    const longestMs = Math.max(0, ...this.table.all().map((r) => advertIntervalMs(r.instance.cfg.advertIntervalCs)));
    return Math.min(3 * longestMs, STOP_BOUND_MAX_MS);
  }

  /** The last resort: priority 0 from every master, VIPs removed, journal written. Never throws. */
  emergencyStop(): void {
    this.stopping = true;
    this.pending.stop();
    for (const r of this.table.all()) {
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
    this.settle();
    const outcome = await applyReload(
      {
        table: this.table,
        logger: this.deps.logger,
        stopping: () => this.stopping,
        commitConfig: (cfg) => {
          this.config = cfg;
          this.notifier.configure(notifySettings(cfg));
          this.syncGroups.configure(cfg.syncGroups);
          this.monitors.apply(cfg);
          this.acceptFilter.configure(cfg.instances);
          this.statics.replace(cfg.staticIps ?? [], cfg.staticRoutes ?? [], cfg.staticRules ?? []);
        },
      },
      this.config,
      next,
    );
    if (outcome.refused) return this.reloadFailed(outcome.refused);
    return outcome.cancelled ? this.reloadDone(false, true, ["cancelled by stop"]) : this.reloadDone(true, false, []);
  }

  /** A new config that failed to load or prepare: keep running the old one and say so. */
  reloadFailed(problems: string[]): ReloadResult {
    for (const p of problems) this.deps.logger.log("error", `reload refused: ${p}`);
    return this.reloadDone(false, false, problems);
  }

  /** What the io thread did so far reaches the instances (it reports in batches): before a read, a reload. */
  settle(): void {
    this.deps.transport.settle?.();
  }

  status(): DaemonStatus {
    this.settle();
    const linkUp = (n: string) => this.deps.links.link(n)?.up ?? false;
    return {
      version: VERSION,
      routerId: this.config.global.routerId ?? null,
      startedAtWallMs: this.startedAtWallMs,
      configFile: this.config.source,
      lastReload: this.lastReload,
      instances: [
        ...this.table.all().map((r) => ({ ...r.instance.status(), trackers: r.tracker.report(linkUp) })),
        ...this.pending.statuses(),
      ],
    };
  }

  instance(name: string): Instance | undefined {
    return this.table.get(name)?.instance;
  }

  private reloadDone(ok: boolean, cancelled: boolean, problems: string[]): ReloadResult {
    const at = this.deps.clock.wallMs();
    this.lastReload = { atWallMs: at, ok, errors: problems };
    this.deps.metrics.reload(ok, at);
    return { ok, cancelled, problems };
  }
}
