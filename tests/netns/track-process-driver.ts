// Runs one vrrp_track_process monitor the way `vigil run` builds it (the tracker context gets the
// proc connector of createLinuxPorts, as DaemonDeps.processEvents; it scans where the kernel refuses), starts and
// kills the tracked program, and prints what the monitor saw as one JSON line.
//   bun track-process-driver.ts <program copy of sleep> [idle-ms after the kill]
import { createLinuxPorts } from "../../src/os/linux/index.ts";
import type { LogLevel } from "../../src/runtime/ports.ts";
import type { ScriptRunner } from "../../src/runtime/spawn.ts";
import { processTracker } from "../../src/runtime/trackers/process.ts";
import { trackProcessConfig } from "../fakes/track-process-config.ts";

const [bin, idle] = process.argv.slice(2);
if (!bin) throw new Error("usage: track-process-driver.ts PROGRAM [IDLE_MS]");
const name = bin.slice(bin.lastIndexOf("/") + 1);
const def = trackProcessConfig({ name: "app", process: name, pos: { file: "driver", line: 1, col: 1 } });
const logs: { level: LogLevel; msg: string; reason?: unknown }[] = [];
const logger = { log: (level: LogLevel, msg: string, f?: Record<string, unknown>) => logs.push({ level, msg, ...(f?.reason ? { reason: f.reason } : {}) }) };

/** Waits (in steps of 10 ms, at most `steps` of them) until `cond`; whether it came. */
async function until(cond: () => boolean, steps = 1000): Promise<boolean> {
  for (let i = 0; i < steps && !cond(); i++) await Bun.sleep(10);
  return cond();
}

const ports = createLinuxPorts();
await ports.rx.ready();
const m = processTracker.create(def, { clock: ports.clock, logger, runner: {} as ScriptRunner, processEvents: ports.processEvents });
m.start();
const verdicts: (boolean | null)[] = [m.ok];
const child = Bun.spawn([bin, "1000"], { stdio: ["ignore", "ignore", "ignore"] });
const started = await until(() => m.ok === true);
verdicts.push(m.ok);
const scansWhileRunning = m.scanner.scans;
child.kill("SIGKILL");
await child.exited;
const stopped = await until(() => m.ok === false);
verdicts.push(m.ok);
if (idle) await Bun.sleep(Number(idle));
const out = {
  source: m.scanner.source,
  started,
  stopped,
  verdicts,
  scansWhileRunning,
  scans: m.scanner.scans,
  events: m.scanner.eventsHandled,
  logs,
};
m.stop();
await ports.close();
console.log(JSON.stringify(out));
