// The reload transaction's queue (runtime/reloader.ts) and the journal's write errors, without a
// kernel: SIGHUPs coalesce and the last file wins; a stop cancels what is not committed; globals
// commit only with the daemon's own commit; a state file that cannot be written never throws.
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Diagnostic, LoadResult, VigilConfig } from "../../src/config/schema.ts";
import type { ReloadResult } from "../../src/runtime/daemon.ts";
import { ErrorCounts } from "../../src/runtime/error-counts.ts";
import { FileJournal } from "../../src/runtime/journal.ts";
import { Reloader, type ReloadSteps } from "../../src/runtime/reloader.ts";
import { config, quietLogger, seedConf } from "./harness.ts";

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

class Steps implements ReloadSteps {
  file = 1;
  loads = 0;
  applied: number[] = [];
  events: string[] = [];
  gate: ReturnType<typeof deferred<void>> | null = null;
  applyOk = true;
  async load(): Promise<LoadResult> {
    this.loads++;
    const cfg = config(seedConf(100 + this.file));
    return { ok: true, config: cfg, warnings: [] };
  }
  prepareGlobals(next: VigilConfig) {
    const p = next.instances[0]!.priority;
    this.events.push(`prepare ${p}`);
    return { commit: () => this.events.push(`commit ${p}`), rollback: () => this.events.push(`rollback ${p}`) };
  }
  async apply(next: VigilConfig): Promise<ReloadResult> {
    if (this.gate) await this.gate.promise;
    this.applied.push(next.instances[0]!.priority);
    return { ok: this.applyOk, cancelled: false, problems: [] };
  }
  refuse(problems: string[]): void {
    this.events.push(`refused ${problems.join(";")}`);
  }
  warn(_d: Diagnostic): void {}
  format(d: Diagnostic): string {
    return d.message;
  }
}

describe("Reloader", () => {
  test("SIGHUPs during a reload coalesce into one more, which reads the newest file", async () => {
    const s = new Steps();
    const r = new Reloader(s, quietLogger);
    s.gate = deferred<void>();
    r.request();
    await Bun.sleep(0);
    s.file = 2;
    r.request();
    s.file = 3;
    r.request();
    r.request();
    s.gate.resolve();
    s.gate = null;
    await r.idle();
    await r.idle();
    expect(s.applied).toEqual([101, 103]);
    expect(s.loads).toBe(2);
    expect(s.events).toEqual(["prepare 101", "commit 101", "prepare 103", "commit 103"]);
  });

  test("a stop cancels the queued reload, and a daemon refusal rolls the globals back", async () => {
    const s = new Steps();
    const r = new Reloader(s, quietLogger);
    s.gate = deferred<void>();
    s.applyOk = false;
    r.request();
    await Bun.sleep(0);
    r.request(); // queued
    r.cancel();
    s.gate.resolve();
    await r.idle();
    expect(s.applied).toEqual([101]);
    expect(s.events).toEqual(["prepare 101", "rollback 101"]);
    r.request(); // after a stop: nothing
    await r.idle();
    expect(s.loads).toBe(1);
  });
});

describe("FileJournal write errors", () => {
  test("the journal path is a directory (EISDIR): no throw, counted, logged once per kind; memory keeps the record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-journal-"));
    try {
      const ns = readlinkSync("/proc/self/ns/net").replace(/\D/g, "") || "default";
      mkdirSync(join(dir, `owned-${ns}.json`));
      const logged: string[] = [];
      const errors = new ErrorCounts();
      const j = new FileJournal(dir, { log: (_l, m) => logged.push(m) }, errors);
      const a = { ifname: "eth0", family: 4 as const, address: "10.99.0.100", prefixLength: 24 };
      j.record(a);
      await Bun.sleep(0);
      j.record({ ...a, address: "10.99.0.101" });
      await Bun.sleep(0);
      expect(j.has(a)).toBe(true);
      expect(errors.total("state_write")).toBe(2);
      expect(errors.byLabel("state_write")[0]![0]).toBe("EISDIR");
      expect(logged.filter((m) => m.startsWith("cannot write the state file")).length).toBe(1);
      expect(j.flush()).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a state dir that cannot be created is not fatal either; a later good write is logged as recovered", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-journal-"));
    try {
      const file = join(dir, "not-a-dir");
      await Bun.write(file, "x");
      const errors = new ErrorCounts();
      const j = new FileJournal(join(file, "state"), quietLogger, errors);
      j.record({ ifname: "eth0", family: 4, address: "10.99.0.100", prefixLength: 24 });
      await Bun.sleep(0);
      expect(errors.total("state_write")).toBeGreaterThanOrEqual(2);
      const ok = new FileJournal(dir, quietLogger, errors);
      ok.record({ ifname: "eth0", family: 4, address: "10.99.0.100", prefixLength: 24 });
      await Bun.sleep(0);
      expect(JSON.parse(readFileSync(ok.path, "utf8"))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
