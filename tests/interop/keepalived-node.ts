// Runs Debian's keepalived inside a lab node (never outside a namespace) and reads its state the way
// an operator would: its own log lines "(VI_1) Entering MASTER STATE" and `ip -br a`.
//
//   const ka = startKeepalived(lab, "r1", conf);
//   await ka.waitState("master");
//   await ka.crash();        // SIGKILL of both processes: no priority-0 advert, VIPs left behind
//   await ka.stop();         // SIGTERM: priority-0 advert, VIPs removed, exit 0
//
// Every file keepalived writes (pid files, config) lives in a private temp dir, so it never touches
// /run/keepalived*.pid of the machine. `lab.cleanup()` kills whatever is left (lab.spawn tracks the
// process; `killAll()` below also kills the VRRP child by its pid file).
import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectOutput, type Lab } from "../netns/lab.ts";

export const KEEPALIVED = process.env.VIGIL_KEEPALIVED ?? "/usr/sbin/keepalived";

export type KaState = "master" | "backup" | "fault";

export interface KeepalivedNode {
  readonly kind: "keepalived";
  readonly node: string;
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  readonly dir: string;
  log(): string;
  /** Every "Entering X STATE" of `instance` (default: any) in order. */
  transitions(instance?: string): KaState[];
  /** The last state entered, or "init" before the first. */
  state(instance?: string): KaState | "init";
  /** Waits until the last entered state is `state`; returns performance.now() when seen. */
  waitState(state: KaState, opts?: { instance?: string; timeoutMs?: number }): Promise<number>;
  /** Waits for a log line matching `re`. */
  waitLog(re: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM to the parent: keepalived resigns (priority 0), removes VIPs, exits. Returns exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL of the VRRP child and the parent together: a crash. */
  crash(): Promise<void>;
  /** Pid of the VRRP child process (from its pid file), if running. */
  vrrpPid(): number | undefined;
}

export interface KaStartOptions {
  binary?: string;
  extraArgs?: string[];
}

const vrrpFlag = new Map<string, boolean>();
function hasVrrpFlag(bin: string): boolean {
  let v = vrrpFlag.get(bin);
  if (v === undefined) {
    const r = Bun.spawnSync([bin, "--help"], { stdout: "pipe", stderr: "pipe" });
    v = /^\s*-P, --vrrp\s/m.test(r.stderr.toString() + r.stdout.toString());
    vrrpFlag.set(bin, v);
  }
  return v;
}

const STATE_RE = /\((\S+)\) Entering (MASTER|BACKUP|FAULT) STATE/g;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function startKeepalived(lab: Lab, node: string, conf: string, opts: KaStartOptions = {}): KeepalivedNode {
  const dir = mkdtempSync(join(tmpdir(), `ka-${node}-`));
  const confPath = join(dir, "keepalived.conf");
  const pid = join(dir, "keepalived.pid");
  const vrrpPidFile = join(dir, "vrrp.pid");
  writeFileSync(confPath, conf);
  const bin = opts.binary ?? KEEPALIVED;
  const argv = [
    bin,
    `--use-file=${confPath}`,
    `--pid=${pid}`,
    `--vrrp_pid=${vrrpPidFile}`,
    "--dont-fork",
    "--log-console",
    "--log-detail",
    "--no-syslog",
    "--dont-respawn",
    ...(opts.extraArgs ?? []),
    // A build without LVS has no --vrrp, and getopt reads it as an abbreviation of --vrrp_pid.
    ...(hasVrrpFlag(bin) ? ["--vrrp"] : []),
  ];
  // `ip netns exec` execs keepalived: proc.pid is keepalived's parent process.
  const proc = lab.spawn(node, argv);
  const collected = collectOutput(proc);

  const transitions = (instance?: string): KaState[] => {
    const res: KaState[] = [];
    for (const m of collected.text.matchAll(STATE_RE)) {
      if (instance === undefined || m[1] === instance) res.push(m[2]!.toLowerCase() as KaState);
    }
    return res;
  };
  const state = (instance?: string) => transitions(instance).at(-1) ?? "init";
  const vrrpPid = () => {
    if (!existsSync(vrrpPidFile)) return undefined;
    const n = Number.parseInt(readFileSync(vrrpPidFile, "utf8").trim(), 10);
    return Number.isInteger(n) && n > 0 && alive(n) ? n : undefined;
  };

  return {
    kind: "keepalived",
    node,
    proc,
    dir,
    log: () => collected.text,
    transitions,
    state,
    vrrpPid,
    async waitState(want, o = {}) {
      const deadline = performance.now() + (o.timeoutMs ?? 15_000);
      while (performance.now() < deadline) {
        if (state(o.instance) === want) return performance.now();
        if (proc.exitCode !== null) break;
        await Bun.sleep(20);
      }
      throw new Error(`keepalived in ${node}: state ${state(o.instance)} (exit ${proc.exitCode}), wanted ${want}\n${collected.text}`);
    },
    async waitLog(re, timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        if (re.test(collected.text)) return;
        await Bun.sleep(20);
      }
      throw new Error(`keepalived in ${node}: no log line matched ${re}\n${collected.text}`);
    },
    async stop(timeoutMs = 10_000) {
      proc.kill("SIGTERM");
      const code = await Promise.race([proc.exited, Bun.sleep(timeoutMs).then(() => null)]);
      if (code === null) await this.crash();
      return code;
    },
    async crash() {
      const child = vrrpPid();
      if (child !== undefined) process.kill(child, "SIGKILL");
      proc.kill("SIGKILL");
      await proc.exited;
      // The child is in the namespace's pid space of the host: wait until it is gone.
      for (let i = 0; child !== undefined && alive(child) && i < 200; i++) await Bun.sleep(10);
    },
  };
}

/** Kills what is still running and removes the temp dirs; call in afterEach before lab.cleanup(). */
export async function cleanupKeepalived(nodes: (KeepalivedNode | undefined)[]): Promise<void> {
  for (const n of nodes) {
    if (!n) continue;
    if (n.proc.exitCode === null || n.vrrpPid() !== undefined) await n.crash();
    rmSync(n.dir, { recursive: true, force: true });
  }
}

/** Pids of every process still running in a namespace (`ip netns pids`). */
export function nsPids(ns: string): number[] {
  const r = Bun.spawnSync(["ip", "netns", "pids", ns], { stdout: "pipe", stderr: "pipe" });
  return r.stdout
    .toString()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}
