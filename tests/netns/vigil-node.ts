// Runs a real vigil (the compiled dist/vigil, or main.ts from source) inside a lab node, and reads
// its state the way an operator would: `vigil status --json` against its own /status.
import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DaemonStatus, InstanceStatus } from "../../src/runtime/ports.ts";
import { BUN, collectOutput, type Lab } from "./lab.ts";

export const ROOT = join(import.meta.dir, "..", "..");
/** VIGIL_BINARY runs the suite against another build (e.g. an older release, to see a test fail on it). */
export const BINARY = process.env.VIGIL_BINARY ?? join(ROOT, "dist", "vigil");

export type VigilFlavour = "compiled" | "source";

/** The argv prefix that runs vigil: the compiled binary or bun + main.ts. */
export function vigilArgv(flavour: VigilFlavour): string[] {
  return flavour === "compiled" ? [BINARY] : [BUN, join(ROOT, "main.ts")];
}

/** Builds dist/vigil if it is missing (CI builds it before the tests; this keeps single files runnable). */
export function ensureBinary(): void {
  if (existsSync(BINARY) && statSync(BINARY).size > 0) return;
  const r = Bun.spawnSync([BUN, join(ROOT, "packaging", "build.ts"), "--host"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`build failed: ${r.stderr.toString()}`);
}

/** How long exited() waits for the output's end once the process is gone. */
const OUTPUT_AFTER_EXIT_MS = 2000;

export interface VigilNode {
  readonly node: string;
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  readonly dir: string;
  readonly stateDir: string;
  /** Everything vigil printed on stderr/stdout so far. */
  log(): string;
  /** Waits until the log contains `text` (lines arrive through a pipe, after /status changed). */
  waitLog(text: string, timeoutMs?: number): Promise<string>;
  status(): Promise<DaemonStatus>;
  instance(name?: string): Promise<InstanceStatus | undefined>;
  /** Polls /status until the instance reaches `state`; returns the poll time it was seen. */
  waitState(state: InstanceStatus["state"], opts?: { instance?: string; timeoutMs?: number }): Promise<number>;
  signal(sig: NodeJS.Signals): void;
  /** Waits for exit; returns the exit code (null when it had to be killed after timeoutMs). */
  exited(timeoutMs?: number): Promise<number | null>;
  /** Runs another vigil subcommand in the same node, e.g. ["status"]. */
  cli(args: string[]): { code: number; stdout: string; stderr: string };
  rewriteConfig(text: string): void;
}

export interface StartOptions {
  flavour?: VigilFlavour;
  /** "conf" (keepalived) or "toml". */
  ext?: "conf" | "toml";
  extraArgs?: string[];
  /** Reuse a state dir (restart after SIGKILL must find the journal of the earlier run). */
  stateDir?: string;
  httpPort?: number;
  /** Leave the listen address to the config's global.http (no --http flag). */
  httpFromConfig?: boolean;
  /** The argv that runs vigil, instead of the flavour's (e.g. env + bun --preload + main.ts). */
  command?: string[];
}

export function startVigil(lab: Lab, node: string, configText: string, opts: StartOptions = {}): VigilNode {
  const flavour = opts.flavour ?? "compiled";
  if (flavour === "compiled") ensureBinary();
  const dir = mkdtempSync(join(tmpdir(), `vigil-${node}-`));
  const configPath = join(dir, `vigil.${opts.ext ?? "conf"}`);
  writeFileSync(configPath, configText);
  const stateDir = opts.stateDir ?? join(dir, "state");
  const port = opts.httpPort ?? 9650;
  const url = `http://127.0.0.1:${port}`;
  const http = opts.httpFromConfig ? [] : ["--http", `127.0.0.1:${port}`];
  const argv = [...(opts.command ?? vigilArgv(flavour)), "run", "--config", configPath, ...http, "--state-dir", stateDir, ...(opts.extraArgs ?? [])];
  const proc = lab.spawn(node, argv);
  const collected = collectOutput(proc);

  const cli = (args: string[]) => {
    const r = lab.exec(node, [...vigilArgv(flavour), ...args], { allowFail: true });
    return r;
  };
  const status = async (): Promise<DaemonStatus> => {
    const r = cli(["status", "--url", url, "--json"]);
    if (r.code !== 0) throw new Error(`vigil status failed (${r.code}): ${r.stderr}\nlog:\n${collected.text}`);
    return JSON.parse(r.stdout) as DaemonStatus;
  };
  const instance = async (name?: string) => {
    const s = await status();
    return name ? s.instances.find((i) => i.name === name) : s.instances[0];
  };

  return {
    node,
    proc,
    dir,
    stateDir,
    log: () => collected.text,
    async waitLog(text, timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      while (!collected.text.includes(text)) {
        if (performance.now() > deadline) throw new Error(`vigil in ${node}: no log line with ${JSON.stringify(text)}\n${collected.text}`);
        await Bun.sleep(20);
      }
      return collected.text;
    },
    status,
    instance,
    async waitState(state, o = {}) {
      const deadline = performance.now() + (o.timeoutMs ?? 15_000);
      let last = "unreachable";
      while (performance.now() < deadline) {
        try {
          const i = await instance(o.instance);
          if (i?.state === state) return performance.now();
          last = i?.state ?? "absent";
        } catch {
          last = "unreachable";
        }
        if (proc.exitCode !== null) throw new Error(`vigil in ${node} exited (${proc.exitCode}) while waiting for ${state}\n${collected.text}`);
        await Bun.sleep(50);
      }
      throw new Error(`vigil in ${node}: still ${last}, wanted ${state}\n${collected.text}`);
    },
    signal(sig) {
      proc.kill(sig);
    },
    async exited(timeoutMs = 10_000) {
      const t = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
      const code = await proc.exited;
      clearTimeout(t);
      // Its last lines ("vigil stopped", a refusal) may still be in the pipes. Bounded: a child it
      // spawned (a notify script) can hold them open.
      await Promise.race([collected.done, Bun.sleep(OUTPUT_AFTER_EXIT_MS)]);
      return proc.signalCode === "SIGKILL" && timeoutMs > 0 && code !== 0 ? null : code;
    },
    cli,
    rewriteConfig(text) {
      writeFileSync(configPath, text);
    },
  };
}

/**
 * r1 (conf(200)) becomes master before r2 (conf(100)) starts, so the order of transitions is
 * deterministic. Both are pushed to `nodes` for tearDown.
 */
export async function startPair(
  lab: Lab,
  conf: (priority: number) => string,
  nodes: VigilNode[],
  flavour: { r1?: VigilFlavour; r2?: VigilFlavour } = {},
): Promise<[VigilNode, VigilNode]> {
  const r1 = startVigil(lab, "r1", conf(200), { flavour: flavour.r1 ?? "compiled" });
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(lab, "r2", conf(100), { flavour: flavour.r2 ?? "compiled" });
  nodes.push(r2);
  await r2.waitState("backup");
  return [r1, r2];
}

/** afterEach of every lab test: namespaces and processes, then temp dirs; returns the reset pair. */
export async function tearDown(lab: Lab | undefined, nodes: (VigilNode | undefined)[]): Promise<[undefined, VigilNode[]]> {
  await lab?.cleanup();
  removeDirs(nodes);
  return [undefined, []];
}

/** Removes the temp dirs of nodes (config, state); call in finally after lab.cleanup(). */
export function removeDirs(nodes: (VigilNode | undefined)[]): void {
  for (const n of nodes) if (n) rmSync(n.dir, { recursive: true, force: true });
}

/** The seed's config with the interface and VIP kept verbatim; only the priority differs. */
export function seedConfig(priority: 255 | 254): string {
  return `vrrp_instance VI_1 {
	interface eth0
	virtual_router_id 51
	priority ${priority}
	advert_int 1${priority === 254 ? " " : ""}
	virtual_ipaddress {
		192.168.0.254/24
	}
}
`;
}
