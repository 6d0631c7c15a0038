// vrrp_track_process / track_process as a tracker kind (the monitor is ProcessMonitor in
// track-process.ts). Every process monitor of a clock (a daemon) shares one ProcScanner: one
// subscription to the kernel's process events, or one /proc scan per interval where there are none.
import type { TrackProcessConfig } from "../../config/schema.ts";
import type { Clock } from "../ports.ts";
import { processEffect, ProcessMonitor, ProcScanner } from "../track-process.ts";
import type { TrackerKind } from "./tracker.ts";

const scanners = new WeakMap<Clock, ProcScanner>();

export const processTracker: TrackerKind<TrackProcessConfig, ProcessMonitor> = {
  kind: "track_process",
  definitions: (cfg) => cfg.trackProcesses ?? [],
  references: (inst) => inst.trackProcesses ?? [],
  create: (def, ctx) => {
    let scanner = scanners.get(ctx.clock);
    if (!scanner) scanners.set(ctx.clock, scanner = new ProcScanner(ctx.clock, { logger: ctx.logger }));
    return new ProcessMonitor(def, ctx.clock, ctx.logger, scanner);
  },
  effect: (m, weight, inGroup, reverse) => processEffect(m, weight ?? m.cfg.weight, inGroup, reverse ?? m.cfg.reverse),
};
