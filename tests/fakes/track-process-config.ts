// A vrrp_track_process definition with keepalived's defaults, for tests and benches that build one
// without reading a config file.
import type { TrackProcessConfig } from "../../src/config/schema.ts";

export const trackProcessConfig = (over: Partial<TrackProcessConfig>): TrackProcessConfig => ({
  name: "tp",
  process: "",
  params: [],
  paramMatch: "none",
  fullCommand: false,
  weight: -50,
  reverse: false,
  quorum: 1,
  quorumMax: 2 ** 32 - 1,
  forkDelayMs: 0,
  terminateDelayMs: 0,
  pos: { file: "t", line: 1, col: 1 },
  ...over,
});
