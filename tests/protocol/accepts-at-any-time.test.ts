// Which adverts a backup may leave to the io thread's watch (src/runtime/repeat-watch.ts): those it
// accepts whatever the time. Checked against step() itself: inside and after preempt_delay.
import { expect, test } from "bun:test";
import { acceptsAtAnyTime, step } from "../../src/protocol/fsm.ts";
import { advert, asMaster, started } from "../fakes/fsm-helpers.ts";

const rearms = (s: ReturnType<typeof started>, priority: number, at: number) =>
  step(s, advert(priority), at).actions.some((a) => a.type === "armTimer" && a.timer === "masterDown");

test("a higher or equal priority, or no preemption: accepted at any time, and step() re-arms Master_Down each time", () => {
  const b = started({ basePriority: 100 });
  expect(b.state).toBe("backup");
  expect(acceptsAtAnyTime(b, 200)).toBe(true);
  expect(acceptsAtAnyTime(b, 100)).toBe(true);
  expect(rearms(b, 200, 10) && rearms(b, 200, 1e9)).toBe(true);
  const noPreempt = started({ basePriority: 100, preempt: false });
  expect(acceptsAtAnyTime(noPreempt, 50)).toBe(true);
  expect(rearms(noPreempt, 50, 1e9)).toBe(true);
});

test("a lower priority accepted only inside preempt_delay is not: after the delay step() discards it", () => {
  const b = started({ basePriority: 100, preemptDelayMs: 3000 }, 0);
  expect(rearms(b, 50, 1000)).toBe(true); // inside the delay
  expect(rearms(b, 50, 4000)).toBe(false); // after it: discarded, the backup will preempt
  expect(acceptsAtAnyTime(b, 50)).toBe(false);
});

test("priority 0 and a master: never watched", () => {
  expect(acceptsAtAnyTime(started({ basePriority: 100 }), 0)).toBe(false);
  expect(acceptsAtAnyTime(asMaster(), 255)).toBe(false);
});
