// keepalived `higher_prio_send_advert`: a Master that yields to a higher-priority advert (or an
// equal priority from a greater address) first sends one advert at its own priority, then goes
// Backup as RFC 5798 §6.4.3 says. Off by default (the RFC sends nothing there).
import { describe, expect, test } from "bun:test";
import { step } from "../../src/protocol/fsm.ts";
import { masterDownIntervalMs } from "../../src/protocol/timers.ts";
import { advert, run, started, timer } from "../fakes/fsm-helpers.ts";
import type { FsmParams, FsmState } from "../../src/protocol/types.ts";

/** Elected Master at t=0 (started as Backup at -10 s, Master_Down fired). */
const master = (p: Partial<FsmParams>): FsmState => {
  const s = started(p, -10_000);
  return step(s, timer("masterDown"), s.masterDownDeadlineMs!).state;
};

describe("higher_prio_send_advert", () => {
  test("on: one advert at our priority, then the usual §6.4.3 move to Backup", () => {
    const r = step(master({ version: 3, basePriority: 100, higherPrioSendAdvert: true }), advert(200, "192.168.0.9", 50), 700);
    expect(r.actions).toEqual([
      { type: "sendAdvert", priority: 100 },
      { type: "cancelTimer", timer: "advert" },
      { type: "removeVips" },
      { type: "transition", from: "master", to: "backup", reason: "higher-priority-advert" },
      { type: "armTimer", timer: "masterDown", atMs: 700 + masterDownIntervalMs(3, 100, 50) },
    ]);
    expect(r.state.state).toBe("backup");
  });

  test("on: an equal priority from a greater address counts as higher (keepalived's test)", () => {
    const r = step(master({ basePriority: 100, primaryAddress: "10.0.0.9", higherPrioSendAdvert: true }), advert(100, "10.0.0.10"), 5);
    expect(r.actions[0]).toEqual({ type: "sendAdvert", priority: 100 });
    expect(r.state.state).toBe("backup");
  });

  test("on: nothing extra for a lower priority, an equal one from a smaller address, or priority 0", () => {
    const m = master({ basePriority: 100, primaryAddress: "10.0.0.9", higherPrioSendAdvert: true, lowerPrioNoAdvert: true });
    expect(step(m, advert(50, "10.0.0.10"), 5).actions).toEqual([]);
    expect(step(m, advert(100, "10.0.0.8"), 5).actions).toEqual([]);
    // Priority 0: the §6.4.3 answer (one advert, timer reset), not a second one.
    const zero = step(m, advert(0, "10.0.0.10"), 5).actions.filter((a) => a.type === "sendAdvert");
    expect(zero).toEqual([{ type: "sendAdvert", priority: 100 }]);
  });

  test("off (default): yields without an advert", () => {
    const r = step(master({ basePriority: 100 }), advert(200, "192.168.0.9"), 700);
    expect(r.actions.some((a) => a.type === "sendAdvert")).toBe(false);
    expect(r.state.state).toBe("backup");
  });

  test("the advert carries the effective priority (after tracking), and only once: as Backup the next adverts are accepted quietly", () => {
    const m = master({ basePriority: 100, higherPrioSendAdvert: true });
    const r = run(m, [
      [10, { type: "priority", priority: 90 }],
      [20, advert(200, "192.168.0.9")],
      [1020, advert(200, "192.168.0.9")],
      [2020, advert(200, "192.168.0.9")],
    ]);
    expect(r.state.state).toBe("backup");
    const first = step(step(m, { type: "priority", priority: 90 }, 10).state, advert(200, "192.168.0.9"), 20);
    expect(first.actions.filter((a) => a.type === "sendAdvert")).toEqual([{ type: "sendAdvert", priority: 90 }]);
    expect(r.actions.some((a) => a.type === "sendAdvert")).toBe(false);
  });

  test("a resigning Master (shutdown hold) sends nothing more: it is already leaving", () => {
    const m = master({ basePriority: 100, higherPrioSendAdvert: true });
    const resigning = step(m, { type: "shutdown" }, 10).state;
    const r = step(resigning, advert(200, "192.168.0.9"), 20);
    expect(r.actions.some((a) => a.type === "sendAdvert")).toBe(false);
    expect(r.state.state).toBe("init");
  });
});
