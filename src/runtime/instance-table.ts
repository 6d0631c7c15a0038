// The running instances of the daemon and what they share: the receive index ("ifindex/family" →
// instances, so a received advert finds its instances without a scan), the sockets opened per
// interface and family, and the interface names for log lines. Launching, relaunching, retiring
// and updating an instance in place all happen here, so the index and the sockets always follow
// the table.
//
// Fail-safe rules (ARCHITECTURE.md, "What vigil guarantees"):
// - an instance that cannot get its VMAC or socket waits in Fault (PendingInstances) instead of
//   failing the daemon;
// - an interface re-created under an instance (a new ifindex: its socket and multicast membership
//   are dead) restarts the instance on the new one, else it would send into the void while its
//   peers elect a second master.
import type { InstanceConfig } from "../config/schema.ts";
import type { FsmEvent } from "../protocol/types.ts";
import type { ErrorCounts } from "./error-counts.ts";
import { Instance, type InstanceDeps, type InstanceLink } from "./instance.ts";
import type { AddressJournal } from "./journal.ts";
import type { Monitors } from "./monitors.ts";
import type { Notifier } from "./notify.ts";
import type { PendingInstances } from "./pending.ts";
import type { AddressManager, LinkWatcher } from "./ports.ts";
import { resolveInstance, resolveLink } from "./resolve-link.ts";
import type { SyncGroups } from "./sync-groups.ts";
import { InstanceTracker } from "./tracking.ts";
import { VipSet } from "./vips.ts";
import type { VmacLink, VmacManager } from "./vmac.ts";

/** What the table needs from the daemon: its ports (clock guarded, links cached) and its parts. */
export interface TableDeps extends InstanceDeps {
  addresses: AddressManager;
  links: LinkWatcher;
  journal: AddressJournal;
  errors: ErrorCounts;
}

export interface TableParts {
  vmacs: VmacManager;
  monitors: Monitors;
  notifier: Notifier;
  syncGroups: SyncGroups;
  /** Global notify_priority_changes of the current config (it changes with a reload). */
  notifyPriorityChanges: () => boolean;
  /** True once a stop began: nothing is relaunched any more. */
  stopping: () => boolean;
}

export interface Running {
  instance: Instance;
  tracker: InstanceTracker;
}

export class InstanceTable {
  private readonly running = new Map<string, Running>();
  /** Running instances by "ifindex/family", for the receive path. */
  private byLink = new Map<string, Instance[]>();
  /** Sockets opened, by "ifindex/family". */
  private readonly opened = new Map<string, 4 | 6>();
  private readonly ifnames = new Map<number, string>();
  /** Set once, right after construction (the pending set launches through this table). */
  pending!: PendingInstances;

  constructor(
    private readonly deps: TableDeps,
    private readonly parts: TableParts,
  ) {}

  get(name: string): Running | undefined {
    return this.running.get(name);
  }

  all(): Running[] {
    return [...this.running.values()];
  }

  entries(): [string, Running][] {
    return [...this.running];
  }

  /** The instances on an interface and family (the receive path). */
  onLink(ifindex: number, family: 4 | 6): Instance[] {
    return this.byLink.get(`${ifindex}/${family}`) ?? [];
  }

  ifname(ifindex: number): string {
    return this.ifnames.get(ifindex) ?? String(ifindex);
  }

  /** The stop: every instance stopped (their trackers closed by the daemon); forget them. */
  clear(): void {
    this.running.clear();
    this.reindex();
  }

  /** Resolve each instance's link; a missing interface (or address) is a reason to wait. */
  resolveAll(cfgs: InstanceConfig[]): { links: Map<string, InstanceLink>; waiting: Map<string, string> } {
    const links = new Map<string, InstanceLink>();
    const waiting = new Map<string, string>();
    for (const cfg of cfgs) {
      const r = resolveInstance(cfg, this.deps.links);
      if (typeof r === "string") waiting.set(cfg.name, r);
      else links.set(cfg.name, r);
    }
    return { links, waiting };
  }

  /**
   * A reload's prepare step: open the sockets the new instances need, before any running instance
   * is touched. On a failure, what was opened here is released again and the error rethrown.
   */
  openFor(cfgs: InstanceConfig[], links: Map<string, InstanceLink>): void {
    const openedNow: [number, 4 | 6][] = [];
    try {
      for (const cfg of cfgs) {
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
      throw e;
    }
  }

  /** Launch the instances whose link resolved; the others wait in Fault with their reason. */
  launchAll(cfgs: InstanceConfig[], links: Map<string, InstanceLink>, waiting: Map<string, string>): void {
    for (const cfg of cfgs) {
      const link = links.get(cfg.name);
      if (link) this.launch(cfg, link);
      else this.pending.wait(cfg, waiting.get(cfg.name)!);
    }
  }

  launch(cfg: InstanceConfig, link: InstanceLink): void {
    const { vmacs } = this.parts;
    let vmac: VmacLink | undefined;
    if (cfg.useVmac) {
      const v = vmacs.acquire(cfg, { name: cfg.interface, index: link.ifindex });
      // No VMAC, no VIP that clients can reach the same way: Fault, so the backup holds it; retried.
      if (typeof v === "string") return this.pending.wait(cfg, `vmac: ${v}`);
      vmac = v;
      const xmitBase = !!cfg.vmacXmitBase;
      link = { ...link, vmac: { name: v.name, ifindex: v.ifindex, mac: v.mac, xmitBase }, release: () => vmacs.release(v) };
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
      if (vmac) vmacs.release(vmac);
      this.pending.wait(cfg, `socket: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.opened.set(`${link.ifindex}/${cfg.family}`, cfg.family);
    if (link.vmac && !link.vmac.xmitBase) this.opened.set(`${link.vmac.ifindex}/${cfg.family}`, cfg.family);
    this.ifnames.set(link.ifindex, cfg.interface);
    const instance = new Instance(cfg, link, vips, this.deps);
    instance.onTransitionHook = (i, from, to, reason) => this.parts.syncGroups.onTransition(i, from, to, reason);
    const tracker = new InstanceTracker(cfg, this.parts.monitors, this.deps.links, (ev) => this.tracked(instance, ev), instance.vmacName);
    this.running.set(cfg.name, { instance, tracker });
    this.reindex();
    // Faults and tracked priority first: an instance whose link is down at start goes straight to
    // Fault instead of claiming the VIP for an instant.
    tracker.evaluate();
    instance.dispatch({ type: "startup" });
  }

  /**
   * The interface was deleted and created again (a VLAN, bond or bridge rebuilt): it has a new
   * ifindex, so the old socket and multicast membership are dead. Start the instance afresh on
   * it. The new interface may get its address a moment after it appears: it waits in Fault until
   * then. `force`: restart even on the same ifindex (a VMAC that could not be made again).
   */
  relaunch(name: string, force = false): void {
    const r = this.running.get(name);
    if (!r || this.parts.stopping()) return;
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

  /** Stop an instance (a master resigns with priority 0) and forget it once it stopped. */
  async retire(name: string, forgetMetrics: boolean): Promise<void> {
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

  /** A reload changed only what an instance can take in place: no transition, new trackers. */
  updateInPlace(cfg: InstanceConfig): void {
    const p = this.pending.get(cfg.name);
    if (p) {
      p.cfg = cfg;
      return;
    }
    const r = this.running.get(cfg.name);
    if (!r) return;
    r.tracker.close();
    const tracker = new InstanceTracker(cfg, this.parts.monitors, this.deps.links, (ev) => this.tracked(r.instance, ev), r.instance.vmacName);
    const linkUp = (n: string) => this.deps.links.link(n)?.up ?? false;
    r.instance.reconfigure(cfg, tracker.snapshot(linkUp).priority);
    r.tracker = tracker;
    tracker.evaluate();
  }

  /** Close the sockets of interfaces/families no instance uses any more. */
  releaseUnusedSockets(): void {
    const used = new Set([...this.running.values()].flatMap((r) => [r.instance.ifindex, r.instance.txIfindex].map((i) => `${i}/${r.instance.cfg.family}`)));
    for (const [key, family] of this.opened) {
      if (used.has(key)) continue;
      this.deps.transport.release(Number(key.split("/")[0]), family);
      this.opened.delete(key);
    }
  }

  /** A tracker's event; a priority it moved is told to the notify FIFOs (notify_priority_changes). */
  private tracked(instance: Instance, ev: FsmEvent): void {
    const before = instance.state.priority;
    instance.dispatch(ev);
    const after = instance.state.priority;
    if (after !== before && (instance.cfg.notifyPriorityChanges ?? this.parts.notifyPriorityChanges())) {
      this.parts.notifier.priorityChanged(instance.cfg.name, instance.state.state, after);
    }
  }

  private reindex(): void {
    const index = new Map<string, Instance[]>();
    for (const { instance } of this.running.values()) {
      // A VMAC that sends receives too: in private mode the kernel hands a peer's advert whose
      // source MAC is our VMAC's (both routers use 00:00:5e:00:01:VRID) to the VMAC, not to the
      // base; without this a backup never hears its master and both end up master.
      for (const ifindex of new Set([instance.ifindex, instance.txIfindex])) {
        const k = `${ifindex}/${instance.cfg.family}`;
        index.set(k, [...(index.get(k) ?? []), instance]);
      }
    }
    this.byLink = index;
  }
}
