// Start-up of every built vigil executable that runs on this host: process start → first VRRP
// advert on the wire (a priority-255 router, the address owner, advertises at once), and the wall
// time of `vigil version`; plus the size of all four targets. Binaries that cannot run here
// (another CPU, musl without its loader) are reported with the reason.
//   bun bench/startup.ts [runs=10]        as root (namespaces); `bun packaging/build.ts` first
//   bun bench/startup.ts [runs] --compare=BIN_A,BIN_B[,…]   start → first advert only, the binaries
//     interleaved run by run (the order alternating): this host's speed drifts between batches, so
//     only interleaved runs compare two builds
// The wire is watched by the host binary's own capture (`vigil demo --probe`, src/demo/probe.ts)
// in a client namespace, on CLOCK_MONOTONIC like the spawn time, so the two compare to the µs.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicMs } from "../src/os/linux/libc.ts";
import { DemoLab } from "../src/demo/lab.ts";
import { SEED_R1_CONF, VIP } from "../src/demo/seed.ts";
import { Watch } from "../src/demo/watch.ts";

const ROOT = join(import.meta.dir, "..");
const RUNS = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 10);
const COMPARE = process.argv.find((a) => a.startsWith("--compare="))?.slice("--compare=".length).split(",");
const FILES = ["vigil", "vigil-linux-x64", "vigil-linux-x64-musl", "vigil-linux-arm64", "vigil-linux-arm64-musl"];

interface Row {
  file: string;
  mib: string;
  runs: boolean;
  why?: string;
  version?: number[];
  firstAdvert?: number[];
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (
  xs: number[] | undefined,
) => (xs && xs.length ? `${pct(xs, 50).toFixed(1)} ms (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})` : "-");

function runsHere(cmd: string[]): { ok: boolean; why?: string } {
  try {
    const r = Bun.spawnSync([...cmd, "version"], { stdout: "pipe", stderr: "pipe" });
    if (r.exitCode === 0) return { ok: true };
    return { ok: false, why: r.stderr.toString().trim().split("\n")[0] || `exit ${r.exitCode}` };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // execve: ENOENT for an existing file means its ELF interpreter is missing (musl's loader).
    if (code === "ENOENT") return { ok: false, why: "ENOENT: no musl loader (/lib/ld-musl-*.so.1) and libstdc++ for musl on this host" };
    if (code === "ENOEXEC") return { ok: false, why: `ENOEXEC: built for another CPU (host is ${process.arch})` };
    return { ok: false, why: (e as Error).message.split("\n")[0] };
  }
}

function versionTimes(cmd: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    Bun.spawnSync([...cmd, "version"], { stdout: "ignore", stderr: "ignore" });
    out.push(performance.now() - t);
  }
  return out;
}

/** Spawn → first advert from r1, once; the VIP is removed after (each run has its own journal). */
async function firstAdvert(lab: DemoLab, watch: Watch, cmd: string[], dir: string): Promise<number> {
  const conf = join(dir, "r1.conf");
  writeFileSync(conf, SEED_R1_CONF);
  const state = join(dir, `state-${Math.random().toString(16).slice(2)}`);
  const t0 = monotonicMs();
  const p = lab.spawn("r1", [...cmd, "run", "--config", conf, "--http", "", "--state-dir", state], { stdout: "pipe", stderr: "pipe" });
  try {
    return (await watch.advertFrom(lab.nodes.r1.address, t0, 10_000)).t - t0;
  } finally {
    p.kill("SIGKILL");
    await p.exited;
    Bun.spawnSync(["ip", "-n", lab.nodes.r1.ns, "addr", "del", `${VIP}/24`, "dev", "eth0"], { stderr: "ignore" });
  }
}

async function firstAdvertTimes(lab: DemoLab, watch: Watch, cmd: string[], dir: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await firstAdvert(lab, watch, cmd, dir));
  return out;
}

/** --compare: RUNS rounds, each binary once per round, the order reversed every other round. */
async function compare(bins: string[]): Promise<void> {
  const lab = new DemoLab();
  const dir = mkdtempSync(join(tmpdir(), `vigil-bench-${process.pid}-`));
  lab.trackTempDir(dir);
  const times = bins.map((): number[] => []);
  try {
    lab.create();
    const watch = await Watch.start(lab, [host], VIP);
    for (let i = 0; i < RUNS; i++) {
      const order = bins.map((_, j) => j);
      if (i % 2) order.reverse();
      for (const j of order) times[j]!.push(await firstAdvert(lab, watch, [bins[j]!], dir));
    }
    watch.stop();
  } finally {
    await lab.cleanup();
  }
  console.log(`start → first advert, ${RUNS} runs each, interleaved; host ${process.arch}, bun ${Bun.version}\n`);
  console.log(`${"binary".padEnd(40)} ${"p25".padStart(8)} ${"p50".padStart(8)} ${"p75".padStart(8)} ${"min".padStart(8)}`);
  bins.forEach((b, j) => {
    const xs = times[j]!;
    const col = (v: number) => `${v.toFixed(1)} ms`.padStart(8);
    console.log(`${b.padEnd(40)} ${col(pct(xs, 25))} ${col(pct(xs, 50))} ${col(pct(xs, 75))} ${col(Math.min(...xs))}`);
  });
}

if (process.getuid?.() !== 0) {
  console.error("bench/startup.ts: needs root (network namespaces)");
  process.exit(2);
}
const host = join(ROOT, "dist", "vigil");
if (!existsSync(host)) {
  console.error("bench/startup.ts: dist/vigil missing: bun packaging/build.ts");
  process.exit(2);
}

if (COMPARE) {
  await compare(COMPARE);
  process.exit(0);
}

const rows: Row[] = FILES.map((file) => {
  const path = join(ROOT, "dist", file);
  if (!existsSync(path)) return { file, mib: "-", runs: false, why: "not built" };
  const r = runsHere([path]);
  return { file, mib: (statSync(path).size / 1048576).toFixed(1), runs: r.ok, why: r.why };
});
rows.push({ file: "bun main.ts (source)", mib: "-", runs: true });

const lab = new DemoLab();
const dir = mkdtempSync(join(tmpdir(), `vigil-bench-${process.pid}-`));
lab.trackTempDir(dir);
try {
  lab.create();
  const watch = await Watch.start(lab, [host], VIP);
  for (const row of rows.filter((r) => r.runs)) {
    const cmd = row.file.startsWith("bun ") ? [process.execPath, join(ROOT, "main.ts")] : [join(ROOT, "dist", row.file)];
    row.version = versionTimes(cmd);
    row.firstAdvert = await firstAdvertTimes(lab, watch, cmd, dir);
  }
  watch.stop();
} finally {
  await lab.cleanup();
}

console.log(`vigil start-up, ${RUNS} runs each (p50, min–max); host ${process.arch}, bun ${Bun.version}\n`);
console.log(`${"binary".padEnd(26)} ${"size MiB".padStart(9)}  ${"start → first advert".padEnd(28)} ${"`vigil version` wall".padEnd(28)}`);
for (const r of rows) {
  const tail = r.runs ? `${fmt(r.firstAdvert).padEnd(28)} ${fmt(r.version)}` : `does not run here: ${r.why}`;
  console.log(`${r.file.padEnd(26)} ${r.mib.padStart(9)}  ${tail}`);
}
rmSync(dir, { recursive: true, force: true });
