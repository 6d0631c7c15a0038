// The tracker kinds vigil knows, in the order their faults are listed. A new tracker: a file with
// its TrackerKind, and one line here.
import type { TrackerKind } from "./tracker.ts";
import { fileTracker } from "./file.ts";
import { processTracker } from "./process.ts";
import { scriptTracker } from "./script.ts";

// Each kind has its own definition and monitor types; the registry holds them all.
// deno-lint-ignore no-explicit-any
export const TRACKER_KINDS: readonly TrackerKind<any, any>[] = [
  scriptTracker,
  fileTracker,
  processTracker,
];
