// Line-oriented logger: human text (default) or one JSON object per line for log shippers.
import type { LogLevel, Logger } from "./ports.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFormat = "text" | "json";

type Fields = Record<string, string | number | boolean | null>;

export class StreamLogger implements Logger {
  constructor(
    private level: LogLevel,
    private format: LogFormat,
    private readonly write: (line: string) => void = (l) => process.stderr.write(l + "\n"),
    private readonly wallMs: () => number = Date.now,
  ) {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  setFormat(format: LogFormat): void {
    this.format = format;
  }

  log(level: LogLevel, msg: string, fields: Fields = {}): void {
    if (RANK[level] < RANK[this.level]) return;
    const time = new Date(this.wallMs()).toISOString();
    if (this.format === "json") {
      this.write(JSON.stringify({ time, level, msg, ...fields }));
      return;
    }
    const kv = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === "string" && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`)
      .join(" ");
    this.write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? " " + kv : ""}`);
  }
}

export function isLogLevel(s: string): s is LogLevel {
  return s in RANK;
}
