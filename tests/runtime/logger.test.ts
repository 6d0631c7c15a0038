// StreamLogger: text and JSON lines, level filter, and syslog priority prefixes for journald —
// only when stderr really is the journal stream named by JOURNAL_STREAM (checked in a child
// process whose stderr is a file standing in for the journal's socket).
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isJournalStream, StreamLogger } from "../../src/runtime/logger.ts";

const T = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
const dir = mkdtempSync(join(tmpdir(), "vigil-logger-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(opts: { format?: "text" | "json"; prefix?: boolean } = {}): { lines: string[]; log: StreamLogger } {
  const lines: string[] = [];
  return { lines, log: new StreamLogger("debug", opts.format ?? "text", (l) => lines.push(l), () => T, opts.prefix) };
}

const devIno = (path: string) => {
  const st = statSync(path, { bigint: true });
  return `${st.dev}:${st.ino}`;
};

describe("lines", () => {
  test("text: time, level, message, fields (quoted when they have spaces)", () => {
    const { lines, log } = capture();
    log.log("info", "VI_1: backup -> master", { instance: "VI_1", reason: "master down", priority: 200 });
    expect(lines).toEqual(['2026-01-02T03:04:05.006Z INFO  VI_1: backup -> master instance=VI_1 reason="master down" priority=200']);
  });

  test("the level filter drops lines below it", () => {
    const { lines, log } = capture();
    log.setLevel("warn");
    for (const l of ["debug", "info", "warn", "error"] as const) log.log(l, l);
    expect(lines.map((l) => l.split(" ")[1])).toEqual(["WARN", "ERROR"]);
  });

  test("no priority prefix with a caller's writer unless asked", () => {
    const { lines, log } = capture();
    log.log("error", "x");
    expect(lines[0]!.startsWith("2026-")).toBe(true);
  });
});

describe("priority prefixes", () => {
  test("text: <3> error, <4> warn, <6> info, <7> debug", () => {
    const { lines, log } = capture({ prefix: true });
    for (const l of ["error", "warn", "info", "debug"] as const) log.log(l, "m");
    expect(lines.map((l) => l.slice(0, 3))).toEqual(["<3>", "<4>", "<6>", "<7>"]);
    expect(lines[0]).toBe("<3>2026-01-02T03:04:05.006Z ERROR m");
  });

  test("json: the prefix, then the object intact", () => {
    const { lines, log } = capture({ format: "json", prefix: true });
    log.log("warn", "stop bound reached", { bound_ms: 3000 });
    expect(lines[0]!.slice(0, 3)).toBe("<4>");
    expect(JSON.parse(lines[0]!.slice(3))).toEqual({ time: "2026-01-02T03:04:05.006Z", level: "warn", msg: "stop bound reached", bound_ms: 3000 });
  });

  test("a message with a newline stays one journal entry at its priority", () => {
    const { lines, log } = capture({ prefix: true });
    log.log("error", "first\nsecond");
    expect(lines).toEqual(["<3>2026-01-02T03:04:05.006Z ERROR first second"]);
  });
});

describe("isJournalStream", () => {
  test("true only when JOURNAL_STREAM names the open file of that fd", () => {
    const path = join(dir, "stream");
    const other = join(dir, "other");
    const fd = openSync(path, "w");
    closeSync(openSync(other, "w"));
    try {
      expect(isJournalStream({ JOURNAL_STREAM: devIno(path) }, fd)).toBe(true);
      expect(isJournalStream({ JOURNAL_STREAM: devIno(other) }, fd)).toBe(false);
      expect(isJournalStream({}, fd)).toBe(false);
      expect(isJournalStream({ JOURNAL_STREAM: "" }, fd)).toBe(false);
      expect(isJournalStream({ JOURNAL_STREAM: "8:abc" }, fd)).toBe(false);
      expect(isJournalStream({ JOURNAL_STREAM: devIno(path) }, 987)).toBe(false); // not open
    } finally {
      closeSync(fd);
    }
  });

  // The default logger as `vigil run` makes it, in a process whose stderr is `journal`.
  async function childLog(journalStreamOf: string, stderrPath: string): Promise<string[]> {
    const script = `import { StreamLogger } from ${JSON.stringify(join(import.meta.dir, "../../src/runtime/logger.ts"))};
const log = new StreamLogger("debug", "text");
for (const l of ["error", "warn", "info", "debug"]) log.log(l, "line " + l);`;
    const p = Bun.spawn([process.execPath, "-e", script], {
      env: { ...process.env, JOURNAL_STREAM: devIno(journalStreamOf) },
      stdout: "ignore",
      stderr: Bun.file(stderrPath),
    });
    expect(await p.exited).toBe(0);
    return readFileSync(stderrPath, "utf8").trim().split("\n");
  }

  test("a child whose stderr is the journal stream writes prefixes", async () => {
    const journal = join(dir, "journal");
    closeSync(openSync(journal, "w"));
    const lines = await childLog(journal, journal);
    expect(lines.map((l) => l.slice(0, 3))).toEqual(["<3>", "<4>", "<6>", "<7>"]);
    expect(lines[1]).toMatch(/^<4>\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}line warn$/);
  });

  test("a child that inherited JOURNAL_STREAM but writes to a file does not", async () => {
    const journal = join(dir, "journal2");
    const file = join(dir, "redirected");
    closeSync(openSync(journal, "w"));
    closeSync(openSync(file, "w"));
    const lines = await childLog(journal, file);
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(l).toMatch(/^\d{4}-/);
  });
});
