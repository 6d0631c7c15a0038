// keepalived's notifications (vrrp_notify.c), with what users asked keepalived for (#996, #1055,
// #1213): the scripts of one instance (or sync group) run one at a time, in the order of its
// transitions, each bounded by a timeout that kills its process group.
//
// - notify_master/backup/fault/stop run as written; `notify` gets keepalived's four arguments:
//   "INSTANCE"|"GROUP", the name, MASTER|BACKUP|FAULT|STOP, the priority (0 for a group);
// - notify_fifo / vrrp_notify_fifo get keepalived's lines, written at the transition:
//   `INSTANCE "VI_1" MASTER 200`, `GROUP "G1" MASTER 0`, and with notify_priority_changes
//   `INSTANCE "VI_1" MASTER_PRIORITY 150` / `BACKUP_PRIORITY`; the FIFO is created if missing,
//   opened read-write and non-blocking (a full FIFO drops the line, never blocks the engine);
// - notify_fifo_script / vrrp_notify_fifo_script start with the FIFO name as last argument and
//   get SIGTERM (their process group) when vigil stops, as keepalived.
import { closeSync, constants, existsSync, fstatSync, openSync, unlinkSync, writeSync } from "node:fs";
import type { NotifyScripts, VigilConfig } from "../config/schema.ts";
import type { VrrpState } from "../protocol/types.ts";
import type { Logger } from "./ports.ts";
import { NOTIFY_TIMEOUT_MS, type ScriptOptions, ScriptPolicy, type ScriptRunner, type ScriptSecuritySettings, type Service, splitCommand } from "./spawn.ts";

const KEEPALIVED_STATE: Record<VrrpState | "stop", string> = {
  init: "BACKUP",
  backup: "BACKUP",
  master: "MASTER",
  fault: "FAULT",
  stop: "STOP",
};

/** Pending notifications per instance beyond this drop the oldest (a flapping link, a hung script). */
export const NOTIFY_QUEUE_MAX = 256;

export interface NotifySettings extends ScriptSecuritySettings {
  /** global_defs notify_fifo / notify_fifo_script. */
  notifyFifo?: string;
  notifyFifoScript?: string;
  /** global_defs vrrp_notify_fifo / vrrp_notify_fifo_script. */
  vrrpNotifyFifo?: string;
  vrrpNotifyFifoScript?: string;
}

/** keepalived's FIFO line: `INSTANCE "VI_1" MASTER 200`. */
export function fifoLine(kind: "INSTANCE" | "GROUP", name: string, state: string, priority: number): string {
  return `${kind} "${name}" ${state} ${priority}\n`;
}

interface Job {
  argv: string[];
  opts: ScriptOptions;
}

interface Queue {
  jobs: Job[];
  busy: boolean;
}

class NotifyFifo {
  private fd: number | null = null;
  private created = false;
  private service: Service | null = null;

  constructor(
    readonly path: string,
    readonly script: string | undefined,
    private readonly notifier: Notifier,
    private readonly logger: Logger,
  ) {}

  open(): void {
    if (!existsSync(this.path)) {
      const r = Bun.spawnSync(["mkfifo", "-m", "0644", this.path], { stdout: "ignore", stderr: "pipe" });
      if (r.exitCode !== 0) {
        this.logger.log("error", "unable to create notify fifo", { fifo: this.path, error: r.stderr.toString().trim() });
        return;
      }
      this.created = true;
    }
    if (this.script) this.service = this.notifier.startFifoScript(this.script, this.path);
    try {
      const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
      const st = fstatSync(fd);
      if (!st.isFIFO() || (st.uid !== (process.getuid?.() ?? 0) && st.uid !== 0)) {
        closeSync(fd);
        this.logger.log("error", "notify fifo is not a fifo we own - not using", { fifo: this.path });
        return;
      }
      this.fd = fd;
    } catch (e) {
      this.logger.log("error", "unable to open notify fifo", { fifo: this.path, error: String(e) });
      if (this.created) this.unlink();
    }
  }

  write(line: string): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, line);
    } catch (e) {
      // EAGAIN: nobody reads and the pipe is full; the line is dropped (keepalived does the same).
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") this.logger.log("warn", "notify fifo write error", { fifo: this.path, error: String(e) });
    }
  }

  close(): void {
    // Unlink first, so a reader that loops reopening it cannot reopen this one (as keepalived).
    if (this.created) this.unlink();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.service?.stop();
    this.service = null;
  }

  private unlink(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // Gone already.
    }
    this.created = false;
  }
}

/**
 * The daemon's notifications. Also a ScriptRunner (what instances and monitors are given), so the
 * scripts of the whole daemon go through one policy (user, enable_script_security).
 */
export class Notifier implements ScriptRunner {
  readonly policy: ScriptPolicy;
  private readonly queues = new Map<string, Queue>();
  private fifos: NotifyFifo[] = [];
  private settings: NotifySettings = {};
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly runner: ScriptRunner,
    private readonly logger: Logger,
    private readonly timeoutMs = NOTIFY_TIMEOUT_MS,
  ) {
    this.policy = new ScriptPolicy(runner, logger);
  }

  get host() {
    return this.runner.host;
  }

  run(argv: string[], timeoutMs: number, opts?: ScriptOptions): Promise<number | null> {
    return this.runner.run(argv, timeoutMs, opts);
  }

  fire(argv: string[], opts?: ScriptOptions): Promise<void> | void {
    return this.runner.fire(argv, opts);
  }

  /** Settings of a (re)loaded config: script users and security, the FIFOs (reopened when changed). */
  configure(s: NotifySettings): void {
    this.policy.configure(s);
    const same = s.notifyFifo === this.settings.notifyFifo && s.notifyFifoScript === this.settings.notifyFifoScript &&
      s.vrrpNotifyFifo === this.settings.vrrpNotifyFifo && s.vrrpNotifyFifoScript === this.settings.vrrpNotifyFifoScript;
    this.settings = s;
    if (same && this.fifos.length > 0) return;
    for (const f of this.fifos) f.close();
    this.fifos = [];
    for (
      const [path, script] of [
        [s.notifyFifo, s.notifyFifoScript],
        [s.vrrpNotifyFifo, s.vrrpNotifyFifoScript],
      ] as const
    ) {
      if (!path) continue;
      const f = new NotifyFifo(path, script, this, this.logger);
      f.open();
      this.fifos.push(f);
    }
  }

  /** A transition of an instance or sync group: FIFO lines now, scripts queued in order. */
  transition(kind: "INSTANCE" | "GROUP", name: string, scripts: NotifyScripts, to: VrrpState | "stop", priority: number): void {
    const state = KEEPALIVED_STATE[to];
    const prio = kind === "GROUP" ? 0 : priority; // keepalived: "the prio will be indicated as zero for a group"
    const what = `${kind === "GROUP" ? "sync group" : "instance"} ${name} notify`;
    const specific = specificScript(scripts, to);
    if (specific) this.enqueue(kind, name, specific, what, []);
    if (scripts.any) this.enqueue(kind, name, scripts.any, what, [kind, name, state, String(prio)]);
    for (const f of this.fifos) f.write(fifoLine(kind, name, state, prio));
  }

  /** notify_priority_changes: `INSTANCE "VI_1" MASTER_PRIORITY 150` (BACKUP_PRIORITY unless master). */
  priorityChanged(name: string, state: VrrpState, priority: number): void {
    const line = fifoLine("INSTANCE", name, state === "master" ? "MASTER_PRIORITY" : "BACKUP_PRIORITY", priority);
    for (const f of this.fifos) f.write(line);
  }

  /** Resolves once no notify script is running or queued. */
  idle(): Promise<void> {
    if (![...this.queues.values()].some((q) => q.busy || q.jobs.length > 0)) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Scripts still queued or running, over all instances. */
  pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.jobs.length + (q.busy ? 1 : 0);
    return n;
  }

  close(): void {
    for (const f of this.fifos) f.close();
    this.fifos = [];
  }

  /** A long-running script (notify_fifo_script): FIFO name as its last argument; stopped with SIGTERM. */
  startFifoScript(command: string, fifo: string): Service | null {
    const p = this.policy.prepare(command, "notify_fifo_script");
    if ("disabled" in p) return null;
    if (!this.runner.startService) {
      this.logger.log("warn", "notify_fifo_script is not supported by this runner", { script: command });
      return null;
    }
    return this.runner.startService([...p.argv, fifo], p.opts);
  }

  private enqueue(kind: string, name: string, command: string, what: string, extra: string[]): void {
    const p = this.policy.prepare(command, what);
    if ("disabled" in p) return;
    const key = `${kind} ${name}`;
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, q = { jobs: [], busy: false });
    if (q.jobs.length >= NOTIFY_QUEUE_MAX) {
      const dropped = q.jobs.shift()!;
      this.logger.log("warn", "notify queue full: oldest notification dropped", { name, script: dropped.argv.join(" ") });
    }
    q.jobs.push({ argv: [...p.argv, ...extra], opts: { ...p.opts, timeoutMs: this.timeoutMs } });
    if (!q.busy) this.drain(q);
  }

  /** One job at a time; a runner that finishes at once (fakes) drains synchronously. */
  private drain(q: Queue): void {
    while (q.jobs.length > 0) {
      const job = q.jobs.shift()!;
      let r: Promise<void> | void;
      try {
        r = this.runner.fire(job.argv, job.opts);
      } catch (e) {
        this.logger.log("warn", "notify script could not start", { script: job.argv.join(" "), error: String(e) });
        continue;
      }
      if (r instanceof Promise) {
        q.busy = true;
        r.catch(() => {}).finally(() => {
          q.busy = false;
          this.drain(q);
        });
        return;
      }
    }
    q.busy = false;
    if (this.pending() === 0) { for (const w of this.idleWaiters.splice(0)) w(); }
  }
}

/** Called by instances and sync groups at each transition. */
export function notifyTransition(
  runner: ScriptRunner,
  scripts: NotifyScripts,
  kind: "INSTANCE" | "GROUP",
  name: string,
  to: VrrpState | "stop",
  priority: number,
): void {
  if (runner instanceof Notifier) return runner.transition(kind, name, scripts, to, priority);
  const specific = specificScript(scripts, to);
  if (specific) void runner.fire(splitCommand(specific));
  if (scripts.any) void runner.fire([...splitCommand(scripts.any), kind, name, KEEPALIVED_STATE[to], String(kind === "GROUP" ? 0 : priority)]);
}

/** The notify settings of a config. */
export function notifySettings(cfg: VigilConfig): NotifySettings {
  const g = cfg.global;
  const s: NotifySettings = {};
  if (g.scriptUser !== undefined) s.scriptUser = g.scriptUser;
  if (g.scriptGroup !== undefined) s.scriptGroup = g.scriptGroup;
  if (g.enableScriptSecurity) s.enableScriptSecurity = true;
  if (g.notifyFifo !== undefined) s.notifyFifo = g.notifyFifo;
  if (g.notifyFifoScript !== undefined) s.notifyFifoScript = g.notifyFifoScript;
  if (g.vrrpNotifyFifo !== undefined) s.vrrpNotifyFifo = g.vrrpNotifyFifo;
  if (g.vrrpNotifyFifoScript !== undefined) s.vrrpNotifyFifoScript = g.vrrpNotifyFifoScript;
  return s;
}

/** The state's own script (notify_master, notify_backup, notify_fault, notify_stop), if any. */
function specificScript(scripts: NotifyScripts, to: string): string | undefined {
  return to === "master" ? scripts.master : to === "backup" ? scripts.backup : to === "fault" ? scripts.fault : to === "stop" ? scripts.stop : undefined;
}
