// The daemon: owns every instance, the shared sockets, tracking and reload. Pure wiring over ports,
// so the whole thing runs against fakes in tests and against the Linux ports (src/os/linux) in `vigil run`.
import type { InstanceConfig, VigilConfig } from "../config/schema.ts";
import { VERSION } from "../version.ts";
import { Instance, type InstanceDeps, type InstanceLink } from "./instance.ts";
import type { AddressJournal } from "./journal.ts";
import type { AddressManager, DaemonStatus, LinkInfo, LinkWatcher, StatusSource } from "./ports.ts";
import { LinkCache } from "./link-cache.ts";
import { Receiver } from "./receive.ts";
import { SyncGroups } from "./sync-groups.ts";
import { planReload } from "./reload.ts";
import { FileMonitor } from "./track-file.ts";
import { InstanceTracker, ScriptMonitor } from "./tracking.ts";
import { VipSet } from "./vips.ts";

export interface DaemonDeps extends InstanceDeps {
  addresses: AddressManager;
  links: LinkWatcher;
  journal: AddressJournal;
}

const RELAUNCH_RETRY_MS = 1000;

/** A problem found before touching the network: nothing has been changed when this is thrown. */
export class StartupError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

interface Running {
  instance: Instance;
  tracker: InstanceTracker;
}

export class Daemon implements StatusSource {
  private readonly running = new Map<string, Running>();
  private readonly monitors = new Map<string, ScriptMonitor>();
  private readonly files = new Map<string, FileMonitor>();
  private readonly receiver: Receiver;
  private readonly syncGroups: SyncGroups;
  private readonly ifnames = new Map<number, string>();
  private readonly relaunching = new Set<string>();
  /** Running instances by "ifindex/family", for the receive path. */
  private byLink = new Map<string, Instance[]>();
  /** Sockets opened, by "ifindex/family". */
  private readonly opened = new Map<string, 4 | 6>();
  private readonly startedAtWallMs: number;
  private lastReload: DaemonStatus["lastReload"] = null;
  private stopping = false;

  private readonly deps: DaemonDeps;

  constructor(
    private config: VigilConfig,
    deps: DaemonDeps,
  ) {
    this.deps = { ...deps, links: new LinkCache(deps.links) };
    this.startedAtWallMs = deps.clock.wallMs();
    this.receiver = new Receiver(
      (ifindex, family) => this.byLink.get(`${ifindex}/${family}`) ?? [],
      deps.metrics,
      deps.logger,
      (i) => this.ifnames.get(i) ?? String(i),
    );
    this.syncGroups = new SyncGroups((name) => this.running.get(name)?.instance, deps.runner);
    this.syncGroups.configure(config.syncGroups);
    deps.transport.onReceive((d) => this.receiver.handle(d));
    this.deps.links.onChange((link) => this.onLink(link));
  }

  /** Resolve every instance's link first (all problems at once), then start them. */
  start(): void {
    const links = this.resolveAll(this.config.instances);
    // Open every socket before changing any address: a missing privilege fails here, untouched.
    for (const cfg of this.config.instances) this.deps.transport.open(cfg.interface, links.get(cfg.name)!.ifindex, cfg.family);
    this.startScripts(this.config);
    for (const cfg of this.config.instances) this.launch(cfg, links.get(cfg.name)!);
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const all = [...this.running.values()];
    for (const r of all) r.instance.dispatch({ type: "shutdown" });
    await Promise.all(all.map((r) => r.instance.whenStopped()));
    for (const r of all) r.tracker.close();
    for (const m of this.monitors.values()) m.stop();
    for (const f of this.files.values()) f.stop();
    this.running.clear();
    this.reindex();
    this.deps.transport.close();
  }

  /** SIGHUP: apply a new valid config without disturbing unchanged instances. */
  async reload(next: VigilConfig): Promise<void> {
    const plan = planReload(this.config, next);
    try {
      const links = this.resolveAll([...plan.added, ...plan.recreated]);
      this.config = next;
      this.syncGroups.configure(next.syncGroups);
      this.restartScripts(next);
      await Promise.all(
        [...plan.removed, ...plan.recreated.map((c) => c.name)].map(async (name) => {
          const r = this.running.get(name);
          if (!r) return;
          r.instance.dispatch({ type: "shutdown" });
          await r.instance.whenStopped();
          r.tracker.close();
          this.running.delete(name);
          this.reindex();
          if (plan.removed.includes(name)) this.deps.metrics.forget(r.instance.labels);
        }),
      );
      for (const cfg of plan.updated) this.updateInPlace(cfg);
      for (const cfg of [...plan.recreated, ...plan.added]) this.launch(cfg, links.get(cfg.name)!);
      this.releaseUnusedSockets();
      this.reloadDone(true, []);
      this.deps.logger.log("info", "configuration reloaded", {
        unchanged: plan.unchanged.length,
        updated: plan.updated.length,
        added: plan.added.length,
        removed: plan.removed.length,
        recreated: plan.recreated.length,
      });
    } catch (e) {
      const problems = e instanceof StartupError ? e.problems : [String(e)];
      this.reloadFailed(problems);
    }
  }

  /** A new config that failed to load: keep running the old one and say so. */
  reloadFailed(problems: string[]): void {
    for (const p of problems) this.deps.logger.log("error", `reload refused: ${p}`);
    this.reloadDone(false, problems);
  }

  status(): DaemonStatus {
    return {
      version: VERSION,
      routerId: this.config.global.routerId ?? null,
      startedAtWallMs: this.startedAtWallMs,
      configFile: this.config.source,
      lastReload: this.lastReload,
      instances: [...this.running.values()].map((r) => r.instance.status()),
    };
  }

  instance(name: string): Instance | undefined {
    return this.running.get(name)?.instance;
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
    const used = new Set([...this.running.values()].map((r) => `${r.instance.ifindex}/${r.instance.cfg.family}`));
    for (const [key, family] of this.opened) {
      if (used.has(key)) continue;
      this.deps.transport.release(Number(key.split("/")[0]), family);
      this.opened.delete(key);
    }
  }

  private reloadDone(ok: boolean, errors: string[]): void {
    const at = this.deps.clock.wallMs();
    this.lastReload = { atWallMs: at, ok, errors };
    this.deps.metrics.reload(ok, at);
  }

  private launch(cfg: InstanceConfig, link: InstanceLink): void {
    const vips = new VipSet(cfg.name, cfg.interface, [...cfg.virtualIps, ...cfg.excludedVips], cfg.virtualRoutes, this.deps);
    vips.cleanupStale();
    this.deps.transport.open(cfg.interface, link.ifindex, cfg.family);
    this.opened.set(`${link.ifindex}/${cfg.family}`, cfg.family);
    this.ifnames.set(link.ifindex, cfg.interface);
    const instance = new Instance(cfg, link, vips, this.deps);
    instance.onTransitionHook = (i, from, to, reason) => this.syncGroups.onTransition(i, from, to, reason);
    const tracker = new InstanceTracker(cfg, this.monitors, this.files, this.deps.links, (ev) => instance.dispatch(ev));
    this.running.set(cfg.name, { instance, tracker });
    this.reindex();
    // Faults and tracked priority first: an instance whose link is down at start goes straight to
    // Fault instead of claiming the VIP for an instant.
    tracker.evaluate();
    instance.dispatch({ type: "startup" });
  }

  private updateInPlace(cfg: InstanceConfig): void {
    const r = this.running.get(cfg.name);
    if (!r) return;
    r.tracker.close();
    const tracker = new InstanceTracker(cfg, this.monitors, this.files, this.deps.links, (ev) => r.instance.dispatch(ev));
    const linkUp = (n: string) => this.deps.links.link(n)?.up ?? false;
    r.instance.reconfigure(cfg, tracker.snapshot(linkUp).priority);
    r.tracker = tracker;
    tracker.evaluate();
  }

  private onLink(link: LinkInfo): void {
    for (const [name, r] of [...this.running]) {
      if (r.instance.cfg.interface === link.name && link.index !== r.instance.ifindex) this.relaunch(name);
      else if (r.tracker.watches(link.name)) r.tracker.evaluate();
    }
  }

  /**
   * The interface was deleted and created again (a VLAN, bond or bridge rebuilt): it has a new
   * ifindex, so the old socket and multicast membership are dead. Start the instance afresh on
   * it — else it would send into the void while its peers elect a second master. The new
   * interface may get its address a moment after it appears: retry until it has one.
   */
  private relaunch(name: string): void {
    const r = this.running.get(name);
    if (!r || this.stopping || this.relaunching.has(name)) return;
    const link = resolveLink(r.instance.cfg, this.deps.links.link(r.instance.cfg.interface));
    if (typeof link === "string") {
      this.relaunching.add(name);
      this.deps.clock.setTimer(this.deps.clock.nowMs() + RELAUNCH_RETRY_MS, () => {
        this.relaunching.delete(name);
        this.relaunch(name);
      });
      return;
    }
    if (link.ifindex === r.instance.ifindex) return;
    this.deps.logger.log("warn", "interface re-created: restarting the instance on it", {
      instance: name,
      interface: r.instance.cfg.interface,
      ifindex: link.ifindex,
    });
    r.tracker.close();
    r.instance.abort();
    this.running.delete(name);
    this.reindex();
    this.launch(r.instance.cfg, link);
    this.releaseUnusedSockets();
  }

  private startScripts(cfg: VigilConfig): void {
    this.startFiles(cfg);
    for (const s of cfg.scripts) {
      const m = new ScriptMonitor(s, this.deps.clock, this.deps.runner, this.deps.logger);
      this.monitors.set(s.name, m);
      m.start();
    }
  }

  /** Track files whose definition is unchanged keep their monitor (trackers stay subscribed). */
  private startFiles(cfg: VigilConfig): void {
    const wanted = new Map(cfg.trackFiles.map((t) => [t.name, t]));
    for (const [name, f] of this.files) {
      const t = wanted.get(name);
      if (!t || t.file !== f.cfg.file || t.weight !== f.cfg.weight) {
        f.stop();
        this.files.delete(name);
      }
    }
    for (const t of cfg.trackFiles) {
      if (this.files.has(t.name)) continue;
      const f = new FileMonitor(t, this.deps.clock, this.deps.logger);
      this.files.set(t.name, f);
      f.start();
    }
  }

  /** Scripts whose definition changed restart; unchanged ones keep their state (no flap). */
  private restartScripts(next: VigilConfig): void {
    this.startFiles(next);
    const wanted = new Map(next.scripts.map((s) => [s.name, s]));
    for (const [name, m] of this.monitors) {
      const s = wanted.get(name);
      if (!s || JSON.stringify({ ...s, pos: null }) !== JSON.stringify({ ...m.cfg, pos: null })) {
        m.stop();
        this.monitors.delete(name);
      }
    }
    for (const s of next.scripts) {
      if (this.monitors.has(s.name)) continue;
      const m = new ScriptMonitor(s, this.deps.clock, this.deps.runner, this.deps.logger);
      this.monitors.set(s.name, m);
      m.start();
    }
  }

  private resolveAll(cfgs: InstanceConfig[]): Map<string, InstanceLink> {
    const problems: string[] = [];
    const out = new Map<string, InstanceLink>();
    for (const cfg of cfgs) {
      const r = resolveLink(cfg, this.deps.links.link(cfg.interface));
      if (typeof r === "string") problems.push(`${cfg.pos.file}:${cfg.pos.line}:${cfg.pos.col}: instance ${cfg.name}: ${r}`);
      else out.set(cfg.name, r);
      for (const v of [...cfg.virtualIps, ...cfg.excludedVips]) {
        if (v.dev && !this.deps.links.link(v.dev)) problems.push(`${v.pos.file}:${v.pos.line}:${v.pos.col}: interface ${v.dev} not found`);
      }
    }
    if (problems.length > 0) throw new StartupError(problems);
    return out;
  }
}

/** The address adverts go out from: unicast_src_ip, else the first IPv4 / the IPv6 link-local. */
export function resolveLink(cfg: InstanceConfig, link: LinkInfo | undefined): InstanceLink | string {
  if (!link) return `interface ${cfg.interface} not found`;
  const vipSet = new Set(cfg.virtualIps.map((v) => v.address));
  let src = cfg.unicastSrcIp ?? cfg.mcastSrcIp;
  if (src === undefined) {
    const ofFamily = link.addresses.filter((a) => a.family === cfg.family);
    // An address owner (255) sends from its own address, which is also its VIP (RFC 5798 §1).
    const candidates = cfg.priority === 255 ? ofFamily : ofFamily.filter((a) => !vipSet.has(a.address));
    const pick = cfg.family === 4 ? candidates[0] : candidates.find((a) => a.address.startsWith("fe80:"));
    if (!pick) {
      return cfg.family === 4
        ? `interface ${cfg.interface} has no IPv4 address to send adverts from`
        : `interface ${cfg.interface} has no IPv6 link-local address to send adverts from`;
    }
    src = pick.address;
  }
  return { ifindex: link.index, mac: link.mac, srcAddress: src };
}
