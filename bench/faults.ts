// The fail-safe paths of tests/faults, run as a bench: one line per case with what happened and
// how long it took, beside the bound that applies. Real kernel, network namespaces, compiled
// binary (dist/vigil, or VIGIL_BINARY=... to measure another build). As root:
//
//   bun bench/faults.ts            # every case
//   bun bench/faults.ts reload     # cases whose name contains "reload"
//
// Figures are wall-clock on this machine: read them beside the formula, never as a test.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bombs } from "./check-bombs.ts";
import { BUN, createLab, type Lab } from "../tests/netns/lab.ts";
import { holds, scrape, sum } from "../tests/netns/scenario-kit.ts";
import { ensureBinary, removeDirs, ROOT, startVigil, vigilArgv, type VigilNode } from "../tests/netns/vigil-node.ts";
import { conf, netnsId, VIP } from "../tests/faults/kit.ts";

interface Row {
  case: string;
  outcome: string;
  figures: string;
}

const rows: Row[] = [];
const only = process.argv[2];

async function run(name: string, nodes: string[], body: (l: Lab, started: VigilNode[]) => Promise<Omit<Row, "case">>): Promise<void> {
  if (only && !name.includes(only)) return;
  const l = createLab({ nodes, prefix: "vgb" });
  const started: VigilNode[] = [];
  try {
    const r = await body(l, started);
    rows.push({ case: name, ...r });
  } catch (e) {
    rows.push({ case: name, outcome: "ERROR", figures: (e as Error).message.split("\n")[0]!.slice(0, 120) });
  } finally {
    await l.cleanup();
    removeDirs(started);
  }
  console.error(`${name}: ${rows.at(-1)!.outcome}`);
}

const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;

async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<number> {
  const t0 = performance.now();
  while (!(await pred())) {
    if (performance.now() - t0 > timeoutMs) throw new Error("timed out");
    await Bun.sleep(5);
  }
  return performance.now();
}

/** tcpdump -v lines → capture timestamps (s since midnight) of adverts from `src` with priority > 0. */
function advertTimes(lines: string[], src: string): number[] {
  const out: number[] = [];
  for (const line of lines) {
    if (!line.includes(`${src} > 224.0.0.18`) || / prio 0\b/.test(line)) continue;
    const m = /^(\d+):(\d+):(\d+\.\d+)/.exec(line);
    if (m) out.push(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]));
  }
  return out;
}

const maxGapMs = (t: number[]) => t.slice(1).reduce((m, x, i) => Math.max(m, (x - t[i]!) * 1000), 0);

ensureBinary();

await run("last resort (injected throw)", ["r1", "r2"], async (l, s) => {
  const trigger = `/tmp/vigil-bench-trigger-${l.id}`;
  try {
    const command = ["env", `VIGIL_INJECT_THROW=${trigger}`, BUN, "--preload", join(ROOT, "tests/faults/inject-throw.ts"), join(ROOT, "main.ts")];
    const r1 = startVigil(l, "r1", conf(200), { command });
    s.push(r1);
    await r1.waitState("master");
    const r2 = startVigil(l, "r2", conf(100));
    s.push(r2);
    await r2.waitState("backup");
    writeFileSync(trigger, "now");
    const t0 = performance.now();
    const code = await r1.exited(20_000);
    const exitMs = ms(t0);
    await until(() => holds(l, "r2", VIP));
    return {
      outcome: `exit ${code}, VIP on r1: ${holds(l, "r1", VIP)}`,
      figures: `exit ${exitMs}; backup holds the VIP ${ms(t0)} after the throw (skew ≈ 61 ms at 100 ms adverts)`,
    };
  } finally {
    rmSync(trigger, { force: true });
  }
});

await run("journal EISDIR", ["r1"], async (l, s) => {
  const state = mkdtempSync("/tmp/vigil-bench-state-");
  try {
    mkdirSync(join(state, `owned-${netnsId(l, "r1")}.json`));
    const r1 = startVigil(l, "r1", conf(200), { stateDir: state });
    s.push(r1);
    await r1.waitState("master");
    await Bun.sleep(500);
    const n = sum(scrape(l, "r1"), "vigil_state_write_errors_total");
    return {
      outcome: r1.proc.exitCode === null ? "survived, master" : `exited ${r1.proc.exitCode}`,
      figures: `${n} write error(s) counted, VIP held: ${holds(l, "r1", VIP)}`,
    };
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});

await run("VIP interface vanished (vip-failed)", ["r1", "r2"], async (l, s) => {
  const r2 = startVigil(l, "r2", conf(100));
  s.push(r2);
  await r2.waitState("master");
  l.exec("r1", ["ip", "link", "add", "vip0", "type", "veth", "peer", "name", "vip0p"]);
  l.exec("r1", ["ip", "link", "set", "vip0", "up"]);
  const r1 = startVigil(l, "r1", conf(200, { vips: [`${VIP} dev vip0`], extra: ["preempt_delay 2"] }));
  s.push(r1);
  await r1.waitState("backup");
  l.exec("r1", ["ip", "link", "del", "vip0"]);
  await r1.waitState("fault", { timeoutMs: 30_000 });
  const t0 = performance.now();
  await until(() => holds(l, "r2", VIP));
  return { outcome: "r1 Fault, r2 holds the VIP", figures: `r2 holds it ${ms(t0)} after r1's Fault was seen (retries 250+500+1000 ms before the Fault)` };
});

await run("SIGTERM during a reload's handover", ["r1"], async (l, s) => {
  const r1 = startVigil(l, "r1", conf(200, { advertInt: 1 }));
  s.push(r1);
  await r1.waitState("master");
  r1.rewriteConfig(conf(200, { advertInt: 1, vrid: 52, vips: ["10.99.0.101/24"] }));
  r1.signal("SIGHUP");
  await r1.waitLog("reload: applying", 10_000);
  const t0 = performance.now();
  r1.signal("SIGTERM");
  const code = await r1.exited(20_000);
  const left = l.exec("r1", ["ip", "-br", "a"]).stdout.match(/10\.99\.0\.10[01]\/24/g) ?? [];
  return { outcome: `exit ${code}, VIPs left: ${left.length}`, figures: `stop ${ms(t0)} (bound min(3 × 1 s, 10 s) = 3000 ms)` };
});

await run("two SIGHUPs in a row", ["r1"], async (l, s) => {
  const r1 = startVigil(l, "r1", conf(200));
  s.push(r1);
  await r1.waitState("master");
  const t0 = performance.now();
  r1.rewriteConfig(conf(150, { vrid: 52, vips: ["10.99.0.101/24"] }));
  r1.signal("SIGHUP");
  r1.rewriteConfig(conf(180, { vrid: 53, vips: ["10.99.0.102/24"] }));
  r1.signal("SIGHUP");
  await until(async () => (await r1.status().catch(() => null))?.instances.every((i) => i.vrid === 53 && i.state === "master") ?? false);
  return { outcome: `final vrid 53, VIP .102: ${l.exec("r1", ["ip", "-br", "a"]).stdout.includes("10.99.0.102/24")}`, figures: `both applied in ${ms(t0)}` };
});

/** A master at `advertInt` while `text` is reloaded: the largest advert gap seen on the wire. */
async function reloadUnderLoad(l: Lab, s: VigilNode[], text: (base: string) => string, advertInt: number): Promise<Omit<Row, "case">> {
  const base = conf(200, { advertInt });
  const r1 = startVigil(l, "r1", base);
  s.push(r1);
  await r1.waitState("master");
  const cap = await l.capture("r2", "proto 112");
  await Bun.sleep(500);
  r1.rewriteConfig(text(base));
  const t0 = performance.now();
  r1.signal("SIGHUP");
  await until(() => /configuration reloaded|reload refused/.test(r1.log().split("SIGHUP: reloading")[1] ?? ""), 60_000);
  const reloadMs = ms(t0);
  await Bun.sleep(300);
  const times = advertTimes(await cap.stop(), "10.99.0.1");
  return {
    outcome: /reload refused/.test(r1.log()) ? "refused" : "reloaded",
    figures: `reload ${reloadMs}; ${times.length} adverts, max gap ${maxGapMs(times).toFixed(2)} ms (period ${advertInt * 1000} ms)`,
  };
}

await run("baseline: master at 20 ms, no reload", ["r1", "r2"], async (l, s) => {
  const r1 = startVigil(l, "r1", conf(200, { advertInt: 0.02 }));
  s.push(r1);
  await r1.waitState("master");
  const cap = await l.capture("r2", "proto 112");
  await Bun.sleep(2000);
  const times = advertTimes(await cap.stop(), "10.99.0.1");
  return { outcome: "reference", figures: `${times.length} adverts in 2 s, max gap ${maxGapMs(times).toFixed(2)} ms (period 20 ms)` };
});

await run("reload of a 4 MiB config, master at 20 ms", ["r1", "r2"], async (l, s) => {
  // The running instance plus ~4 MiB of instances on an interface that does not exist (they wait).
  const big = bombs()["valid-4MiB-255-instances"]!.replaceAll("vrrp_instance VI_", "vrrp_instance BIG_").replaceAll(/\beth\d+/g, "absent0");
  return reloadUnderLoad(l, s, (base) => `${base}\n${big}`, 0.02);
});

await run("reload of a parameter bomb, master at 20 ms", ["r1", "r2"], async (l, s) => {
  const bomb = ["$F0=abcdefgh", ...Array.from({ length: 8 }, (_, k) => `$F${k + 1}=${`\${F${k}}`.repeat(8)}`)].join("\n");
  return reloadUnderLoad(l, s, (base) => `${bomb}\n${base.replace(VIP, "${F8}")}`, 0.02);
});

await run("stop bound, alone at 10 s adverts", ["r1"], async (l, s) => {
  const r1 = startVigil(l, "r1", conf(255, { advertInt: 10 }));
  s.push(r1);
  await r1.waitState("master");
  const t0 = performance.now();
  r1.signal("SIGTERM");
  const code = await r1.exited(40_000);
  return { outcome: `exit ${code}, VIP left: ${holds(l, "r1", VIP)}`, figures: `stop ${ms(t0)} (bound min(3 × 10 s, 10 s) = 10000 ms; 0.1.0: 20 s hold)` };
});

await run("second SIGTERM, alone at 5 s adverts", ["r1"], async (l, s) => {
  const r1 = startVigil(l, "r1", conf(255, { advertInt: 5 }));
  s.push(r1);
  await r1.waitState("master");
  r1.signal("SIGTERM");
  await r1.waitLog("resigning and stopping");
  const t0 = performance.now();
  r1.signal("SIGTERM");
  const code = await r1.exited(20_000);
  return { outcome: `exit ${code}, VIP left: ${holds(l, "r1", VIP)}`, figures: `stop ${ms(t0)} after the second signal` };
});

await run("SIGUSR1 + SIGUSR2", ["r1"], async (l, s) => {
  const r1 = startVigil(l, "r1", conf(200));
  s.push(r1);
  await r1.waitState("master");
  const t0 = performance.now();
  r1.signal("SIGUSR1");
  r1.signal("SIGUSR2");
  await until(() => existsSync(join(r1.stateDir, "vigil.data")) && existsSync(join(r1.stateDir, "vigil.stats")), 10_000);
  return { outcome: r1.proc.exitCode === null ? "survived, both dumps written" : `exited ${r1.proc.exitCode}`, figures: `dumps in ${ms(t0)}` };
});

await run("track_file is a FIFO", ["r1"], async (l, s) => {
  const dir = mkdtempSync("/tmp/vigil-bench-fifo-");
  try {
    Bun.spawnSync(["mkfifo", join(dir, "maint")]);
    const t0 = performance.now();
    const r1 = startVigil(
      l,
      "r1",
      `vrrp_track_file maint {\n file ${join(dir, "maint")}\n weight 0\n}\n` + conf(200, { extra: ["track_file {", " maint", "}"] }),
    );
    s.push(r1);
    await r1.waitState("fault");
    return { outcome: "daemon answers, instance in Fault (track_file:maint)", figures: `/status answered ${ms(t0)} after start` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

await run("interface missing at start", ["r1"], async (l, s) => {
  const r1 = startVigil(l, "r1", conf(200).replace("interface eth0", "interface eth9"));
  s.push(r1);
  await r1.waitState("fault");
  l.exec("r1", ["ip", "link", "add", "eth9", "type", "veth", "peer", "name", "eth9p"]);
  l.exec("r1", ["ip", "addr", "add", "10.99.9.1/24", "dev", "eth9"]);
  l.exec("r1", ["ip", "link", "set", "eth9p", "up"]);
  const t0 = performance.now();
  l.exec("r1", ["ip", "link", "set", "eth9", "up"]);
  await r1.waitState("master", { timeoutMs: 20_000 });
  return { outcome: "waited in Fault, then master", figures: `master ${ms(t0)} after the interface came up (retry 1 s + Master_Down 3 × 100 ms + skew)` };
});

await run("HTTP port taken at start", ["r1"], async (l, s) => {
  const squatter = l.spawn("r1", [
    "python3",
    "-c",
    "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',9650))\ns.listen()\nprint('ready',flush=True)\ntime.sleep(60)",
  ]);
  await squatter.stdout.getReader().read();
  const t0 = performance.now();
  const r1 = startVigil(l, "r1", conf(200));
  s.push(r1);
  await until(() => holds(l, "r1", VIP));
  const vipMs = ms(t0);
  squatter.kill();
  const t1 = performance.now();
  await r1.waitLog("HTTP listener up", 20_000);
  return {
    outcome: "VRRP ran without HTTP, listener up later",
    figures: `VIP held ${vipMs} after start; listener up ${ms(t1)} after the port was freed (retry every 5 s)`,
  };
});

if (!only || "check".includes(only) || only === "check") {
  const dir = mkdtempSync("/tmp/vigil-bench-bombs-");
  try {
    for (const [name, text] of Object.entries(bombs())) {
      const f = join(dir, `${name}.conf`);
      writeFileSync(f, text);
      const t0 = performance.now();
      const r = Bun.spawnSync([...vigilArgv("compiled"), "check", "-c", f], { stdout: "ignore", stderr: "ignore" });
      rows.push({ case: `vigil check: ${name}`, outcome: `exit ${r.exitCode}`, figures: `${ms(t0)} (${(text.length / 1024).toFixed(0)} KiB; goal < 1 s)` });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const w = Math.max(...rows.map((r) => r.case.length));
const o = Math.max(...rows.map((r) => r.outcome.length));
console.log(`${"case".padEnd(w)}  ${"outcome".padEnd(o)}  figures`);
for (const r of rows) console.log(`${r.case.padEnd(w)}  ${r.outcome.padEnd(o)}  ${r.figures}`);
