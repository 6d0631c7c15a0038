// What one track_process scan of /proc costs (vigil scans once a second for all trackers):
// stat only (comm), and stat + cmdline with the per-pid cache (full_command / param_match).
import { scanProc } from "../src/runtime/track-process.ts";

const N = 200;
const procs = scanProc(false).length;
for (const [label, withArgv] of [["comm only", false], ["comm + cmdline (cached)", true]] as const) {
  const cache = new Map<number, { start: string; argv: string[] }>();
  scanProc(withArgv, cache);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) scanProc(withArgv, cache);
  const ms = (performance.now() - t0) / N;
  console.log(`${label}: ${procs} processes, ${ms.toFixed(3)} ms per scan (${((ms / 1000) * 100).toFixed(3)} % of one CPU at 1 scan/s)`);
}
