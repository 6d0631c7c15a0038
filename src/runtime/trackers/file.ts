// vrrp_track_file / track_file as a tracker kind (the monitor is FileMonitor in track-file.ts).
import type { TrackFileConfig } from "../../config/schema.ts";
import { FileMonitor, trackFileEffect } from "../track-file.ts";
import type { TrackerKind } from "./tracker.ts";

export const fileTracker: TrackerKind<TrackFileConfig, FileMonitor> = {
  kind: "track_file",
  definitions: (cfg) => cfg.trackFiles,
  references: (inst) => inst.trackFiles,
  create: (def, ctx) => new FileMonitor(def, ctx.clock, ctx.logger),
  effect: (m, weight, inGroup) => {
    const e = trackFileEffect(m.value, inGroup ? 0 : (weight ?? m.cfg.weight));
    // A file that cannot be read without blocking (FIFO, device) is a fault of this tracker.
    return m.unusable !== null ? { fault: true, delta: e.delta } : e;
  },
};
