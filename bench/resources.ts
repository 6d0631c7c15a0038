// CPU and memory of one vigil (the compiled binary) in steady state, printed beside the goals:
// 255 instances at advert_int 1 under 5 % of one core, RSS ≤ 50 MiB. CPU is utime+stime of all
// threads from /proc/PID/stat over the window; RSS is VmRSS at its end (VmHWM = peak so far), split
// into RssAnon (private heap) and RssFile (pages of the executable and libraries, shared and clean).
//   1 instance, 1 s and 20 ms (v3), master alone on the link
//   255 instances (vrid 1–255, one VIP each, one interface), 1 s, all master
//   255 instances as backup on a second router, receiving 255 adverts/s from the 255 masters
//   the same 255-instance configs under Debian's keepalived (--vrrp, parent + VRRP child)
// Not a test: figures, no assertions.
//
// Run as root from the repository root, after `bun packaging/build.ts --host`:
//   ./node_modules/.bin/bun bench/resources.ts [--seconds=15] [--binary=PATH] [--no-keepalived] [--threads]
//   (--threads: also print the CPU split per thread)

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

async function measureDaemon(label: string, d: Daemon): Promise<Row> {
  if (d.proc.exitCode !== null) throw new Error(`${label}: exited early:\n${d.log().slice(-2000)}`);
  console.error(`measuring ${label} (${SECONDS} s) …`);
  const usage = await measure(d.pids(), SECONDS);
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
  for (const [label, advertSec] of [["vigil 1 instance, 1 s (v2)", 1], ["vigil 1 instance, 20 ms (v3)", 0.02]] as const) {
    const v = startVigil(lab, "r1", keepalivedConf(instances(1, 200, advertSec)), { binary });
    await v.waitState("master");
    await Bun.sleep(SETTLE_MS);
    rows.push(await measureDaemon(label, v));
    await stop(v);
  }

  // 255 masters, then a 255-instance backup beside them.
  const masters = startVigil(lab, "r1", keepalivedConf(instances(255, 200)), { binary });
  await masters.waitState("master", { timeoutMs: 30_000 });
  await Bun.sleep(SETTLE_MS);
  rows.push(await measureDaemon("vigil 255 instances, 1 s, all master", masters));

  const cap = await startCapture(lab, "r2", "ip proto 112");
  await Bun.sleep(3000);
  const rate = cap.packets.length / 3;
  await cap.stop();

  const backups = startVigil(lab, "r2", keepalivedConf(instances(255, 100)), { binary });
  // The start-up VIP conflict check ARP-probes every VIP in turn (~200 ms each): ~1 min for 255.
  await backups.waitState("backup", { timeoutMs: 150_000 });
  await Bun.sleep(SETTLE_MS);
  rows.push(await measureDaemon(`vigil 255 instances, 1 s, all backup (rx ${Math.round(rate)} adverts/s)`, backups));
  await stop(backups);

  if (KEEPALIVED) {
    const kb = startKeepalived(lab, "r2", keepalivedConf(instances(255, 100)));
    await Bun.sleep(5000 + SETTLE_MS);
    rows.push(await measureDaemon(`keepalived 255 instances, 1 s, all backup (rx from vigil)`, kb));
    await stop(kb);
  }
  await stop(masters);

  if (KEEPALIVED) {
    for (const [label, n] of [["keepalived 1 instance, 1 s (v2)", 1], ["keepalived 255 instances, 1 s, all master", 255]] as const) {
      const k = startKeepalived(lab, "r1", keepalivedConf(instances(n, 200)));
      await waitVips(lab, "r1", n);
      await Bun.sleep(SETTLE_MS);
      rows.push(await measureDaemon(label, k));
      await stop(k);
    }
  }

  console.log(`\nSteady-state resources over ${SECONDS} s windows (CPU = utime+stime of all threads / wall, % of one core); load ${await loadAvg()}`);
  console.log(
    table(
      ["daemon / scenario", "CPU %", "of it sys", "RSS MiB", "anon", "file", "peak RSS", "sched", "goal"],
      rows.map((r) => {
        const is255 = r.label.startsWith("vigil 255");
        const goal = is255
          ? `${r.usage.cpuPct < 5 ? "ok" : "CPU ≥ 5 %"}, ${r.usage.rssMiB <= 50 ? "ok" : "RSS > 50 MiB"}`
          : r.label.startsWith("vigil")
          ? (r.usage.rssMiB <= 50 ? "RSS ok" : "RSS > 50 MiB")
          : "";
        return [
          r.label,
          fmt(r.usage.cpuPct, 2),
          fmt(r.usage.sysPct, 2),
          fmt(r.usage.rssMiB, 1),
          fmt(r.usage.anonMiB, 1),
          fmt(r.usage.fileMiB, 1),
          fmt(r.usage.hwmMiB, 1),
          r.sched,
          goal,
        ];
      }),
    ),
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
