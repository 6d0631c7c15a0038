import { describe, expect, test } from "bun:test";
import { initialState, step } from "../../src/protocol/fsm.ts";
import { masterDownIntervalMs, skewTimeMs } from "../../src/protocol/timers.ts";
import { advert, asMaster, params, started, timer } from "../fakes/fsm-helpers.ts";
import type { FsmParams } from "../../src/protocol/types.ts";

/** A non-owner that became Master the RFC way: started as Backup, its Master_Down_Timer fired (before 0). */
const electedMaster = (p: Partial<FsmParams>) => {
  const s = started(p, -10_000);
  return step(s, timer("masterDown"), s.masterDownDeadlineMs!).state;
};

describe("§6.4.1 Initialize", () => {
  test("initial state", () => {
    const s = initialState(params());
    expect(s.state).toBe("init");
    expect(s.priority).toBe(254);
    expect(s.masterAdvertIntervalCs).toBe(100);
    expect([s.advertDeadlineMs, s.masterDownDeadlineMs, s.shutdownDeadlineMs]).toEqual([null, null, null]);
  });

  test("priority 255 → Master: advert, VIPs, announce, Adver_Timer (reason address-owner)", () => {
    const r = step(initialState(params({ basePriority: 255 })), { type: "startup" }, 1000);
    expect(r.actions).toEqual([
      { type: "transition", from: "init", to: "master", reason: "address-owner" },
      { type: "sendAdvert", priority: 255 },
      { type: "addVips" },
      { type: "announce" },
      { type: "armTimer", timer: "advert", atMs: 2000 },
    ]);
    expect(r.state.state).toBe("master");
    expect(r.state.masterAddress).toBe("192.168.0.2");
    expect(r.state.lastTransitionMs).toBe(1000);
    expect(r.state.lastTransitionReason).toBe("address-owner");
  });

  test("keepalived `state MASTER` below 255 still starts as Backup and waits Master_Down_Interval (as keepalived)", () => {
    const r = step(initialState(params({ startAsMaster: true })), { type: "startup" }, 500);
    // Same as without startAsMaster: RFC 5798 §6.4.1 knows no "start as master" but the owner's.
    expect(r.actions).toEqual(step(initialState(params()), { type: "startup" }, 500).actions);
    expect(r.state.state).toBe("backup");
    const m = step(r.state, timer("masterDown"), 500 + 3007.8125);
    expect(m.state.state).toBe("master");
    expect(m.actions).toContainEqual({ type: "sendAdvert", priority: 254 });
  });

  test("otherwise → Backup, Master_Adver_Interval = own, Master_Down_Timer = Master_Down_Interval", () => {
    const r = step(initialState(params()), { type: "startup" }, 500);
    expect(r.actions).toEqual([
      { type: "transition", from: "init", to: "backup", reason: "startup" },
      { type: "armTimer", timer: "masterDown", atMs: 500 + 3007.8125 },
    ]);
    expect(r.state.masterAdvertIntervalCs).toBe(100);
    expect(r.state.startedAtMs).toBe(500);
  });

  test("a second startup is ignored", () => {
    expect(step(started(), { type: "startup" }, 10).actions).toEqual([]);
  });

  test("startup with a fault already present → Fault", () => {
    let s = step(initialState(params()), { type: "fault", source: "eth0", reason: "link-down" }, 0).state;
    expect(s.state).toBe("init");
    const r = step(s, { type: "startup" }, 5);
    expect(r.actions).toEqual([{ type: "transition", from: "init", to: "fault", reason: "link-down" }]);
    s = r.state;
    expect([s.advertDeadlineMs, s.masterDownDeadlineMs]).toEqual([null, null]);
  });
});

describe("§6.4.2 Backup", () => {
  test("advert with priority ≥ ours: reset Master_Down_Timer, remember the master", () => {
    const r = step(started(), advert(255), 1234);
    expect(r.actions).toEqual([{ type: "armTimer", timer: "masterDown", atMs: 1234 + 3007.8125 }]);
    expect(r.state.masterAddress).toBe("192.168.0.1");
    expect(r.state.masterDownReason).toBe("master-down-timeout");
  });

  test("v3 learns Master_Adver_Interval and recomputes Master_Down_Interval", () => {
    const s0 = started({ version: 3, basePriority: 200 });
    const r = step(s0, advert(250, "192.168.0.1", 50), 100);
    expect(r.state.masterAdvertIntervalCs).toBe(50);
    expect(r.actions).toEqual([{ type: "armTimer", timer: "masterDown", atMs: 100 + 3 * 500 + skewTimeMs(3, 200, 50) }]);
  });

  test("v2 keeps its own interval whatever the advert says", () => {
    const r = step(started(), advert(255, "192.168.0.1", 300), 0);
    expect(r.state.masterAdvertIntervalCs).toBe(100);
  });

  test("priority 0: Master_Down_Timer = Skew_Time; expiry reports priority-zero-received", () => {
    let r = step(started(), advert(255), 1000);
    r = step(r.state, advert(0), 2000);
    expect(r.actions).toEqual([{ type: "armTimer", timer: "masterDown", atMs: 2000 + 7.8125 }]);
    r = step(r.state, timer("masterDown"), 2007.8125);
    expect(r.actions).toEqual([
      { type: "transition", from: "backup", to: "master", reason: "priority-zero-received" },
      { type: "sendAdvert", priority: 254 },
      { type: "addVips" },
      { type: "announce" },
      { type: "armTimer", timer: "advert", atMs: 3000 }, // the interval's tick within one interval
    ]);
  });

  test("Master_Down_Timer fires → Master (reason master-down-timeout)", () => {
    const r = step(started(), timer("masterDown"), 3007.8125);
    expect(r.state.state).toBe("master");
    expect(r.actions[0]).toEqual({ type: "transition", from: "backup", to: "master", reason: "master-down-timeout" });
    expect(r.state.masterDownDeadlineMs).toBeNull();
    expect(r.state.advertDeadlineMs).toBe(4000); // on the 1 s ticks, 992.1875 ms after the takeover
  });

  test("preempt and lower priority: discard; expiry reports preempt", () => {
    let r = step(started(), advert(255), 0);
    r = step(r.state, advert(100), 1000); // the master's priority dropped below ours
    expect(r.actions).toEqual([]);
    expect(r.state.masterDownDeadlineMs).toBe(3007.8125); // still counting from the last accepted one
    r = step(r.state, timer("masterDown"), 3007.8125);
    expect(r.actions[0]).toEqual({ type: "transition", from: "backup", to: "master", reason: "preempt" });
  });

  test("nopreempt: a lower-priority master is accepted", () => {
    const r = step(started({ preempt: false }), advert(100), 1000);
    expect(r.actions).toEqual([{ type: "armTimer", timer: "masterDown", atMs: 1000 + 3007.8125 }]);
  });

  test("preempt_delay: lower priority accepted until startup + delay, discarded after", () => {
    const s = started({ preemptDelayMs: 10_000 }, 0);
    const inside = step(s, advert(100), 9999);
    expect(inside.actions).toEqual([{ type: "armTimer", timer: "masterDown", atMs: 9999 + 3007.8125 }]);
    const after = step(inside.state, advert(100), 10_000);
    expect(after.actions).toEqual([]);
    expect(after.state.masterDownReason).toBe("preempt");
  });

  test("an accepted advert after a discarded one resets the expiry reason", () => {
    let r = step(started(), advert(100), 0);
    expect(r.state.masterDownReason).toBe("preempt");
    r = step(r.state, advert(255), 10);
    expect(r.state.masterDownReason).toBe("master-down-timeout");
  });

  test("shutdown: cancel Master_Down_Timer, → Initialize, stopped", () => {
    const r = step(started(), { type: "shutdown" }, 5);
    expect(r.actions).toEqual([
      { type: "cancelTimer", timer: "masterDown" },
      { type: "transition", from: "backup", to: "init", reason: "shutdown" },
      { type: "stopped" },
    ]);
  });
});

describe("§6.4.3 Master", () => {
  test("Adver_Timer: send, re-arm from the ideal deadline (no drift)", () => {
    let s = asMaster({}, 0);
    let r = step(s, timer("advert"), 1003); // woke 3 ms late
    expect(r.actions).toEqual([
      { type: "sendAdvert", priority: 255 },
      { type: "armTimer", timer: "advert", atMs: 2000 },
    ]);
    s = r.state;
    r = step(s, timer("advert"), 2000.4);
    expect(r.actions[1]).toEqual({ type: "armTimer", timer: "advert", atMs: 3000 });
  });

  test("masters that became master at different times send on the same ticks (one wake-up for all)", () => {
    const sendTimes = (becameMasterAt: number): number[] => {
      let s = asMaster({}, becameMasterAt);
      const times: number[] = [];
      while (s.advertDeadlineMs! < 6000) {
        const at = s.advertDeadlineMs!;
        s = step(s, timer("advert"), at).state;
        times.push(at);
      }
      return times;
    };
    // The first periodic advert comes at most one interval after the takeover's, never later.
    expect(sendTimes(0.3)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(sendTimes(617.2)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(sendTimes(999.9)).toEqual([1000, 2000, 3000, 4000, 5000]);
  });

  test("after a stall longer than an interval it restarts from now (the next tick) instead of bursting", () => {
    const r = step(asMaster({}, 0), timer("advert"), 5500);
    expect(r.actions).toEqual([
      { type: "sendAdvert", priority: 255 },
      { type: "armTimer", timer: "advert", atMs: 6000 },
    ]);
  });

  test("priority 0 received: send at once and reset Adver_Timer", () => {
    const r = step(asMaster(), advert(0, "192.168.0.9"), 400);
    expect(r.actions).toEqual([
      { type: "sendAdvert", priority: 255 },
      { type: "armTimer", timer: "advert", atMs: 1000 }, // the next tick: at most one interval
    ]);
    expect(r.state.state).toBe("master");
  });

  test("greater priority → Backup: cancel Adver_Timer, remove VIPs, learn (v3), arm Master_Down", () => {
    const s = electedMaster({ version: 3, basePriority: 100 });
    const r = step(s, advert(200, "192.168.0.9", 50), 700);
    expect(r.actions).toEqual([
      { type: "cancelTimer", timer: "advert" },
      { type: "removeVips" },
      { type: "transition", from: "master", to: "backup", reason: "higher-priority-advert" },
      { type: "armTimer", timer: "masterDown", atMs: 700 + masterDownIntervalMs(3, 100, 50) },
    ]);
    expect(r.state.masterAdvertIntervalCs).toBe(50);
    expect(r.state.masterAddress).toBe("192.168.0.9");
    expect(r.state.advertDeadlineMs).toBeNull();
  });

  test("equal priority: the greater primary address wins, compared as numbers", () => {
    const s = electedMaster({ basePriority: 100, primaryAddress: "10.0.0.9" });
    expect(step(s, advert(100, "10.0.0.10"), 1).state.state).toBe("backup"); // 10 > 9 numerically
    expect(step(s, advert(100, "10.0.0.8"), 1).state.state).toBe("master");
    expect(step(s, advert(100, "9.255.255.255"), 1).state.state).toBe("master"); // "9…" > "10…" as text
  });

  test("equal priority on IPv6", () => {
    const s = electedMaster({ family: 6, version: 3, basePriority: 100, primaryAddress: "fe80::9" });
    expect(step(s, advert(100, "fe80::a"), 1).state.state).toBe("backup");
    expect(step(s, advert(100, "fe80::8"), 1).state.state).toBe("master");
  });

  test("lower priority: discard, and advertise at once (RFC 9568 §6.4.3); Adver_Timer unchanged", () => {
    const s = asMaster();
    const r = step(s, advert(254), 1);
    expect(r.actions).toEqual([{ type: "sendAdvert", priority: 255 }]);
    expect(r.state.state).toBe("master");
    expect(r.state.advertDeadlineMs).toBe(s.advertDeadlineMs);
  });

  test("a flood of lower-priority adverts is answered at most once per Advertisement_Interval", () => {
    let s = asMaster();
    let extra = 0;
    for (let t = 1; t <= 2000; t += 1) {
      const r = step(s, advert(254), t);
      extra += r.actions.filter((a) => a.type === "sendAdvert").length;
      s = r.state;
    }
    // 1 s interval, 2 s of flood: answers at t=1 and t=1001 only.
    expect(extra).toBe(2);
  });
});
