// Scrape cost at scale: 255 instances with realistic series (both histogram directions filled, as
// after one failover and back; some drops, transitions, checksum forms; keepalived names on unless
// --no-keepalived), then time the /metrics path: with a round of advert traffic and 5 ms idle
// before each scrape (as real scrapes come, every 15 s: the CPU and caches are cold — on this VM
// everything, prom-client included, runs 2–3× slower after a sleep), and back-to-back.
// Goal (issue 6): p99 ≤ 5 ms at 255 instances — a scrape must not delay an advert.
//
//   ./node_modules/.bin/bun bench/metrics.ts [instances=255] [iterations=1000] [--no-keepalived]

import { Registry } from "../src/http/registry.ts";
import { createMetrics } from "../src/http/metrics.ts";
import { createApp } from "../src/http/app.ts";
import type { DaemonStatus, InstanceLabels, StatusSource } from "../src/runtime/ports.ts";
import { DROP_REASONS } from "../src/protocol/reasons.ts";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const N = Number(args[0] ?? 255);
const ITER = Number(args[1] ?? 1000);
const keepalived = !process.argv.includes("--no-keepalived");
const GOAL_P99_MS = 5;

const registry = new Registry();
const m = createMetrics(registry, { keepalivedExporterNames: keepalived, version: "0.1.0", commit: "bench" });

const status: DaemonStatus = {
  version: "0.1.0",
  routerId: "bench",
  startedAtWallMs: Date.now(),
  configFile: "/etc/vigil/vigil.toml",
  lastReload: null,
  instances: [],
};
const source: StatusSource = { status: () => status };
m.bindStatus(source);

// Deterministic pseudo-random so runs compare.
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

for (let i = 0; i < N; i++) {
  const vrid = (i % 255) + 1;
  const l: InstanceLabels = { instance: `VI_${i + 1}`, interface: `eth${i % 4}`, vrid: String(vrid) };
  const master = i % 2 === 0;
  const intervalS = i % 3 === 0 ? 0.02 : 1;
  status.instances.push({
    name: l.instance,
    interface: l.interface,
    vrid,
    version: 3,
    family: 4,
    state: master ? "master" : "backup",
    basePriority: 100,
    effectivePriority: 100,
    masterAddress: `10.99.${i % 4}.1`,
    advertIntervalCs: intervalS * 100,
    masterAdvertIntervalCs: intervalS * 100,
    virtualIps: [`192.0.2.${vrid}/24`, `10.98.${i % 250}.1/24`],
    advertsSent: 0,
    advertsReceived: 0,
    lastTransition: null,
    faults: [],
  });
  m.state(l, "init");
  m.priority(l, 100, master ? 110 : 90);
  m.transition(l, "init", "backup", "startup", Date.now());
  if (master) m.transition(l, "backup", "master", "master-down-timeout", Date.now());
  m.masterInfo(l, `10.99.${i % 4}.${master ? 2 : 1}`);
  m.garpSent(l, 5);
  for (let k = 0; k < 500; k++) {
    // Both directions: the bench covers a reload history where roles swapped at least once.
    m.advertSent(l, 100);
    m.advertReceived(l, k === 0 ? 0 : 110);
    m.advertGap(l, "sent", intervalS + (rnd() - 0.5) * intervalS * 0.05);
    m.advertGap(l, "received", intervalS + (rnd() - 0.5) * intervalS * 0.05);
  }
  m.dropped(l, DROP_REASONS[i % DROP_REASONS.length]!);
  m.checksumForm(l, i % 2 ? "pseudo-header" : "vrrp-only");
}

const app = createApp({ status: source, metrics: m });
const labels = status.instances.map((i) => ({ instance: i.name, interface: i.interface, vrid: String(i.vrid) }));

/** One round of advert traffic on every instance, as between two real scrapes. */
function traffic(): void {
  for (const l of labels) {
    m.advertSent(l, 100);
    m.advertGap(l, "sent", 1 + (rnd() - 0.5) * 0.01);
    m.advertReceived(l, 110);
    m.advertGap(l, "received", 0.02 + (rnd() - 0.5) * 0.002);
  }
}

type Stats = { p50: number; p99: number; max: number };
const stats = (samples: number[]): Stats => {
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50: q(0.5), p99: q(0.99), max: samples[samples.length - 1]! };
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Wall time and CPU time of each call. On a shared VM the wall p99 includes time other processes
 * held the CPU (see the memcpy reference line); the CPU time is what the scrape itself costs.
 * `gapMs` > 0: a round of advert traffic and idle time between samples, as real scrapes have.
 */
async function time(fn: () => Promise<unknown>, gapMs: number): Promise<{ wall: Stats; cpu: Stats }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 100; i++) await fn(); // warm-up (JIT)
  for (let i = 0; i < ITER; i++) {
    if (gapMs > 0) {
      traffic();
      await Bun.sleep(gapMs);
    }
    const c0 = cpuMs();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return { wall: stats(wall), cpu: stats(cpu) };
}

// What an advert timer sees: lateness of a 1 ms timer chain, idle and beside back-to-back
// scrapes — how long a scrape holds the event loop in one piece (scrape() yields every 0.5 ms).
async function timerLateness(ms: number, scraping: boolean): Promise<{ p99: number; max: number }> {
  const late: number[] = [];
  let running = true;
  const arm = () => {
    const due = performance.now() + 1;
    setTimeout(() => {
      late.push(performance.now() - due);
      if (running) arm();
    }, 1);
  };
  arm();
  const end = performance.now() + ms;
  while (performance.now() < end) await (scraping ? m.scrape() : Bun.sleep(10));
  running = false;
  await Bun.sleep(5);
  late.sort((a, b) => a - b);
  return { p99: late[Math.floor(late.length * 0.99)]!, max: late[late.length - 1]! };
}

const text = new TextDecoder().decode((await m.scrape()).slice());
const lines = text.split("\n").filter((x) => x && !x.startsWith("#")).length;
console.log(`instances ${N}, keepalived names ${keepalived ? "on" : "off"}: ${lines} series, ${(text.length / 1024).toFixed(0)} KiB, ${ITER} scrapes each`);

const ms = (r: Stats) => `p50 ${r.p50.toFixed(2)}  p99 ${r.p99.toFixed(2)}  max ${r.max.toFixed(2)} ms`;
const report = (label: string, r: { wall: Stats; cpu: Stats }) =>
  console.log(
    `${label.padEnd(34)} wall ${ms(r.wall)}   cpu ${ms(r.cpu)}   goal p99 ≤ ${GOAL_P99_MS} ms: ` +
      `wall ${r.wall.p99 <= GOAL_P99_MS ? "OK" : "MISSED"}, cpu ${r.cpu.p99 <= GOAL_P99_MS ? "OK" : "MISSED"}`,
  );
const src = new Uint8Array(text.length);
const dst = new Uint8Array(text.length);
report(`reference: memcpy of ${(text.length / 1024).toFixed(0)} KiB`, await time(async () => dst.set(src), 5));
report("metrics.scrape(), traffic between", await time(() => m.scrape(), 5));
report("GET /metrics via Hono, same", await time(async () => (await app.request("/metrics")).arrayBuffer(), 5));
report("metrics.scrape(), back-to-back", await time(() => m.scrape(), 0));
{
  // The hot path: what one advert costs the advert thread in sink calls.
  const rounds = 2000;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) traffic();
  const ns = ((performance.now() - t0) * 1e6) / (rounds * labels.length * 4);
  console.log(`sink call (advertSent/advertReceived/advertGap): ${ns.toFixed(0)} ns each`);
}
const idle = await timerLateness(2000, false);
const busy = await timerLateness(2000, true);
console.log(
  `1 ms timer lateness: idle p99 ${idle.p99.toFixed(2)} / max ${idle.max.toFixed(2)} ms; ` +
    `beside back-to-back scrapes p99 ${busy.p99.toFixed(2)} / max ${busy.max.toFixed(2)} ms`,
);
