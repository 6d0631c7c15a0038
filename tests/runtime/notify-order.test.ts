// Notifications with the real runner: one script at a time per instance, in transition order;
// the notify FIFO carries keepalived's lines; a timeout kills the script's whole process group.
import { expect, test } from "bun:test";
import { chmodSync, closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Notifier } from "../../src/runtime/notify.ts";
import { BunScriptRunner } from "../../src/runtime/spawn.ts";
import { quietLogger } from "./harness.ts";

const STATES = ["master", "backup"] as const;

test("10 rapid flaps with a slow notify script: transitions in order, never two at once", async () => {
  const dir = mkdtempSync("/tmp/vigil-notify-");
  try {
    const log = join(dir, "log");
    const script = join(dir, "notify.sh");
    // mkdir is atomic: a second script running at the same time records OVERLAP.
    writeFileSync(
      script,
      `#!/bin/sh\nmkdir "${dir}/lock" 2>/dev/null || echo OVERLAP >> "${log}"\nsleep 0.05\necho "$3 $4" >> "${log}"\nrmdir "${dir}/lock"\n`,
    );
    chmodSync(script, 0o755);
    const n = new Notifier(new BunScriptRunner(quietLogger), quietLogger);
    n.configure({});
    for (let i = 0; i < 10; i++) n.transition("INSTANCE", "VI_1", { any: script }, STATES[i % 2]!, 100 + i);
    expect(n.pending()).toBe(10);
    await n.idle();
    const lines = readFileSync(log, "utf8").trim().split("\n");
    expect(lines).toEqual(Array.from({ length: 10 }, (_, i) => `${i % 2 === 0 ? "MASTER" : "BACKUP"} ${100 + i}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

test("notify_fifo: keepalived's lines for instances, groups and priority changes", () => {
  const dir = mkdtempSync("/tmp/vigil-fifo-");
  try {
    const fifo = join(dir, "notify.fifo");
    const n = new Notifier(new BunScriptRunner(quietLogger), quietLogger);
    n.configure({ notifyFifo: fifo });
    expect(existsSync(fifo)).toBe(true);
    n.transition("INSTANCE", "VI_1", {}, "master", 200);
    n.transition("GROUP", "G1", {}, "master", 200);
    n.priorityChanged("VI_1", "master", 150);
    n.transition("INSTANCE", "VI_1", {}, "fault", 150);
    const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(4096);
    const len = readSync(fd, buf, 0, buf.length, null);
    closeSync(fd);
    expect(buf.subarray(0, len).toString()).toBe(
      'INSTANCE "VI_1" MASTER 200\nGROUP "G1" MASTER 0\nINSTANCE "VI_1" MASTER_PRIORITY 150\nINSTANCE "VI_1" FAULT 150\n',
    );
    n.close();
    expect(existsSync(fifo)).toBe(false); // created by us: removed at close, as keepalived
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a notify script past its timeout is killed with everything it started", async () => {
  const dir = mkdtempSync("/tmp/vigil-timeout-");
  try {
    const pidFile = join(dir, "child.pid");
    const script = join(dir, "hang.sh");
    writeFileSync(script, `#!/bin/sh\nsleep 1000 &\necho $! > "${pidFile}"\nwait\n`);
    chmodSync(script, 0o755);
    // Time enough for sh to start its child and write the pid on a loaded machine.
    const n = new Notifier(new BunScriptRunner(quietLogger), quietLogger, 1500);
    n.transition("INSTANCE", "VI_1", { master: script, any: "/bin/true" }, "master", 100);
    await n.idle();
    const child = Number(readFileSync(pidFile, "utf8"));
    expect(child).toBeGreaterThan(0);
    // The grandchild (sleep) was in the script's process group: gone, or a zombie being reaped,
    // once the kernel has delivered the SIGKILL (it may still run for a moment).
    const alive = () => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${child}/status`, "utf8"));
      } catch {
        return false; // gone
      }
    };
    for (let i = 0; i < 100 && alive(); i++) await Bun.sleep(50);
    expect(alive()).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
