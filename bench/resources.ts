// CPU and memory of one vigil (the compiled binary) in steady state, printed beside the goals of
// issue 14 and beside keepalived measured in the same run: private memory (RssAnon) ≤ 8 MiB at 1
// instance and ≤ 16 MiB at 255, CPU at 255 masters ≤ ½ keepalived's. CPU is utime+stime of all
// threads from /proc/PID/stat over the window; RSS is VmRSS at its end (VmHWM = peak so far), split
// into RssAnon (private: heaps, stacks) and RssFile (pages of the executable and libraries, shared
// and clean).
//   1 instance, 1 s and 20 ms (v3, realtime io thread), master alone on the link
//   255 instances (vrid 1–255, one VIP each, one interface), 1 s, all master
//   255 instances as backup on a second router, receiving 255 adverts/s from the 255 masters
//   the same configs under Debian's keepalived (--vrrp, parent + VRRP child)
// Not a test: figures, no assertions.
//
// Run as root from the repository root, after `bun packaging/build.ts --host`:
//   ./node_modules/.bin/bun bench/resources.ts [--seconds=15] [--binary=PATH] [--no-keepalived] [--threads] [--scrape=S]
//     [--warmup=S] [--only=single|masters|backups]
//   (--threads: also print the CPU split per thread; --scrape=S: GET vigil's /metrics every S
//   seconds during the window, as Prometheus would — the scrape's own buffers count then;
//   --warmup=S: wait S more seconds before each window — vigil's JIT tiers code up only after
//   many runs (build.ts JIT_POLICY), so a daemon's long-run figure needs minutes, keepalived none;
//   --only: one group of scenarios, each with its keepalived twin)

import type { Lab } from "../tests/netns/lab.ts";
import { startCapture } from "./lib/capture.ts";
import { cleanupAll } from "./lib/cleanup.ts";
import { benchBinary, type Daemon, hasKeepalived, type Instance, keepalivedConf, startKeepalived, startVigil } from "./lib/daemons.ts";
import { benchLab } from "./lib/lab.ts";
import { measure, schedPolicy, type Usage } from "./lib/procstat.ts";
import { fmt, loadAvg, table } from "./lib/stats.ts";

const argv = process.argv.slice(2);
const SECONDS = Number(argv.find((a) => a.startsWith("--seconds="))?.slice(10) ?? 15);
const KEEPALIVED = !argv.includes("--no-keepalived") && hasKeepalived();
const THREADS = argv.includes("--threads");
const SCRAPE_S = Number(argv.find((a) => a.startsWith("--scrape="))?.slice(9) ?? 0);
const WARMUP_MS = 1000 * Number(argv.find((a) => a.startsWith("--warmup="))?.slice(9) ?? 0);
const ONLY = argv.find((a) => a.startsWith("--only="))?.slice(7);
const runs = (group: "single" | "masters" | "backups") => ONLY === undefined || ONLY === group;
/** Issue 14's goals for private memory (RssAnon). */
const GOAL_ANON_1_MIB = 8;
const GOAL_ANON_255_MIB = 16;
/** After every instance reached its state: the second GARP burst (garp_master_delay 5 s) is over. */
const SETTLE_MS = 6000;

function vip(vrid: number): string {
  return `10.99.${1 + Math.floor((vrid - 1) / 200)}.${((vrid - 1) % 200) + 1}/24`;
}

function instances(n: number, priority: number, advertSec = 1): Instance[] {
  return Array.from({ length: n }, (_, i) => ({
    vrid: i + 1,
    priority,
    version: advertSec < 1 ? 3 : 2,
    advertSec,
    vips: [vip(i + 1)],
  }));
}

/** Counts the VIPs on r's eth0 (keepalived has no status API): all present = all master. */
async function waitVips(lab: Lab, node: string, n: number, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const eth0 = lab.addrs(node).find((l) => l.ifname === "eth0")?.addresses ?? [];
    const have = eth0.filter((a) => /^10\.99\.[12]\./.test(a)).length; // the VIPs, not 10.99.0.x
    if (have >= n) return;
    if (performance.now() > deadline) throw new Error(`${node}: ${have} of ${n} VIPs after ${timeoutMs} ms`);
    await Bun.sleep(200);
  }
}

interface Row {
  label: string;
  usage: Usage;
  sched: string;
}

async function measureDaemon(label: string, d: Daemon, lab?: Lab): Promise<Row> {
  if (d.proc.exitCode !== null) throw new Error(`${label}: exited early:\n${d.log().slice(-2000)}`);
  if (WARMUP_MS > 0) {
    console.error(`warming up ${label} (${WARMUP_MS / 1000} s) …`);
    await Bun.sleep(WARMUP_MS);
  }
  console.error(`measuring ${label} (${SECONDS} s) …`);
  let scraping = SCRAPE_S > 0 && lab !== undefined;
  const scraper = (async () => {
    while (scraping) {
      lab!.exec(d.node, ["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:9650/metrics"], { allowFail: true });
      await Bun.sleep(SCRAPE_S * 1000);
    }
  })();
  const usage = await measure(d.pids(), SECONDS);
  scraping = false;
  await scraper;
  return { label, usage, sched: schedPolicy(d.pids().at(-1)!) };
}

async function stop(d: Daemon): Promise<void> {
  d.kill("SIGTERM");
  await d.exited(15_000);
}

async function main(): Promise<void> {
  const binary = benchBinary(argv);
  const version = Bun.spawnSync([binary, "version"]).stdout.toString().trim();
  console.log(`vigil: ${version}; bun ${Bun.version}; ${navigator.hardwareConcurrency} CPUs; load ${await loadAvg()}`);
  const rows: Row[] = [];
  const lab = benchLab({ nodes: ["r1", "r2"] });

  // 1 instance, alone on the link.
  for (const [label, advertSec] of runs("single") ? [["vigil 1 instance, 1 s (v2)", 1], ["vigil 1 instance, 20 ms (v3)", 0.02]] as const : []) {
    const v = startVigil(lab, "r1", keepalivedConf(instances(1, 200, advertSec)), { binary });
    await v.waitState("master");
    await Bun.sleep(SETTLE_MS);
    rows.push(await measureDaemon(label, v, lab));
    await stop(v);
  }

  // 255 masters, then a 255-instance backup beside them.
  if (runs("masters") || runs("backups")) {
    const masters = startVigil(lab, "r1", keepalivedConf(instances(255, 200)), { binary });
    await masters.waitState("master", { timeoutMs: 30_000 });
    await Bun.sleep(SETTLE_MS);
    if (runs("masters")) rows.push(await measureDaemon("vigil 255 instances, 1 s, all master", masters, lab));
    if (runs("backups")) await measureBackups(lab, binary, rows);
    await stop(masters);
  }

  if (KEEPALIVED) {
    const kaRows = [["keepalived 1 instance, 1 s (v2)", 1, "single"], ["keepalived 255 instances, 1 s, all master", 255, "masters"]] as const;
    for (const [label, n] of kaRows.filter(([, , g]) => runs(g))) {
      const k = startKeepalived(lab, "r1", keepalivedConf(instances(n, 200)));
      await waitVips(lab, "r1", n);
      await Bun.sleep(SETTLE_MS);
      rows.push(await measureDaemon(label, k));
      await stop(k);
    }
  }
  await report(rows);
}

/** 255 backups on r2 beside r1's 255 masters (running), then keepalived in their place. */
async function measureBackups(lab: Lab, binary: string, rows: Row[]): Promise<void> {
  const cap = await startCapture(lab, "r2", "ip proto 112");
  await Bun.sleep(3000);
  const rate = cap.packets.length / 3;
  await cap.stop();

  const backups = startVigil(lab, "r2", keepalivedConf(instances(255, 100)), { binary });
  // The start-up VIP conflict check ARP-probes every VIP in turn (~200 ms each): ~1 min for 255.
  await backups.waitState("backup", { timeoutMs: 150_000 });
  await Bun.sleep(SETTLE_MS);
  rows.push(await measureDaemon(`vigil 255 instances, 1 s, all backup (rx ${Math.round(rate)} adverts/s)`, backups, lab));
  await stop(backups);

  if (KEEPALIVED) {
    const kb = startKeepalived(lab, "r2", keepalivedConf(instances(255, 100)));
    await Bun.sleep(5000 + SETTLE_MS);
    rows.push(await measureDaemon(`keepalived 255 instances, 1 s, all backup (rx from vigil)`, kb));
    await stop(kb);
  }
}

async function report(rows: Row[]): Promise<void> {
  const find = (prefix: string) => rows.find((r) => r.label.startsWith(prefix));
  const kaMasters = find("keepalived 255 instances, 1 s, all master");
  const goal = (r: Row): string => {
    if (!r.label.startsWith("vigil")) return "";
    const limit = r.label.startsWith("vigil 255") ? GOAL_ANON_255_MIB : GOAL_ANON_1_MIB;
    const parts = [`anon ≤ ${limit}: ${r.usage.anonMiB <= limit ? "ok" : "NO"}`];
    if (r.label.startsWith("vigil 255 instances, 1 s, all master") && kaMasters) {
      parts.push(`CPU ≤ ½ keepalived: ${r.usage.cpuPct <= kaMasters.usage.cpuPct / 2 ? "ok" : "NO"}`);
    }
    return parts.join(", ");
  };
  console.log(
    `\nSteady-state resources over ${SECONDS} s windows (CPU = utime+stime of all threads / wall, % of one core)${
      SCRAPE_S > 0 ? `, /metrics scraped every ${SCRAPE_S} s` : ""
    }; load ${await loadAvg()}`,
  );
  console.log(
    table(
      ["daemon / scenario", "CPU %", "of it sys", "RSS MiB", "anon", "file", "peak RSS", "sched", "goal"],
      rows.map((r) => [
        r.label,
        fmt(r.usage.cpuPct, 2),
        fmt(r.usage.sysPct, 2),
        fmt(r.usage.rssMiB, 1),
        fmt(r.usage.anonMiB, 1),
        fmt(r.usage.fileMiB, 1),
        fmt(r.usage.hwmMiB, 1),
        r.sched,
        goal(r),
      ]),
    ),
  );
  // The issue's rows, keepalived and vigil from this run side by side.
  const mem = (r: Row | undefined) => (r ? `${fmt(r.usage.anonMiB, 1)} MiB (RSS ${fmt(r.usage.rssMiB, 1)})` : "—");
  const cpu = (r: Row | undefined) => (r ? `${fmt(r.usage.cpuPct, 2)} %` : "—");
  const ka1 = find("keepalived 1 instance");
  const kaBackups = find("keepalived 255 instances, 1 s, all backup");
  console.log(
    "\n" +
      table(["figure", "keepalived 2.2.7", "vigil", "goal"], [
        ["private memory (RssAnon), 1 instance, 1 s", mem(ka1), mem(find("vigil 1 instance, 1 s")), `≤ ${GOAL_ANON_1_MIB} MiB`],
        ["private memory (RssAnon), 1 instance, 20 ms (realtime)", "—", mem(find("vigil 1 instance, 20 ms")), `≤ ${GOAL_ANON_1_MIB} MiB`],
        ["private memory (RssAnon), 255 masters, 1 s", mem(kaMasters), mem(find("vigil 255 instances, 1 s, all master")), `≤ ${GOAL_ANON_255_MIB} MiB`],
        ["private memory (RssAnon), 255 backups, 1 s", mem(kaBackups), mem(find("vigil 255 instances, 1 s, all backup")), `≤ ${GOAL_ANON_255_MIB} MiB`],
        ["CPU at 255 masters, 1 s", cpu(kaMasters), cpu(find("vigil 255 instances, 1 s, all master")), "≤ ½ keepalived"],
      ]),
  );
  if (THREADS) {
    for (const r of rows) {
      const top = [...r.usage.threads].filter(([, v]) => v >= 0.05).sort((a, b) => b[1] - a[1]);
      console.log(`\n${r.label}: ${top.map(([k, v]) => `${k.replace(/^\d+\//, "")} ${fmt(v, 2)}%`).join(", ")}`);
    }
  }
}

try {
  await main();
} finally {
  await cleanupAll();
}
