// Running operator scripts (vrrp_script checks, notify hooks) the way keepalived does: the command
// line is split into words (quotes honoured), executed without a shell, never blocking the engine.
//
// Each script (keepalived's system_call_script):
// - runs in a process group of its own (setsid), so a timeout kills it and everything it started
//   (kill(-pgid, SIGKILL));
// - runs as its user (vrrp_script `user`, global `script_user`, else `keepalived_script` when it
//   exists, else vigil's own user): uid/gid set by the spawn itself, no supplementary groups;
// - never inherits realtime scheduling: when the spawning thread is not SCHED_OTHER the command is
//   started through `chrt --other 0` (SCHED_RESET_ON_FORK on the realtime threads covers the rest);
// - has its output read and dropped past OUTPUT_LIMIT_BYTES (a chatty or endless script cannot
//   grow vigil's memory), and LD_PRELOAD / LD_LIBRARY_PATH / IFS removed from its environment.
import { readFileSync } from "node:fs";
import type { Logger } from "./ports.ts";
import { checkScript, findInPath, lookupUser, type ScriptUser, type ScriptVerdict } from "../config/script-security.ts";

export { checkScript, insecureComponent, lookupUser, type ScriptVerdict } from "../config/script-security.ts";

/** Who a script runs as. */
export type { ScriptUser } from "../config/script-security.ts";

export interface ScriptOptions {
  /** Default: vigil's own user. */
  user?: ScriptUser;
  /** fire(): kill the group after this long (default NOTIFY_TIMEOUT_MS). */
  timeoutMs?: number;
}

export interface ScriptRunner {
  /** Resolves to the exit code, or null when it timed out (group killed) or could not start. */
  run(argv: string[], timeoutMs: number, opts?: ScriptOptions): Promise<number | null>;
  /**
   * A notify hook; failures are logged. The Linux runner resolves when the script ended (exit,
   * or its group killed at the timeout) so notifications of one instance can run one at a time;
   * a runner may also return nothing (done at once).
   */
  fire(argv: string[], opts?: ScriptOptions): Promise<void> | void;
  /** A long-running script (notify_fifo_script): no timeout, output dropped, stopped with SIGTERM to its group. */
  startService?(argv: string[], opts?: ScriptOptions): Service | null;
  /** The host's users and file permissions (the Linux runner); fakes leave it out: nothing is vetted. */
  readonly host?: ScriptHost;
}

export interface Service {
  readonly pid: number;
  stop(): void;
}

/** What the script policy asks of the host. */
export interface ScriptHost {
  lookupUser(name: string, group?: string): ScriptUser | string;
  /** keepalived_script when it exists; a string when it does not. */
  keepalivedScriptUser(): ScriptUser | string;
  check(argv: string[], user: { uid: number; gid: number }, enforce: boolean): ScriptVerdict;
  readonly ourUid: number;
  readonly ourGid: number;
}

/** What a script may print before the rest is read and dropped. */
export const OUTPUT_LIMIT_BYTES = 64 * 1024;
/** A notify script still running after this long is killed with its process group. */
export const NOTIFY_TIMEOUT_MS = 30_000;

/** Split a keepalived-style command line: whitespace separates, '…' and "…" group, \ escapes. */
/**
 * argv for a script line. A line that starts with a redirection ("</dev/tcp/127.0.0.1/80", the
 * port check of keepalived's own samples) is no program: it is handed to /bin/sh, as keepalived
 * does, so it fails (and its weight applies) where the shell cannot open the path.
 */
export function scriptArgv(command: string): string[] {
  const line = command.trim();
  return line.startsWith("<") ? ["/bin/sh", "-c", line] : splitCommand(line);
}

export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: "'" | '"' | null = null;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

/** Scheduling policy of the calling thread (0 = SCHED_OTHER), from /proc/thread-self/stat. */
export function threadPolicy(statPath = "/proc/thread-self/stat"): number {
  try {
    const stat = readFileSync(statPath, "utf8");
    // Fields after "(comm)" start at field 3 (state); policy is field 41.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[41 - 3]) || 0;
  } catch {
    return 0;
  }
}

/** The environment a script gets: vigil's, without loader and field-splitting overrides (as keepalived). */
function scriptEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== "LD_PRELOAD" && k !== "LD_LIBRARY_PATH" && k !== "IFS") env[k] = v;
  }
  return env;
}

/** Reads a stream to its end (or until cancelled), keeping at most `limit` bytes. */
async function drainBounded(stream: ReadableStream<Uint8Array>, limit: number, kept: Uint8Array[], stop: Promise<void>): Promise<number> {
  const reader = stream.getReader();
  let total = 0;
  let keptBytes = 0;
  let stopped = false;
  void stop.then(() => {
    stopped = true;
    void reader.cancel().catch(() => {});
  });
  try {
    while (!stopped) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      total += value.length;
      if (keptBytes < limit) {
        const part = value.subarray(0, limit - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
    }
  } catch {
    // Cancelled or broken pipe: what was read is what we have.
  }
  return total;
}

export interface ScriptResult {
  /** Exit code; null when killed at the timeout or it could not start. */
  code: number | null;
  timedOut: boolean;
  pid: number | null;
  /** Bytes the script wrote to stdout+stderr, and what was kept (at most OUTPUT_LIMIT_BYTES). */
  outputBytes: number;
  output: string;
}

export class BunScriptRunner implements ScriptRunner {
  private warnedNoChrt = false;
  private readonly ourUid = process.getuid?.() ?? 0;
  private readonly ourGid = process.getgid?.() ?? 0;
  readonly host: ScriptHost = {
    lookupUser: (name, group) => lookupUser(name, group),
    keepalivedScriptUser: () => lookupUser("keepalived_script"),
    check: (argv, user, enforce) => checkScript(argv, user, enforce),
    ourUid: this.ourUid,
    ourGid: this.ourGid,
  };

  constructor(
    private readonly logger: Logger,
    private readonly outputLimit = OUTPUT_LIMIT_BYTES,
  ) {}

  async run(argv: string[], timeoutMs: number, opts: ScriptOptions = {}): Promise<number | null> {
    const r = await this.exec(argv, timeoutMs, opts, "track script");
    return r.code;
  }

  async fire(argv: string[], opts: ScriptOptions = {}): Promise<void> {
    const r = await this.exec(argv, opts.timeoutMs ?? NOTIFY_TIMEOUT_MS, opts, "notify script");
    if (r.timedOut) {
      this.logger.log("warn", "notify script timed out: its process group was killed", {
        script: argv.join(" "),
        timeout_ms: opts.timeoutMs ?? NOTIFY_TIMEOUT_MS,
      });
    } else if (r.code !== null && r.code !== 0) {
      this.logger.log("warn", "notify script failed", { script: argv.join(" "), exit: r.code, output: r.output.slice(0, 1024) });
    }
  }

  startService(argv: string[], opts: ScriptOptions = {}): Service | null {
    const user = opts.user;
    try {
      const proc = Bun.spawn(this.commandFor(argv), {
        stdin: "ignore",
        stdout: "ignore",
        stderr: "ignore",
        detached: true,
        env: scriptEnv(),
        ...(user && user.gid !== this.ourGid ? { gid: user.gid } : {}),
        ...(user && user.uid !== this.ourUid ? { uid: user.uid } : {}),
      });
      void proc.exited.then((code) => this.logger.log("info", "notify_fifo_script exited", { script: argv.join(" "), exit: code }));
      return {
        pid: proc.pid,
        stop: () => {
          try {
            process.kill(-proc.pid, "SIGTERM");
          } catch {
            // Gone already.
          }
        },
      };
    } catch (e) {
      this.logger.log("warn", "notify_fifo_script could not start", { script: argv.join(" "), error: String(e) });
      return null;
    }
  }

  /** The command line actually started: through `chrt --other 0` when this thread is realtime. */
  commandFor(argv: string[]): string[] {
    if (threadPolicy() === 0) return argv;
    const chrt = findInPath("chrt");
    if (chrt) return [chrt, "--other", "0", ...argv];
    if (!this.warnedNoChrt) {
      this.warnedNoChrt = true;
      this.logger.log("warn", "scripts inherit realtime scheduling: chrt (util-linux) not found", {});
    }
    return argv;
  }

  /** Start, bound, wait. Never throws. */
  async exec(argv: string[], timeoutMs: number, opts: ScriptOptions, what: string): Promise<ScriptResult> {
    let proc: ReturnType<typeof Bun.spawn>;
    const user = opts.user;
    try {
      proc = Bun.spawn(this.commandFor(argv), {
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        detached: true, // setsid(): its own process group, killed as a whole at the timeout
        env: scriptEnv(),
        ...(user && user.gid !== this.ourGid ? { gid: user.gid } : {}),
        ...(user && user.uid !== this.ourUid ? { uid: user.uid } : {}),
      });
    } catch (e) {
      this.logger.log("warn", `${what} could not start`, { script: argv.join(" "), user: user?.name ?? null, error: String(e) });
      return { code: null, timedOut: false, pid: null, outputBytes: 0, output: "" };
    }
    const pid = proc.pid;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // The group is gone already.
      }
    }, timeoutMs);
    let exitedResolve!: () => void;
    const exitedSignal = new Promise<void>((r) => (exitedResolve = r));
    const kept: Uint8Array[] = [];
    const out = drainBounded(proc.stdout as ReadableStream<Uint8Array>, this.outputLimit, kept, exitedSignal);
    const err = drainBounded(proc.stderr as ReadableStream<Uint8Array>, this.outputLimit, kept, exitedSignal);
    const code = await proc.exited;
    clearTimeout(timer);
    // A child it left behind may hold the pipes open: stop reading shortly after the exit.
    setTimeout(exitedResolve, 50);
    const outputBytes = (await out) + (await err);
    const output = Buffer.concat(kept).subarray(0, this.outputLimit).toString("utf8");
    return { code: timedOut ? null : code, timedOut, pid, outputBytes, output };
  }
}

// ---- users (keepalived's script_user / vrrp_script user / keepalived_script): lookupUser lives in
// src/config/script-security.ts so `vigil check` decides as the daemon does. ----

export interface ScriptSecuritySettings {
  /** global_defs script_user USER [GROUP]. */
  scriptUser?: string;
  scriptGroup?: string;
  /** global_defs enable_script_security. */
  enableScriptSecurity?: boolean;
}

/** A command ready to start: its words and who runs it. */
export interface PreparedScript {
  argv: string[];
  opts: ScriptOptions;
}

/**
 * keepalived's rules for who runs a script and whether it may run: `user` of the script, else
 * script_user, else keepalived_script if it exists, else vigil's own user (with keepalived's
 * warning; refused under enable_script_security). A script run as root (or setuid root) in a path a
 * non-root user can write is logged as unsafe, and disabled under enable_script_security. Verdicts
 * are cached per command and user until the next configure(); each refusal is logged once.
 */
export class ScriptPolicy {
  private settings: ScriptSecuritySettings = {};
  private readonly cache = new Map<string, PreparedScript | { disabled: string }>();
  private defaultUser: { user?: ScriptUser; problem?: string } | null = null;
  private violationLogged = false;

  constructor(
    private readonly runner: ScriptRunner,
    private readonly logger: Logger,
  ) {}

  configure(settings: ScriptSecuritySettings): void {
    this.settings = settings;
    this.cache.clear();
    this.defaultUser = null;
    this.violationLogged = false;
  }

  /** The words and options to run `command` with, or why it is disabled. */
  prepare(command: string, what: string, user?: { name: string; group?: string }): PreparedScript | { disabled: string } {
    const key = `${command}\0${user?.name ?? ""}\0${user?.group ?? ""}`;
    let r = this.cache.get(key);
    if (!r) {
      r = this.decide(scriptArgv(command), user);
      this.cache.set(key, r);
      if ("disabled" in r) this.logger.log("error", `${what} disabled: ${r.disabled}`, { script: command });
    }
    return r;
  }

  private decide(argv: string[], named?: { name: string; group?: string }): PreparedScript | { disabled: string } {
    const host = this.runner.host;
    if (!host) return { argv, opts: {} };
    const enforce = this.settings.enableScriptSecurity === true;
    let user: ScriptUser | undefined;
    if (named) {
      const u = host.lookupUser(named.name, named.group);
      if (typeof u === "string") return { disabled: u };
      user = u;
    } else {
      const d = this.resolveDefault();
      if (d.problem) return { disabled: d.problem };
      user = d.user;
    }
    const ids = user ?? { uid: host.ourUid, gid: host.ourGid };
    const v = host.check(argv, ids, enforce);
    if (!v.run) return { disabled: v.reason ?? "refused" };
    if (v.insecure) this.logger.log("warn", `${v.reason}`, { script: argv.join(" ") });
    if (!enforce && !this.violationLogged) {
      this.violationLogged = true;
      this.logger.log("warn", "SECURITY VIOLATION - scripts are being executed but script_security not enabled.", {});
    }
    return { argv, opts: user ? { user } : {} };
  }

  private resolveDefault(): { user?: ScriptUser; problem?: string } {
    if (this.defaultUser) return this.defaultUser;
    const host = this.runner.host!;
    const s = this.settings;
    if (s.scriptUser) {
      const u = host.lookupUser(s.scriptUser, s.scriptGroup);
      this.defaultUser = typeof u === "string" ? { problem: `script_user: ${u}` } : { user: u };
    } else {
      const ks = host.keepalivedScriptUser();
      if (typeof ks !== "string") this.defaultUser = { user: ks };
      else if (s.enableScriptSecurity) {
        this.defaultUser = {
          problem: "unable to set default user keepalived_script for scripts (enable_script_security needs script_user or a keepalived_script user)",
        };
      } else {
        this.logger.log("warn", "WARNING - default user 'keepalived_script' for script execution does not exist - please create.", {});
        this.defaultUser = {};
      }
    }
    return this.defaultUser;
  }
}

// ---- script security (keepalived's check_script_secure / check_security): checkScript and
// insecureComponent live in src/config/script-security.ts, shared with `vigil check`. ----
