// vrrp_script / track_script as a tracker kind (the monitor is ScriptMonitor in tracking.ts).
import type { ScriptConfig } from "../../config/schema.ts";
import { ScriptMonitor } from "../tracking.ts";
import { goodBadEffect, type TrackerKind } from "./tracker.ts";

export const scriptTracker: TrackerKind<ScriptConfig, ScriptMonitor> = {
  kind: "track_script",
  definitions: (cfg) => cfg.scripts,
  references: (inst) => inst.trackScripts,
  create: (def, ctx) => new ScriptMonitor(def, ctx.clock, ctx.runner, ctx.logger, ctx.policy),
  effect: (m, weight, inGroup, reverse) =>
    m.ok === null ? null : goodBadEffect(m.ok, inGroup ? 0 : (weight ?? m.cfg.weight), reverse ?? m.cfg.reverse ?? false),
};
