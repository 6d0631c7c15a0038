// vrrp_track_file / track_file as a tracker kind (the monitor is FileMonitor in track-file.ts).
import type { TrackFileConfig } from "../../config/schema.ts";
import { FileMonitor, trackFileEffect } from "../track-file.ts";
import type { TrackerKind } from "./tracker.ts";

export const fileTracker: TrackerKind<TrackFileConfig, FileMonitor> = {
  kind: "track_file",
  definitions: (cfg) => cfg.trackFiles,
  references: (inst) => inst.trackFiles,
  create: (def, ctx) => new FileMonitor(def, ctx.clock, ctx.logger),
  effect: (m, weight, inGroup, reverse) => {
    const w = inGroup ? 0 : (weight ?? m.cfg.weight);
    // keepalived's reverse (weight_multiplier -1): value × weight × -1; with weight 0, Fault while the value is 0.
    const rev = reverse ?? m.cfg.reverse ?? false;
    const e = rev && w === 0 ? { fault: m.value === 0, delta: 0 } : trackFileEffect(m.value, rev ? -w : w);
    // A file that cannot be read without blocking (FIFO, device) is a fault of this tracker.
    return m.unusable !== null ? { fault: true, delta: e.delta } : e;
  },
};
