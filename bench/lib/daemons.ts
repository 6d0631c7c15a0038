// The daemons under measurement, started inside lab nodes: vigil (a chosen binary, by default a
// private copy of dist/vigil so a concurrent rebuild cannot swap it mid-run) and Debian's
// keepalived (VRRP child only, private pid files). Config text is keepalived syntax for both. And
// the C floor sender: the host's own timing floor, beside them in the jitter figures.
import type { Subprocess } from "bun";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Lab } from "../../tests/netns/lab.ts";
import { onCleanup } from "./cleanup.ts";

export const ROOT = join(import.meta.dir, "..", "..");
const BUN = process.execPath;

export interface Instance {
  vrid: number;
  priority: number;
  version: 2 | 3;
  /** advert_int in seconds (0.02 = 20 ms, v3 only below 1 s). */
  advertSec: number;
  vips: string[];
  name?: string;
  state?: "MASTER" | "BACKUP";
}

/** keepalived.conf text for a list of instances on eth0; `global` lines go into global_defs. */
export function keepalivedConf(instances: Instance[], global: string[] = []): string {
  const g = global.length ? `global_defs {\n${global.map((l) => `\t${l}\n`).join("")}}\n\n` : "";
  return (
    g +
    instances
      .map(
        (i) =>
          `vrrp_instance ${i.name ?? `VI_${i.vrid}`} {
\tinterface eth0
\tvirtual_router_id ${i.vrid}
\tversion ${i.version}
\tpriority ${i.priority}
\tadvert_int ${i.advertSec}
${i.state ? `\tstate ${i.state}\n` : ""}\tvirtual_ipaddress {
${i.vips.map((v) => `\t\t${v}\n`).join("")}\t}
}
`,
      )
      .join("\n")
  );
}

/**
 * Copies dist/vigil (building it if missing) to a temp dir removed at cleanup and returns the
 * copy's path; `--binary PATH` on a benchmark's command line overrides.
 */
export function benchBinary(argv: string[]): string {
  const flag = argv.find((a) => a.startsWith("--binary="));
  if (flag) return flag.slice("--binary=".length);
  const dist = join(ROOT, "dist", "vigil");
  if (!existsSync(dist) || statSync(dist).size === 0) {
    const r = Bun.spawnSync([BUN, join(ROOT, "packaging", "build.ts"), "--host"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`build failed: ${r.stderr.toString()}`);
  }
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-bin-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, "vigil");
  copyFileSync(dist, copy);
  Bun.spawnSync(["chmod", "755", copy]);
  return copy;
}

export interface Daemon {
  readonly node: string;
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  readonly dir: string;
  log(): string;
  /** PIDs whose CPU and memory count for this daemon (keepalived: parent + VRRP child). */
  pids(): number[];
  kill(sig: NodeJS.Signals): void;
  exited(timeoutMs?: number): Promise<number | null>;
}

function drainInto(p: Subprocess<"pipe", "pipe", "pipe">): () => string {
  let out = "";
  const dec = new TextDecoder();
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) out += dec.decode(c, { stream: true });
  };
  void drain(p.stdout);
  void drain(p.stderr);
  return () => out;
}

function exitedFn(p: Subprocess): (timeoutMs?: number) => Promise<number | null> {
  return async (timeoutMs = 10_000) => {
    const code = await Promise.race([p.exited, Bun.sleep(timeoutMs).then(() => null)]);
    if (code === null) {
      p.kill("SIGKILL");
      await p.exited;
    }
    return code;
  };
}

export interface VigilDaemon extends Daemon {
  status(): { instances: { name: string; vrid: number; state: string }[] } | null;
  /** Polls /status until every instance (or `vrid`) is in `state`. */
  waitState(state: string, opts?: { vrid?: number; timeoutMs?: number }): Promise<void>;
}

export interface VigilStart {
  binary: string;
  extraArgs?: string[];
  /** Reuse the state dir of an earlier run (restart after SIGKILL cleans its stale VIPs). */
  dir?: string;
}

export function startVigil(lab: Lab, node: string, config: string, o: VigilStart): VigilDaemon {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), `vigil-bench-${node}-`));
  if (!o.dir) onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, "vigil.conf");
  writeFileSync(conf, config);
  const url = "http://127.0.0.1:9650";
  const proc = lab.spawn(node, [o.binary, "run", "--config", conf, "--http", "127.0.0.1:9650", "--state-dir", join(dir, "state"), ...(o.extraArgs ?? [])]);
  const log = drainInto(proc);
  const status = () => {
    const r = lab.exec(node, [o.binary, "status", "--url", url, "--json"], { allowFail: true });
    if (r.code !== 0) return null;
    return JSON.parse(r.stdout) as { instances: { name: string; vrid: number; state: string }[] };
  };
  return {
    node,
    proc,
    dir,
    log,
    pids: () => [proc.pid],
    kill: (sig) => proc.kill(sig),
    exited: exitedFn(proc),
    status,
    async waitState(state, w = {}) {
      const deadline = performance.now() + (w.timeoutMs ?? 20_000);
      let last = "unreachable";
      while (performance.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`vigil in ${node} exited (${proc.exitCode}):\n${log()}`);
        const s = status();
        const list = s?.instances.filter((i) => w.vrid === undefined || i.vrid === w.vrid) ?? [];
        if (list.length > 0 && list.every((i) => i.state === state)) return;
        last = s ? [...new Set(list.map((i) => i.state))].join(",") : "unreachable";
        await Bun.sleep(50);
      }
      throw new Error(`vigil in ${node}: ${last}, wanted ${state}\n${log().slice(-2000)}`);
    },
  };
}

/** keepalived -n -l -D --vrrp with pid files in its own dir (other keepalived runs stay apart). */
export function startKeepalived(lab: Lab, node: string, config: string): Daemon {
  const dir = mkdtempSync(join(tmpdir(), `keepalived-bench-${node}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, "keepalived.conf");
  writeFileSync(conf, config);
  const proc = lab.spawn(node, ["keepalived", "-n", "-l", "-D", "-G", "--vrrp", "-f", conf, "-p", join(dir, "k.pid"), "-r", join(dir, "v.pid")]);
  const log = drainInto(proc);
  const vrrpPid = () => {
    try {
      return Number(readFileSync(join(dir, "v.pid"), "utf8").trim()) || null;
    } catch {
      return null;
    }
  };
  const pids = () => [proc.pid, ...[vrrpPid()].filter((p): p is number => p !== null)];
  // The VRRP child must not outlive the bench if the parent is SIGKILLed by the lab cleanup.
  onCleanup(async () => {
    const all = pids();
    signalIfKeepalived(all, "SIGTERM");
    await Promise.race([proc.exited, Bun.sleep(2000)]);
    await Bun.sleep(100);
    signalIfKeepalived(all, "SIGKILL");
  });
  return {
    node,
    proc,
    dir,
    log,
    pids,
    kill: (sig) => proc.kill(sig),
    exited: exitedFn(proc),
  };
}

/**
 * Builds bench/lib/floor-sender.c with the system's cc into a temp dir (removed at cleanup); null
 * when there is no C compiler (`apt-get install gcc`).
 */
export function buildFloorSender(): string | null {
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-floor-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, "floor-sender");
  const r = Bun.spawnSync(["cc", "-O2", "-o", bin, join(ROOT, "bench", "lib", "floor-sender.c")], { stdout: "pipe", stderr: "pipe" });
  return r.exitCode === 0 ? bin : null;
}

/** The C floor sender (see floor-sender.c): an advert every periodMs at SCHED_RR rtPrio (0: none). */
export function startFloorSender(lab: Lab, node: string, bin: string, periodMs: number, rtPrio: number, vip: string): Daemon {
  const proc = lab.spawn(node, [bin, String(periodMs), String(rtPrio), "eth0", vip]);
  const log = drainInto(proc);
  return { node, proc, dir: "", log, pids: () => [proc.pid], kill: (sig) => proc.kill(sig), exited: exitedFn(proc) };
}

/** Signals only PIDs that still are keepalived (a PID written to a pid file may have been reused). */
function signalIfKeepalived(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "keepalived") process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

export function hasKeepalived(): boolean {
  return Bun.spawnSync(["sh", "-c", "command -v keepalived"], { stdout: "ignore" }).exitCode === 0;
}
