// Line-oriented logger: human text (default) or one JSON object per line for log shippers.
// Under systemd with stderr connected to the journal, each line starts with its syslog priority
// ("<3>" err … "<7>" debug, sd-daemon(3)): journald strips it and files the line at that priority,
// so `journalctl -p warning -u vigil` shows warnings and errors only. Without it every line is info.
import { fstatSync } from "node:fs";
import type { Logger, LogLevel } from "./ports.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** syslog priorities: err 3, warning 4, info 6, debug 7. */
const PRIORITY: Record<LogLevel, string> = { debug: "<7>", info: "<6>", warn: "<4>", error: "<3>" };

export type LogFormat = "text" | "json";

type Fields = Record<string, string | number | boolean | null>;

/**
 * Whether fd's open file is the journal stream systemd gave this service: JOURNAL_STREAM holds
 * "device:inode" of it (systemd.exec(5)). Compared, not just present: a child that inherited the
 * variable but has its stderr redirected elsewhere must not write prefixes into that file.
 */
export function isJournalStream(env: Record<string, string | undefined> = process.env, fd = 2): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? "");
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}

export class StreamLogger implements Logger {
  private readonly write: (line: string) => void;
  private readonly priorityPrefix: boolean;

  /**
   * Without `write`, lines go to stderr, with priority prefixes when stderr is the journal.
   * With `write`, prefixes only when `priorityPrefix` asks for them.
   */
  constructor(
    private level: LogLevel,
    private format: LogFormat,
    write?: (line: string) => void,
    private readonly wallMs: () => number = Date.now,
    priorityPrefix?: boolean,
  ) {
    this.write = write ?? ((l) => process.stderr.write(l + "\n"));
    this.priorityPrefix = priorityPrefix ?? (write === undefined && isJournalStream());
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  setFormat(format: LogFormat): void {
    this.format = format;
  }

  log(level: LogLevel, msg: string, fields: Fields = {}): void {
    if (RANK[level] < RANK[this.level]) return;
    const time = new Date(this.wallMs()).toISOString();
    const pri = this.priorityPrefix ? PRIORITY[level] : "";
    if (this.format === "json") {
      this.write(pri + JSON.stringify({ time, level, msg, ...fields }));
      return;
    }
    const kv = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === "string" && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`)
      .join(" ");
    // journald reads one entry per line: a message with a newline would lose its priority after it.
    const line = `${time} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? " " + kv : ""}`;
    this.write(pri + (pri ? line.replace(/\r?\n/g, " ") : line));
  }
}

export function isLogLevel(s: string): s is LogLevel {
  return s in RANK;
}
