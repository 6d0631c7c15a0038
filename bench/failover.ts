// Failover time and advert jitter of the compiled vigil, measured ON THE WIRE from a capture in a
// client namespace, printed beside the RFC formula. Not a test: figures, no assertions.
//
// Failover: routers r1 (priority 255) and r2 (254) and a client c on a lab bridge, VIP 10.99.0.254.
// For SIGKILL and cable unplug (lab.linkDown of r1): last advert of r1 → first advert of r2.
// For SIGTERM (r1 resigns with priority 0): r1's priority-0 advert → first advert of r2.
// Formula: Master_Down = 3 × Master_Adver_Interval + Skew, Skew = (256 − 254) × interval / 256;
// on priority 0 the backup waits Skew only. Client: the longest gap between replies to 10 ms pings
// from c to the VIP around each failover (its tcpdump timestamps, same clock as the adverts).
//
// Jitter: one v3 master at 20 ms, |interval − 20 ms| between consecutive adverts on the wire, idle
// and with two CPU hogs, with the default realtime priority (10) and --realtime-priority 0, and
// keepalived at 20 ms for reference when it is installed. Beside them the host's floor: a C sender
// (bench/lib/floor-sender.c, built with cc) that sleeps on absolute deadlines and does nothing else.
//
// Run as root from the repository root, after `bun packaging/build.ts --host`:
//   ./node_modules/.bin/bun bench/failover.ts                 everything (~5 min)
//   … --only=failover | --only=jitter
//   … --v2-reps=3 --v3-reps=5 --jitter-seconds=15 --cases=kill,term,unplug --versions=v2,v3
//   … --jitter-filter=TEXT (only jitter conditions whose label contains TEXT, e.g. "hogs")
//   … --binary=PATH (default: a private copy of dist/vigil)  --no-keepalived

import { join } from "node:path";
import { type Capture, type Packet, startCapture } from "./lib/capture.ts";
import { cleanupAll } from "./lib/cleanup.ts";
import {
  benchBinary,
  buildFloorSender,
  type Daemon,
  hasKeepalived,
  type Instance,
  keepalivedConf,
  startFloorSender,
  startKeepalived,
  startVigil,
  type VigilDaemon,
} from "./lib/daemons.ts";
import { startHogs } from "./lib/hogs.ts";
import { benchLab } from "./lib/lab.ts";
import { schedPolicy } from "./lib/procstat.ts";
import { fmt, loadAvg, max, median, quantile, table } from "./lib/stats.ts";

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const only = opt("only", "all");
const V2_REPS = Number(opt("v2-reps", "3"));
const V3_REPS = Number(opt("v3-reps", "5"));
const JITTER_S = Number(opt("jitter-seconds", "15"));
const CASES = opt("cases", "kill,term,unplug").split(",") as Action[];
const VERSIONS = opt("versions", "v2,v3").split(",");
const KEEPALIVED = !argv.includes("--no-keepalived") && hasKeepalived();
const JITTER_FILTER = opt("jitter-filter", ""); // only the jitter conditions whose label contains this

const VIP = "10.99.0.254";
const R1 = "10.99.0.1"; // lab node 0
const R2 = "10.99.0.2";
const PINGER = join(import.meta.dir, "lib", "pinger.ts");
const PING_MS = 10;

type Action = "kill" | "term" | "unplug";

interface Flavour {
  label: string;
  version: 2 | 3;
  advertSec: number;
  reps: number;
}

const isAdvert = (src: string) => (p: Packet): p is Extract<Packet, { kind: "vrrp" }> => p.kind === "vrrp" && p.src === src && p.prio > 0;
const isReply = (p: Packet) => p.kind === "echo-reply" && p.src === VIP;

/** Master_Down_Interval (kill/unplug) or Skew_Time (priority 0) for the backup at 254, in ms. */
function formulaMs(f: Flavour, a: Action): number {
  const intervalMs = f.advertSec * 1000;
  const skew = ((256 - 254) * intervalMs) / 256; // v2: (256 − P)/256 s, the same at 1 s
  return a === "term" ? skew : 3 * intervalMs + skew;
}

interface Rep {
  failoverMs: number;
  pingGapMs: number;
}

async function failoverRuns(binary: string, f: Flavour): Promise<Map<Action, Rep[]>> {
  const lab = benchLab({ nodes: ["r1", "r2", "c"] });
  const inst = (priority: number): Instance => ({ vrid: 51, priority, version: f.version, advertSec: f.advertSec, vips: [`${VIP}/24`] });
  const conf1 = keepalivedConf([inst(255)]);
  const conf2 = keepalivedConf([inst(254)]);
  const cap = await startCapture(lab, "c", "ip proto 112 or icmp");
  let r1 = startVigil(lab, "r1", conf1, { binary });
  const r2 = startVigil(lab, "r2", conf2, { binary });
  await r1.waitState("master");
  await r2.waitState("backup");
  const pinger = lab.spawn("c", [process.execPath, PINGER, VIP, String(PING_MS)]);
  const intervalMs = f.advertSec * 1000;
  const results = new Map<Action, Rep[]>();
  try {
    await cap.until(isReply, 5000);
    for (const action of CASES) {
      const reps: Rep[] = [];
      results.set(action, reps);
      for (let rep = 0; rep < f.reps; rep++) {
        // A random phase against the advert schedule, and enough history for the baseline.
        await Bun.sleep(Math.max(300, 1.5 * intervalMs) + Math.random() * intervalMs);
        const from = cap.packets.length;
        if (action === "kill") r1.kill("SIGKILL");
        else if (action === "term") r1.kill("SIGTERM");
        else lab.linkDown("r1");
        const first = await cap.until(isAdvert(R2), 3 * formulaMs(f, "kill") + 5000, from);
        // Let the client recover (replies after the takeover), then a little more.
        await cap.until((p) => isReply(p) && p.t > first.t, 10_000, from).catch(() => undefined);
        await Bun.sleep(100);
        const to = cap.packets.length;
        reps.push(analyse(cap, action, from, to));
        // Back to r1 as master before the next repetition.
        if (action === "unplug") lab.linkUp("r1");
        else {
          const code = await r1.exited(10_000);
          if (action === "term" && code !== 0) console.error(`warning: vigil exited ${code} on SIGTERM:\n${r1.log().slice(-1500)}`);
          r1 = startVigil(lab, "r1", conf1, { binary, dir: r1.dir });
        }
        await r1.waitState("master");
        await r2.waitState("backup");
      }
    }
  } finally {
    pinger.kill("SIGTERM");
    await cap.stop();
    await lab.cleanup();
  }
  return results;
}

/**
 * keepalived beside it, SIGKILL only (the figure): the VRRP child of r1 is killed (killing
 * the parent alone leaves the child advertising); r1 is restarted for the next repetition.
 */
async function keepalivedKillRuns(f: Flavour): Promise<Rep[]> {
  const lab = benchLab({ nodes: ["r1", "r2", "c"] });
  const inst = (priority: number): Instance => ({ vrid: 51, priority, version: f.version, advertSec: f.advertSec, vips: [`${VIP}/24`] });
  const conf1 = keepalivedConf([inst(255)]);
  const conf2 = keepalivedConf([inst(254)]);
  const cap = await startCapture(lab, "c", "ip proto 112 or icmp");
  const intervalMs = f.advertSec * 1000;
  const reps: Rep[] = [];
  const settle = async () => {
    // r1 master again: its adverts on the wire, then a few more intervals of them.
    const from = cap.packets.length;
    await cap.until(isAdvert(R1), 10_000, from);
    await Bun.sleep(3 * intervalMs + 300);
  };
  let r1 = startKeepalived(lab, "r1", conf1);
  const r2 = startKeepalived(lab, "r2", conf2);
  const pinger = lab.spawn("c", [process.execPath, PINGER, VIP, String(PING_MS)]);
  try {
    await settle();
    for (let rep = 0; rep < f.reps; rep++) {
      await Bun.sleep(Math.max(300, 1.5 * intervalMs) + Math.random() * intervalMs);
      const from = cap.packets.length;
      for (const pid of r1.pids().reverse()) process.kill(pid, "SIGKILL");
      await cap.until(isAdvert(R2), 3 * formulaMs(f, "kill") + 5000, from);
      await cap.until((p) => isReply(p), 10_000, cap.packets.length).catch(() => undefined);
      await Bun.sleep(100);
      reps.push(analyse(cap, "kill", from, cap.packets.length));
      await r1.exited(2000);
      lab.exec("r1", ["ip", "addr", "flush", "dev", "eth0", "to", `${VIP}/32`], { allowFail: true });
      r1 = startKeepalived(lab, "r1", conf1);
      await settle();
    }
  } finally {
    pinger.kill("SIGTERM");
    r2.kill("SIGTERM");
    await cap.stop();
    await lab.cleanup();
  }
  return reps;
}

function analyse(cap: Capture, action: Action, from: number, to: number): Rep {
  const pk = cap.packets;
  let iRef = -1;
  let iFirst = -1;
  if (action === "term") {
    for (let i = from; i < to && iRef < 0; i++) {
      if (pk[i]!.kind === "vrrp" && (pk[i] as { src: string }).src === R1 && (pk[i] as { prio: number }).prio === 0) iRef = i;
    }
    if (iRef < 0) throw new Error("no priority-0 advert from r1 on the wire after SIGTERM");
    for (let i = iRef + 1; i < to && iFirst < 0; i++) if (isAdvert(R2)(pk[i]!)) iFirst = i;
  } else {
    for (let i = from; i < to && iFirst < 0; i++) if (isAdvert(R2)(pk[i]!)) iFirst = i;
    for (let i = iFirst - 1; i >= 0 && iRef < 0; i--) if (isAdvert(R1)(pk[i]!)) iRef = i;
  }
  if (iFirst < 0 || iRef < 0) throw new Error(`${action}: adverts not found on the wire`);
  // Client view: replies from the last one before the action to the end of the window.
  const replies: number[] = [];
  let lastBefore = -1;
  for (let i = from - 1; i >= 0 && lastBefore < 0; i--) if (isReply(pk[i]!)) lastBefore = i;
  for (let i = Math.max(0, lastBefore); i < to; i++) if (isReply(pk[i]!)) replies.push(pk[i]!.t);
  let gap = 0;
  for (let i = 1; i < replies.length; i++) gap = Math.max(gap, replies[i]! - replies[i - 1]!);
  return { failoverMs: pk[iFirst]!.t - pk[iRef]!.t, pingGapMs: gap };
}

// ---------------------------------------------------------------------------------------------

/** floor: bench/lib/floor-sender.c, the host's wake-up latency with nothing else (extraArgs: [rt priority]). */
type JitterDaemon = "vigil" | "keepalived" | "floor";
let floorSender: string | null = null;

interface JitterRow {
  label: string;
  errors: number[];
  meanMs: number;
  sched: string;
}

/** extraArgs: vigil's command-line flags, or keepalived's global_defs lines. */
async function jitterRun(binary: string, label: string, daemon: JitterDaemon, hogs: number, extraArgs: string[]): Promise<JitterRow> {
  const lab = benchLab({ nodes: ["r1", "c"] });
  let stopHogs: (() => Promise<void>) | null = null;
  try {
    const inst: Instance[] = [{ vrid: 51, priority: 255, version: 3, advertSec: 0.02, vips: [`${VIP}/24`] }];
    const conf = keepalivedConf(inst, daemon === "keepalived" ? extraArgs : []);
    const cap = await startCapture(lab, "c", "ip proto 112");
    const d: Daemon | VigilDaemon = daemon === "vigil"
      ? startVigil(lab, "r1", conf, { binary, extraArgs })
      : daemon === "keepalived"
      ? startKeepalived(lab, "r1", conf)
      : startFloorSender(lab, "r1", floorSender!, 20, Number(extraArgs[0] ?? 0), VIP);
    await cap.until(isAdvert(R1), 10_000);
    if (hogs > 0) stopHogs = startHogs(hogs);
    await Bun.sleep(1000);
    const from = cap.packets.length;
    await Bun.sleep(JITTER_S * 1000);
    const to = cap.packets.length;
    const ts = cap.packets.slice(from, to).filter(isAdvert(R1)).map((p) => p.t);
    const sched = schedPolicy(d.pids().at(-1)!); // keepalived: its VRRP child
    if (stopHogs) await stopHogs();
    d.kill("SIGTERM");
    await d.exited(5000);
    await cap.stop();
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
    return { label, errors: gaps.map((g) => Math.abs(g - 20)), meanMs: gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length), sched };
  } finally {
    if (stopHogs) await stopHogs();
    await lab.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const binary = benchBinary(argv);
  const version = Bun.spawnSync([binary, "version"]).stdout.toString().trim();
  console.log(`vigil: ${version} (${binary}); bun ${Bun.version}; ${navigator.hardwareConcurrency} CPUs; load ${await loadAvg()}`);

  if (only === "all" || only === "failover") {
    const flavours: Flavour[] = [
      { label: "v2 1 s", version: 2, advertSec: 1, reps: V2_REPS },
      { label: "v3 20 ms", version: 3, advertSec: 0.02, reps: V3_REPS },
    ].filter((f) => VERSIONS.includes(f.version === 2 ? "v2" : "v3")) as Flavour[];
    const rows: string[][] = [];
    for (const f of flavours) {
      console.error(`failover ${f.label}: ${f.reps} × ${CASES.join(", ")} …`);
      const res = await failoverRuns(binary, f);
      if (KEEPALIVED && CASES.includes("kill")) {
        console.error(`failover ${f.label}: keepalived, ${f.reps} × SIGKILL …`);
        res.set("keepalived kill" as Action, await keepalivedKillRuns(f));
      }
      for (const [action, reps] of res) {
        const fo = reps.map((r) => r.failoverMs);
        const formula = formulaMs(f, action === ("keepalived kill" as Action) ? "kill" : action);
        const gaps = reps.map((r) => r.pingGapMs);
        rows.push([
          `${f.label} ${action === "kill" ? "SIGKILL" : action === "term" ? "SIGTERM (prio 0)" : action === "unplug" ? "cable unplug" : "SIGKILL, keepalived"}`,
          String(reps.length),
          fmt(formula, 2),
          fmt(median(fo), 2),
          fmt(max(fo), 2),
          fmt(max(fo) - formula, 2),
          max(fo) <= formula + 5 ? "yes" : "NO",
          fmt(median(gaps), 0),
          fmt(max(gaps), 0),
          fo.map((x) => fmt(x, 1)).join(" "),
        ]);
      }
    }
    console.log(`\nFailover on the wire (client capture), VIP ping every ${PING_MS} ms; load ${await loadAvg()}`);
    console.log(
      table(["case", "n", "formula ms", "median ms", "max ms", "max−formula", "≤ +5 ms", "ping gap med", "ping gap max", "each run ms"], rows),
    );
    for (const r of rows) {
      if (r[0] === "v2 1 s SIGKILL") summary.set("fo-vigil", `+${fmt(Number(r[3]) - Number(r[2]), 2)} ms median (max ${r[5]})`);
      if (r[0] === "v2 1 s SIGKILL, keepalived") summary.set("fo-keepalived", `+${fmt(Number(r[3]) - Number(r[2]), 2)} ms median (max ${r[5]})`);
    }
  }

  if (only === "all" || only === "jitter") {
    const runs: [string, JitterDaemon, number, string[]][] = [
      ["vigil idle, rt 10 (default)", "vigil", 0, []],
      ["vigil idle, --realtime-priority 0", "vigil", 0, ["--realtime-priority", "0"]],
      ["vigil 2 hogs, rt 10 (default)", "vigil", 2, []],
      ["vigil 2 hogs, --realtime-priority 0", "vigil", 2, ["--realtime-priority", "0"]],
    ];
    if (KEEPALIVED) {
      runs.push(
        ["keepalived idle (defaults)", "keepalived", 0, []],
        ["keepalived 2 hogs (defaults)", "keepalived", 2, []],
        ["keepalived idle, vrrp_rt_priority 10", "keepalived", 0, ["vrrp_rt_priority 10"]],
        ["keepalived 2 hogs, vrrp_rt_priority 10", "keepalived", 2, ["vrrp_rt_priority 10"]],
      );
    }
    // The host's floor: a C sender that sleeps between adverts as every daemon here does.
    floorSender = buildFloorSender();
    if (floorSender) {
      runs.push(["floor (C, clock_nanosleep) idle, rt 10", "floor", 0, ["10"]], ["floor (C, clock_nanosleep) 2 hogs, rt 10", "floor", 2, ["10"]]);
    } else console.error("jitter: no C compiler (cc), the host's floor is left out (apt-get install gcc)");
    const rows: string[][] = [];
    for (const [label, daemon, hogs, extra] of runs.filter(([l]) => l.includes(JITTER_FILTER))) {
      console.error(`jitter: ${label} (${JITTER_S} s) …`);
      const r = await jitterRun(binary, label, daemon, hogs, extra);
      const p99 = quantile(r.errors, 0.99);
      rows.push([
        label,
        r.sched,
        String(r.errors.length),
        fmt(r.meanMs, 3),
        fmt(quantile(r.errors, 0.5), 3),
        fmt(p99, 3),
        fmt(max(r.errors), 3),
        p99 <= 1 ? "yes" : "NO",
      ]);
      const key = {
        "vigil idle, rt 10 (default)": "j-idle-vigil",
        "vigil 2 hogs, rt 10 (default)": "j-hogs-vigil",
        "keepalived idle, vrrp_rt_priority 10": "j-idle-keepalived",
        "keepalived 2 hogs, vrrp_rt_priority 10": "j-hogs-keepalived",
        "floor (C, clock_nanosleep) idle, rt 10": "j-idle-floor",
        "floor (C, clock_nanosleep) 2 hogs, rt 10": "j-hogs-floor",
      }[label];
      if (key) summary.set(key, `${fmt(p99, 3)} ms`);
    }
    console.log(`\nAdvert interval error at 20 ms (VRRPv3, one master, client capture), |Δt − 20 ms|; load ${await loadAvg()}`);
    console.log(table(["condition", "sched", "intervals", "mean ms", "p50 ms", "p99 ms", "max ms", "p99 ≤ 1 ms"], rows));
  }
}

/** The table, from this run's rows. */
const summary = new Map<string, string>();

function printSummary(): void {
  if (summary.size === 0) return;
  const g = (k: string) => summary.get(k) ?? "(not run)";
  console.log(`\nThe figures of the issue, this run (load ${loadNow()}):`);
  console.log(
    table(
      ["figure", "keepalived 2.2.7", "vigil", "goal", "host floor (C sender)"],
      [
        ["failover on SIGKILL, v2 1 s, minus the formula", g("fo-keepalived"), g("fo-vigil"), "≤ +0.5 ms", ""],
        ["advert interval error at 20 ms, p99, idle (both realtime)", g("j-idle-keepalived"), g("j-idle-vigil"), "≤ 0.15 ms", g("j-idle-floor")],
        ["same with two CPU hogs", g("j-hogs-keepalived"), g("j-hogs-vigil"), "≤ 0.25 ms", g("j-hogs-floor")],
      ],
    ),
  );
}

function loadNow(): string {
  try {
    return require("node:fs").readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}

try {
  await main();
  printSummary();
} finally {
  await cleanupAll();
}
