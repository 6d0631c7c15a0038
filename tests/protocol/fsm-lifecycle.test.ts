// FSM lifecycle: shutdown (make-before-break), Fault, priority changes, timers as state,
// and invariants over random event sequences.

import { describe, expect, test } from "bun:test";
import { initialState, step } from "../../src/protocol/fsm.ts";
import { shutdownHoldMs } from "../../src/protocol/timers.ts";
import type { FsmAction, FsmEvent, FsmParams } from "../../src/protocol/types.ts";
import { advert, asMaster, params, run, started, timer } from "../fakes/fsm-helpers.ts";
import { Prng } from "../fakes/prng.ts";

/** A non-owner that became Master the RFC way: started as Backup, its Master_Down_Timer fired (before 0). */
const electedMaster = (p: Partial<FsmParams>) => {
  const s = started(p, -10_000);
  return step(s, timer("masterDown"), s.masterDownDeadlineMs!).state;
};

describe("shutdown as Master (make-before-break)", () => {
  const hold = shutdownHoldMs(2, 100);

  test("sends priority 0, cancels Adver_Timer, keeps the VIPs, arms the hold", () => {
    const r = step(asMaster(), { type: "shutdown" }, 100);
    expect(r.actions).toEqual([
      { type: "cancelTimer", timer: "advert" },
      { type: "sendAdvert", priority: 0 },
      { type: "armTimer", timer: "shutdown", atMs: 100 + hold },
    ]);
    expect(r.state.state).toBe("master");
    expect(r.state.shutdownDeadlineMs).toBe(100 + hold);
  });

  test("ends when a new master speaks: remove VIPs, → Initialize, stopped", () => {
    const s = step(asMaster(), { type: "shutdown" }, 100).state;
    expect(step(s, advert(0, "192.168.0.9"), 101).actions).toEqual([]); // another resigner: keep holding
    expect(step(s, timer("advert"), 1000).actions).toEqual([]); // cancelled: stale wake-up ignored
    const r = step(s, advert(1, "192.168.0.9"), 108);
    expect(r.actions).toEqual([
      { type: "cancelTimer", timer: "shutdown" },
      { type: "removeVips" },
      { type: "transition", from: "master", to: "init", reason: "shutdown" },
      { type: "stopped" },
    ]);
    expect(r.state.shutdownDeadlineMs).toBeNull();
  });

  test("ends at the hold bound when nobody takes over", () => {
    const s = step(asMaster(), { type: "shutdown" }, 100).state;
    const r = step(s, timer("shutdown"), 100 + hold);
    expect(r.actions).toEqual([
      { type: "removeVips" },
      { type: "transition", from: "master", to: "init", reason: "shutdown" },
      { type: "stopped" },
    ]);
  });

  test("a second shutdown stops at once", () => {
    const s = step(asMaster(), { type: "shutdown" }, 100).state;
    expect(step(s, { type: "shutdown" }, 101).actions.map((a) => a.type)).toEqual(["cancelTimer", "removeVips", "transition", "stopped"]);
  });

  test("Fault and Initialize stop directly", () => {
    const fault = step(started(), { type: "fault", source: "eth0", reason: "link-down" }, 0).state;
    expect(step(fault, { type: "shutdown" }, 1).actions).toEqual([
      { type: "transition", from: "fault", to: "init", reason: "shutdown" },
      { type: "stopped" },
    ]);
    expect(step(initialState(params()), { type: "shutdown" }, 1).actions).toEqual([{ type: "stopped" }]);
  });
});

describe("Fault", () => {
  const down = (source: string): FsmEvent => ({ type: "fault", source, reason: "link-down" });
  const up = (source: string): FsmEvent => ({ type: "faultCleared", source, reason: "link-up" });

  test("from Master: priority 0, cancel timers, remove VIPs", () => {
    const r = step(asMaster(), down("eth0"), 50);
    expect(r.actions).toEqual([
      { type: "sendAdvert", priority: 0 },
      { type: "cancelTimer", timer: "advert" },
      { type: "removeVips" },
      { type: "transition", from: "master", to: "fault", reason: "link-down" },
    ]);
    expect(r.state.faults).toEqual(["eth0"]);
  });

  test("from Backup: cancel Master_Down_Timer (reason track-failed)", () => {
    const r = step(started(), { type: "fault", source: "chk_nginx", reason: "track-failed" }, 50);
    expect(r.actions).toEqual([
      { type: "cancelTimer", timer: "masterDown" },
      { type: "transition", from: "backup", to: "fault", reason: "track-failed" },
    ]);
  });

  test("several sources: Fault until the last one clears, then Backup like startup", () => {
    let r = run(started(), [[0, down("eth0")], [1, { type: "fault", source: "chk", reason: "track-failed" }], [2, down("eth0")]]);
    expect(r.actions).toEqual([]);
    expect(r.state.faults).toEqual(["eth0", "chk"]);
    r = step(r.state, up("eth0"), 3);
    expect(r.actions).toEqual([]);
    expect(r.state.state).toBe("fault");
    r = step(r.state, { type: "faultCleared", source: "chk", reason: "track-recovered" }, 4);
    expect(r.actions).toEqual([
      { type: "transition", from: "fault", to: "backup", reason: "track-recovered" },
      { type: "armTimer", timer: "masterDown", atMs: 4 + 3007.8125 },
    ]);
    expect(r.state.startedAtMs).toBe(4);
  });

  test("clearing an unknown source does nothing", () => {
    expect(step(started(), up("eth9"), 1).actions).toEqual([]);
  });

  test("the owner comes back as Master (reason link-up)", () => {
    const r = run(asMaster(), [[0, down("eth0")], [10, up("eth0")]]);
    expect(r.state.state).toBe("master");
    expect(r.actions[0]).toEqual({ type: "transition", from: "fault", to: "master", reason: "link-up" });
  });

  test("adverts and timers are ignored in Fault", () => {
    const s = step(started(), down("eth0"), 0).state;
    expect(step(s, advert(255), 1).actions).toEqual([]);
    expect(step(s, timer("masterDown"), 5000).actions).toEqual([]);
  });
});

describe("priority changes (tracking)", () => {
  test("a Master whose priority drops stays Master and advertises the new priority", () => {
    let r = step(electedMaster({ basePriority: 200 }), { type: "priority", priority: 50 }, 10);
    expect(r.actions).toEqual([]);
    expect(r.state.state).toBe("master");
    r = step(r.state, timer("advert"), 1000);
    expect(r.actions[0]).toEqual({ type: "sendAdvert", priority: 50 });
    // …and yields to a backup that now has the higher priority.
    expect(step(r.state, advert(100), 1001).state.state).toBe("backup");
  });

  test("a Backup whose priority rises above the master's starts discarding its adverts", () => {
    let r = step(started({ basePriority: 100 }), advert(150), 0);
    r = step(r.state, { type: "priority", priority: 200 }, 1);
    expect(r.actions).toEqual([]);
    r = step(r.state, advert(150), 1000);
    expect(r.actions).toEqual([]); // discarded
    expect(step(r.state, timer("masterDown"), r.state.masterDownDeadlineMs!).actions[0]).toEqual({
      type: "transition",
      from: "backup",
      to: "master",
      reason: "preempt",
    });
  });

  test("invalid priorities are ignored", () => {
    for (const p of [0, 256, 1.5, Number.NaN]) expect(step(started(), { type: "priority", priority: p }, 0).state.priority).toBe(254);
  });
});

describe("timers as state", () => {
  test("a timer that wakes early is re-armed for the same deadline and does nothing else", () => {
    const r = step(started(), timer("masterDown"), 3000);
    expect(r.actions).toEqual([{ type: "armTimer", timer: "masterDown", atMs: 3007.8125 }]);
    expect(r.state.state).toBe("backup");
  });
  test("a timer that is not armed is ignored", () => {
    expect(step(started(), timer("advert"), 5000).actions).toEqual([]);
    expect(step(asMaster(), timer("masterDown"), 5000).actions).toEqual([]);
    expect(step(initialState(params()), timer("shutdown"), 5000).actions).toEqual([]);
  });
});

describe("properties over random event sequences", () => {
  const deepFreeze = <T>(o: T): T => {
    if (o !== null && typeof o === "object" && !Object.isFrozen(o)) {
      Object.freeze(o);
      for (const v of Object.values(o)) deepFreeze(v);
    }
    return o;
  };

  function randomEvent(prng: Prng): FsmEvent {
    switch (prng.int(0, 9)) {
      case 0:
        return { type: "startup" };
      case 1:
        return { type: "shutdown" };
      case 2:
      case 3:
      case 4:
        return advert(prng.pick([0, 1, 100, 200, 254, 255]), prng.pick(["192.168.0.1", "192.168.0.3"]), prng.pick([50, 100]));
      case 5:
      case 6:
        return timer(prng.pick(["advert", "masterDown", "shutdown"] as const));
      case 7:
        return { type: "fault", source: prng.pick(["eth0", "chk"]), reason: "link-down" };
      case 8:
        return { type: "faultCleared", source: prng.pick(["eth0", "chk"]), reason: "link-up" };
      default:
        return { type: "priority", priority: prng.int(1, 255) };
    }
  }

  test("5000 sequences: immutability, one transition per step, timers and VIPs consistent with the state", () => {
    const prng = new Prng(42);
    for (let run = 0; run < 5000; run++) {
      let s = initialState(
        params({
          version: prng.pick([2, 3] as const),
          basePriority: prng.pick([100, 254, 255]),
          preempt: prng.chance(0.7),
          startAsMaster: prng.chance(0.2),
          preemptDelayMs: prng.pick([0, 2000]),
        }),
      );
      let now = 0;
      let vips = false;
      for (let i = 0; i < 40; i++) {
        now += prng.pick([0, 1, 10, 500, 1000, 3100]);
        const ev = randomEvent(prng);
        const before = JSON.stringify(s);
        const r = step(deepFreeze(s), ev, now);
        expect(JSON.stringify(s)).toBe(before); // input untouched (and frozen: a write would throw)
        const transitions = r.actions.filter((a): a is Extract<FsmAction, { type: "transition" }> => a.type === "transition");
        expect(transitions.length).toBeLessThanOrEqual(1);
        if (transitions[0] !== undefined) {
          expect(transitions[0].from).toBe(s.state);
          expect(transitions[0].to).toBe(r.state.state);
          expect(r.state.lastTransitionMs).toBe(now);
          expect(r.state.lastTransitionReason).toBe(transitions[0].reason);
        } else {
          expect(r.state.state).toBe(s.state);
        }
        for (const a of r.actions) {
          if (a.type === "addVips") vips = true;
          if (a.type === "removeVips") vips = false;
        }
        s = r.state;
        // The VIPs are held exactly while Master.
        expect(vips).toBe(s.state === "master");
        // Timers mirror the state.
        const resigning = s.shutdownDeadlineMs !== null;
        expect(s.advertDeadlineMs !== null).toBe(s.state === "master" && !resigning);
        expect(s.masterDownDeadlineMs !== null).toBe(s.state === "backup");
        if (resigning) expect(s.state).toBe("master");
        expect(s.state === "fault").toBe(s.faults.length > 0 && s.state !== "init");
      }
    }
  });
});
