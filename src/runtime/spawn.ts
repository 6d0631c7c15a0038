// Running operator scripts (vrrp_script checks, notify hooks) the way keepalived does: the command
// line is split into words (quotes honoured), executed without a shell, never blocking the engine.
import type { Logger } from "./ports.ts";

export interface ScriptRunner {
  /** Resolves to the exit code, or null when it timed out (killed) or could not start. */
  run(argv: string[], timeoutMs: number): Promise<number | null>;
  /** Fire and forget (notify hooks); failures are logged. */
  fire(argv: string[]): void;
}

/** Split a keepalived-style command line: whitespace separates, '…' and "…" group, \ escapes. */
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

export class BunScriptRunner implements ScriptRunner {
  constructor(private readonly logger: Logger) {}

  async run(argv: string[], timeoutMs: number): Promise<number | null> {
    try {
      const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
      const code = await proc.exited;
      clearTimeout(timer);
      return proc.signalCode === "SIGKILL" ? null : code;
    } catch (e) {
      this.logger.log("warn", "script could not start", { script: argv.join(" "), error: String(e) });
      return null;
    }
  }

  fire(argv: string[]): void {
    try {
      const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "inherit", stderr: "inherit" });
      void proc.exited.then((code) => {
        if (code !== 0) this.logger.log("warn", "notify script failed", { script: argv.join(" "), exit: code });
      });
    } catch (e) {
      this.logger.log("warn", "notify script could not start", { script: argv.join(" "), error: String(e) });
    }
  }
}
