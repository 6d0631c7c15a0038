// What a transition tells the world once the instance's own work for it is done (Instance.dispatch
// runs it after the advert, the VIPs and the GARPs): the counters, the log line, the metrics and
// the notify scripts; and what changes without a transition (the master, the effective priority).
import type { InstanceConfig } from "../config/schema.ts";
import type { FsmState } from "../protocol/types.ts";
import type { AdvertStats } from "./advert-stats.ts";
import { notifyTransition } from "./notify.ts";
import type { InstanceLabels, Logger, MetricsSink } from "./ports.ts";
import type { ScriptRunner } from "./spawn.ts";

type State = FsmState["state"];

export interface TransitionReport {
  from: State;
  to: State;
  reason: NonNullable<FsmState["lastTransitionReason"]>;
  priority: number;
  wallMs: number;
}

export function reportTransition(
  deps: { logger: Logger; metrics: MetricsSink; runner: ScriptRunner },
  cfg: InstanceConfig,
  labels: InstanceLabels,
  stats: AdvertStats,
  t: TransitionReport,
): void {
  stats.transition(t.to === "master");
  deps.logger.log(t.to === "fault" ? "warn" : "info", `${cfg.name}: ${t.from} -> ${t.to}`, {
    instance: cfg.name,
    from: t.from,
    to: t.to,
    reason: t.reason,
    priority: t.priority,
  });
  deps.metrics.transition(labels, t.from, t.to, t.reason, t.wallMs);
  deps.metrics.state(labels, t.to);
  if (t.to !== "init") notifyTransition(deps.runner, cfg.notify, "INSTANCE", cfg.name, t.to, t.priority);
}

/** The master and the effective priority as last reported: reported again when they change. */
export class ReportedState {
  private master: string | null = null;

  constructor(
    private readonly metrics: MetricsSink,
    private readonly labels: InstanceLabels,
    private priority: number,
  ) {}

  update(master: string | null, configuredPriority: number, priority: number): void {
    // A backup learns (or sees a change of) its master from adverts, not only at transitions.
    if (master !== this.master) {
      this.master = master;
      this.metrics.masterInfo(this.labels, master);
    }
    // Tracking moves the effective priority without a transition.
    if (priority !== this.priority) {
      this.priority = priority;
      this.metrics.priority(this.labels, configuredPriority, priority);
    }
  }
}
