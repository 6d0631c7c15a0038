// vrrp_track_process / track_process as a tracker kind (the monitor is ProcessMonitor in
// track-process.ts). Every process monitor of a daemon (one TrackerContext, built by Monitors)
// shares one ProcScanner: one subscription to the kernel's process events — the context's
// ProcessEvents port, given by the daemon's deps — or one /proc scan per interval where there are
// none.
import type { TrackProcessConfig } from "../../config/schema.ts";
import { processEffect, ProcessMonitor, ProcScanner } from "../track-process.ts";
import type { TrackerContext, TrackerKind } from "./tracker.ts";

const scanners = new WeakMap<TrackerContext, ProcScanner>();

export const processTracker: TrackerKind<TrackProcessConfig, ProcessMonitor> = {
  kind: "track_process",
  definitions: (cfg) => cfg.trackProcesses ?? [],
  references: (inst) => inst.trackProcesses ?? [],
  create: (def, ctx) => {
    let scanner = scanners.get(ctx);
    if (!scanner) scanners.set(ctx, scanner = new ProcScanner(ctx.clock, { logger: ctx.logger, events: ctx.processEvents ?? null }));
    return new ProcessMonitor(def, ctx.clock, ctx.logger, scanner);
  },
  effect: (m, weight, inGroup, reverse) => processEffect(m, weight ?? m.cfg.weight, inGroup, reverse ?? m.cfg.reverse),
  source: (m) => {
    const source = m.scanner.source;
    if (source === null) return null;
    const reason = m.scanner.sourceReason;
    return reason === null ? { source } : { source, reason };
  },
};
