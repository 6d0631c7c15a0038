// LinuxClock and the realtime helpers.

import { describe, expect, test } from "bun:test";
import { HANDOFF_MS, LinuxClock } from "../../src/os/linux/clock.ts";
import { createLinuxPorts } from "../../src/os/linux/index.ts";
import { enableRealtime } from "../../src/os/linux/realtime.ts";
import { BUN } from "./lab.ts";

describe("LinuxClock", () => {
  test("timers fire in deadline order and never before their deadline", async () => {
    const clock = new LinuxClock();
    const t0 = clock.nowMs();
    const fired: [number, number][] = [];
    await new Promise<void>((done) => {
      for (const ms of [15, 3, 9, 1, 6, 12]) {
        clock.setTimer(t0 + ms, () => {
          fired.push([ms, clock.nowMs() - (t0 + ms)]);
          if (fired.length === 6) done();
        });
      }
    });
    expect(fired.map(([ms]) => ms)).toEqual([1, 3, 6, 9, 12, 15]);
    for (const [, lateness] of fired) expect(lateness).toBeGreaterThanOrEqual(0);
    expect(clock.pending).toBe(0);
  });

  test("a deadline in the past fires asynchronously; a cleared timer never fires", async () => {
    const clock = new LinuxClock();
    let past = false;
    clock.setTimer(clock.nowMs() - 100, () => (past = true));
    expect(past).toBe(false);
    let cleared = false;
    const h = clock.setTimer(clock.nowMs() + 5, () => (cleared = true));
    clock.clearTimer(h);
    clock.clearTimer(h); // twice is harmless
    await Bun.sleep(20);
    expect(past).toBe(true);
    expect(cleared).toBe(false);
  });

  test.each([false, true])(
    "a precise timer (Master_Down) ends on the io thread's timerfd; re-arming it sends nothing there (io timing %p)",
    async (ioTiming) => {
      const ports = createLinuxPorts({ ioTiming });
      try {
        await ports.rx.ready();
        const rx = ports.rx;
        let ioArms = 0;
        const setTimer = rx.setTimer.bind(rx);
        rx.setTimer = (at, fn) => (ioArms++, setTimer(at, fn));
        const clock = ports.clock;
        // A backup re-arms Master_Down at every advert: 200 arms that never expire cost no message.
        for (let i = 0; i < 200; i++) clock.clearTimer(clock.setTimer(clock.nowMs() + 3000, () => {}, { precise: true }));
        expect(ioArms).toBe(0);
        const deadline = clock.nowMs() + HANDOFF_MS + 20;
        const seen = await new Promise<number>((done) => clock.setTimer(deadline, () => done(clock.nowMs()), { precise: true }));
        expect(ioArms).toBe(1); // handed over once, HANDOFF_MS before the deadline
        expect(seen).toBeGreaterThanOrEqual(deadline); // event time: never early
        expect(clock.pending).toBe(0);
      } finally {
        await ports.close();
      }
    },
  );

  test("wallMs is unix time", () => {
    // Bracketed by Date.now() on both sides: no allowance for how long the calls take.
    const clock = new LinuxClock();
    const before = Date.now();
    const wall = clock.wallMs();
    const after = Date.now();
    expect(wall).toBeGreaterThanOrEqual(before - 1);
    expect(wall).toBeLessThanOrEqual(after + 1);
  });
});

describe("realtime", () => {
  test("an out-of-range priority is refused with EINVAL, nothing changed", () => {
    const r = enableRealtime(0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.syscall, r.error.code]).toEqual(["sched_setscheduler", "EINVAL"]);
  });

  test.skipIf(process.getuid?.() !== 0)("SCHED_RR and mlockall in a child process: policy rr, memory not populated", () => {
    const script = `
      import { enableRealtime, currentPolicy, lockMemory } from "${new URL("../../src/os/linux/realtime.ts", import.meta.url).pathname}";
      const rt = enableRealtime(5);
      const before = process.memoryUsage().rss;
      const lock = lockMemory();
      const after = process.memoryUsage().rss;
      const vmlck = (await Bun.file("/proc/self/status").text()).match(/VmLck:\\s+(\\d+)/)?.[1];
      console.log(JSON.stringify({ rt: rt.ok, policy: currentPolicy(), lock: lock.ok, grewMb: (after - before) / 1e6, vmlck: Number(vmlck) }));
    `;
    const r = Bun.spawnSync([BUN, "-e", script], { stdout: "pipe", stderr: "pipe", timeout: 10_000 });
    expect(r.exitCode).toBe(0);
    const o = JSON.parse(r.stdout.toString()) as { rt: boolean; policy: string; lock: boolean; grewMb: number; vmlck: number };
    expect(o).toMatchObject({ rt: true, policy: "rr", lock: true });
    expect(o.vmlck).toBeGreaterThan(0);
    // MCL_ONFAULT: locking does not fault in JavaScriptCore's reservations (without it: ~6.5 GB, 20 s).
    expect(o.grewMb).toBeLessThan(50);
  });
});
