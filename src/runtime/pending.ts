// How an instance that cannot run yet (its interface is missing, or has no address to send from)
// shows in /status, `vigil status` and /health: in Fault, with the reason, so a load balancer and
// an operator see it exactly like any other fault; and the set of such instances, retried until
// they can start (keepalived's dynamic interfaces).
import type { InstanceConfig } from "../config/schema.ts";
import type { InstanceLink } from "./instance.ts";
import type { Clock, InstanceStatus, LinkWatcher, Logger, MetricsSink, TimerHandle } from "./ports.ts";
import { cidrText, configStatus } from "./instance-setup.ts";
import { resolveInstance } from "./resolve-link.ts";

export const INTERFACE_MISSING = "interface-missing";

export function pendingStatus(cfg: InstanceConfig, reason: string, sinceWallMs: number): InstanceStatus {
  return {
    ...configStatus(cfg),
    state: "fault",
    effectivePriority: cfg.priority,
    masterAddress: null,
    masterAdvertIntervalCs: cfg.advertIntervalCs,
    virtualIps: cfg.virtualIps.map(cidrText),
    advertsSent: 0,
    advertsReceived: 0,
    lastTransition: { atWallMs: sinceWallMs, from: "init", to: "fault", reason: "interface-missing" },
    faults: [`${INTERFACE_MISSING}: ${reason}`],
  };
}

/** Pending instances (interface missing, no address yet, re-created interface) retry this often. */
export const PENDING_RETRY_MS = 1000;

interface Waiting {
  cfg: InstanceConfig;
  reason: string;
  sinceWallMs: number;
}

export interface PendingDeps {
  clock: Clock;
  links: LinkWatcher;
  metrics: MetricsSink;
  logger: Logger;
}

/**
 * Instances that cannot run yet. Each shows in Fault (`interface-missing: …`), is retried every
 * second and on link events, and is launched as soon as its interface (and address) is there.
 */
export class PendingInstances {
  private readonly waiting = new Map<string, Waiting>();
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly deps: PendingDeps,
    /** Starts an instance whose link resolved; the daemon then tidies its sockets. */
    private readonly launch: (cfg: InstanceConfig, link: InstanceLink) => void,
    private readonly afterRetry: () => void,
  ) {}

  /** The instance cannot run yet: Fault until it can. */
  wait(cfg: InstanceConfig, reason: string): void {
    if (this.stopped) return;
    const first = !this.waiting.has(cfg.name);
    this.waiting.set(cfg.name, { cfg, reason, sinceWallMs: this.waiting.get(cfg.name)?.sinceWallMs ?? this.deps.clock.wallMs() });
    this.deps.metrics.state({ instance: cfg.name, interface: cfg.interface, vrid: String(cfg.vrid) }, "fault");
    if (first) this.deps.logger.log("warn", `${cfg.name}: waiting in Fault: ${reason}`, { instance: cfg.name, reason: INTERFACE_MISSING });
    this.schedule();
  }

  get(name: string): Waiting | undefined {
    return this.waiting.get(name);
  }

  delete(name: string): boolean {
    return this.waiting.delete(name);
  }

  waitsFor(ifname: string): boolean {
    for (const w of this.waiting.values()) if (w.cfg.interface === ifname) return true;
    return false;
  }

  statuses(): InstanceStatus[] {
    return [...this.waiting.values()].map((w) => pendingStatus(w.cfg, w.reason, w.sinceWallMs));
  }

  retry(): void {
    for (const [name, w] of [...this.waiting]) {
      const link = resolveInstance(w.cfg, this.deps.links);
      if (typeof link === "string") {
        w.reason = link;
        continue;
      }
      this.waiting.delete(name);
      this.deps.logger.log("info", `${name}: interface ready, starting`, { instance: name, interface: w.cfg.interface });
      this.launch(w.cfg, link);
    }
    this.afterRetry();
    this.schedule();
  }

  /** The daemon stops: no more retries, nothing new waits. */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.waiting.size === 0 || this.stopped) return;
    this.timer = this.deps.clock.setTimer(this.deps.clock.nowMs() + PENDING_RETRY_MS, () => {
      this.timer = null;
      this.retry();
    });
  }
}
