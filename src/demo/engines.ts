// The two vigil engines of the demo: children of this very executable, so the demo shows the
// binary the user has — compiled (`vigil run …`) or from source (`bun main.ts run …`).
import { closeSync, openSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";
import type { DaemonStatus, InstanceStatus } from "../runtime/ports.ts";
import type { DemoLab, NodeName } from "./lab.ts";

export { isCompiled, selfCommand } from "../cli/self.ts";

/** `p`, or null after `ms`; the timer is cleared so it never holds the process open. */
export function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class Engine {
  private proc: Subprocess<"ignore", "pipe" | number, "pipe" | number> | null = null;
  private exitCode: number | null = null;
  startedAtMs = 0;

  constructor(
    private readonly lab: DemoLab,
    readonly node: NodeName,
    private readonly self: string[],
    readonly configPath: string,
    private readonly stateDir: string,
    readonly logPath: string,
  ) {}

  /** `vigil run` in the node's namespace; its HTTP server is on that namespace's own loopback. */
  start(nowMs: number): number {
    const fd = openSync(this.logPath, "a");
    try {
      this.proc = this.lab.spawn(
        this.node,
        [...this.self, "run", "--config", this.configPath, "--http", "127.0.0.1:9650", "--state-dir", this.stateDir],
        { stdout: fd, stderr: fd },
      );
    } finally {
      closeSync(fd); // the child has its own copy
    }
    this.exitCode = null;
    this.startedAtMs = nowMs;
    void this.proc.exited.then((c) => (this.exitCode = c));
    return this.proc.pid;
  }

  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  /** Exit code once it exited by itself (a crash the story must report), else null. */
  get exited(): number | null {
    return this.exitCode;
  }

  signal(sig: "SIGKILL" | "SIGTERM"): void {
    this.proc?.kill(sig);
  }

  async waitExit(timeoutMs: number): Promise<number | null> {
    if (!this.proc) return null;
    return within(this.proc.exited, timeoutMs);
  }

  /** GET /status through `vigil status --json` run inside the namespace (its loopback is private). */
  async status(): Promise<DaemonStatus | null> {
    const p = this.lab.spawn(this.node, [...this.self, "status", "--json", "--url", "http://127.0.0.1:9650"], { stdout: "pipe", stderr: "pipe" });
    const [out, code] = await Promise.all([new Response(p.stdout as ReadableStream).text(), p.exited]);
    if (code !== 0) return null;
    try {
      return JSON.parse(out) as DaemonStatus;
    } catch {
      return null;
    }
  }

  async instance(): Promise<InstanceStatus | null> {
    return (await this.status())?.instances[0] ?? null;
  }

  /** Polls /status until the instance is in `state`; null on timeout. */
  async waitState(state: InstanceStatus["state"], timeoutMs: number): Promise<InstanceStatus | null> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.exitCode !== null) throw new Error(`vigil on ${this.node} exited with ${this.exitCode}\n${this.logTail()}`);
      const i = await this.instance();
      if (i?.state === state) return i;
      await Bun.sleep(50);
    }
    return null;
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(this.logPath, "utf8").trimEnd().split("\n").slice(-lines).map((l) => `  ${this.node}| ${l}`).join("\n");
    } catch {
      return `  ${this.node}| (no log)`;
    }
  }
}
