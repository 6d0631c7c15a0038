// LinuxClock timer precision: a 20 ms periodic deadline (as a v3 master with advert_int 0.02),
// each timer armed for the ideal absolute time. Prints the lateness percentiles and how often a
// timer fired early (must be never). Options: [periodMs=20] [count=500] [--rt] [--hogs=N]
// (--rt: SCHED_RR 10 through enableRealtime; --hogs: N busy-looping child processes).

import { LinuxClock } from "../src/os/linux/clock.ts";
import { enableRealtime } from "../src/os/linux/realtime.ts";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const periodMs = Number(args[0] ?? 20);
const count = Number(args[1] ?? 500);
const rt = process.argv.includes("--rt");
const hogs = Number(process.argv.find((a) => a.startsWith("--hogs="))?.slice(7) ?? 0);

const children = Array.from({ length: hogs }, () => Bun.spawn([process.execPath, "-e", "for(;;){}"], { stdout: "ignore" }));
try {
  if (rt) {
    const r = enableRealtime(10);
    if (!r.ok) console.error(`realtime unavailable: ${r.error.message}`);
  }
  const clock = new LinuxClock();
  const late: number[] = [];
  let early = 0;
  let deadline = clock.nowMs() + periodMs;
  await new Promise<void>((done) => {
    const tick = () => {
      const err = clock.nowMs() - deadline;
      if (err < 0) early++;
      late.push(err);
      if (late.length >= count) return done();
      deadline += periodMs;
      clock.setTimer(deadline, tick);
    };
    clock.setTimer(deadline, tick);
  });
  late.sort((a, b) => a - b);
  const q = (p: number) => late[Math.min(late.length - 1, Math.floor(p * late.length))]!.toFixed(3);
  console.log(
    `LinuxClock ${periodMs} ms × ${count}${rt ? " SCHED_RR" : ""}${hogs ? ` with ${hogs} CPU hogs` : ""}: ` +
      `late p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1 - 1e-9)} ms, early ${early}`,
  );
} finally {
  for (const c of children) c.kill();
}
