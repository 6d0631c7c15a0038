// src/protocol/steady.ts against step() itself: which adverts a backup may leave to the io thread's
// watch (those it accepts whatever the time: inside and after preempt_delay), and when a paced
// advert is the FSM's steady Adver_Timer step.
import { expect, test } from "bun:test";
import { step } from "../../src/protocol/fsm.ts";
import { acceptsAtAnyTime, isSteadyAdvert } from "../../src/protocol/steady.ts";
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

test("isSteadyAdvert holds exactly when step() would only send and re-arm at deadline + interval", () => {
  const m = asMaster({ advertIntervalCs: 100 }, 0);
  const at = m.advertDeadlineMs!;
  const r = step(m, { type: "timer", timer: "advert" }, at + 0.2);
  expect(r.actions.map((a) => a.type)).toEqual(["sendAdvert", "armTimer"]);
  expect(r.state.advertDeadlineMs).toBe(at + 1000);
  expect(isSteadyAdvert(m, at, at + 1000, at + 0.2)).toBe(true);
  expect(isSteadyAdvert(m, at, at + 1000, at - 0.1)).toBe(false); // early: step() only re-arms
  expect(isSteadyAdvert(m, at, at + 1000, at + 1000)).toBe(false); // after a stall: step() restarts from now
  expect(isSteadyAdvert(m, at + 1, at + 1001, at + 2)).toBe(false); // not the FSM's deadline
  expect(isSteadyAdvert(started({ basePriority: 100 }), at, at + 1000, at)).toBe(false); // not master
});
