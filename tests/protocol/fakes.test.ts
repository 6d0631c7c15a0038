// The fakes the protocol tests stand on must themselves be right.

import { describe, expect, test } from "bun:test";
import { FakeClock } from "../fakes/fake-clock.ts";
import { Prng } from "../fakes/prng.ts";
import { SimLan } from "../fakes/sim-lan.ts";

describe("FakeClock", () => {
  test("fires due timers in deadline order, ties in the order set, and sets now to each deadline", () => {
    const c = new FakeClock(100);
    const log: string[] = [];
    c.setTimer(130, () => log.push(`b@${c.nowMs()}`));
    c.setTimer(110, () => log.push(`a@${c.nowMs()}`));
    c.setTimer(130, () => log.push(`c@${c.nowMs()}`));
    c.setTimer(200, () => log.push("late"));
    c.advance(30);
    expect(log).toEqual(["a@110", "b@130", "c@130"]);
    expect(c.nowMs()).toBe(130);
    expect(c.pending()).toBe(1);
  });

  test("timers set while advancing fire in the same advance when due", () => {
    const c = new FakeClock();
    const log: number[] = [];
    c.setTimer(10, () => c.setTimer(c.nowMs() + 5, () => log.push(c.nowMs())));
    c.advance(20);
    expect(log).toEqual([15]);
    expect(c.nowMs()).toBe(20);
  });

  test("clearTimer cancels; a past deadline fires at now", () => {
    const c = new FakeClock(50);
    const log: string[] = [];
    const h = c.setTimer(60, () => log.push("cancelled"));
    c.setTimer(10, () => log.push(`past@${c.nowMs()}`));
    c.clearTimer(h);
    c.advance(100);
    expect(log).toEqual(["past@50"]);
  });

  test("wallMs moves with nowMs; time cannot go back", () => {
    const c = new FakeClock(0, 1_000_000);
    c.advance(250.5);
    expect(c.wallMs()).toBe(1_000_250.5);
    expect(() => c.advanceTo(10)).toThrow(RangeError);
  });

  test("runUntil stops at the first moment the predicate holds", () => {
    const c = new FakeClock();
    let n = 0;
    for (let t = 1; t <= 10; t++) c.setTimer(t * 10, () => n++);
    expect(c.runUntil(() => n === 3, 1000)).toBe(true);
    expect(c.nowMs()).toBe(30);
    expect(c.runUntil(() => n === 99, 75)).toBe(false);
    expect(c.nowMs()).toBe(75);
  });
});

describe("Prng", () => {
  test("is deterministic per seed and roughly uniform", () => {
    const a = new Prng(5);
    const b = new Prng(5);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe("SimLan", () => {
  const pair = (seed = 1, loss = 0): SimLan => {
    const lan = new SimLan({ version: 3, family: 4, vrid: 1, addresses: ["10.0.0.254"], advertIntervalCs: 100, seed, lossProbability: loss });
    lan.addRouter({ name: "a", priority: 200, primaryAddress: "10.0.0.1" });
    lan.addRouter({ name: "b", priority: 100, primaryAddress: "10.0.0.2" });
    lan.recordWire = true;
    return lan;
  };

  test("real bytes go on the wire and are delivered with the latency", () => {
    const lan = pair();
    lan.latencyMs = 3;
    lan.startAll();
    lan.run(3700);
    expect(lan.wire.length).toBeGreaterThan(0);
    expect(lan.wire[0]!.bytes[0]).toBe(0x31); // v3 advert
    expect(lan.router("b").advertsAccepted).toBe(lan.router("a").advertsSent);
  });

  test("a partition isolates; heal reconnects", () => {
    const lan = pair();
    lan.startAll();
    lan.run(5000);
    lan.partition([["a"], ["b"]]);
    lan.run(5000);
    expect(lan.masters().sort()).toEqual(["a", "b"]);
    lan.heal();
    lan.run(2000);
    expect(lan.masters()).toEqual(["a"]);
  });

  test("loss is seeded: same seed, same outcome; different seed, different losses", () => {
    const outcome = (seed: number): string => {
      const lan = pair(seed, 0.4);
      lan.startAll();
      lan.run(60_000);
      return `${lan.lost}/${lan.delivered}/${lan.transitions.length}`;
    };
    expect(outcome(9)).toBe(outcome(9));
    expect(outcome(9)).not.toBe(outcome(10));
  });

  test("a crashed router neither sends nor receives and loses its VIPs", () => {
    const lan = pair();
    lan.startAll();
    lan.run(5000);
    const sent = lan.router("a").advertsSent;
    lan.crash("a");
    lan.run(10_000);
    expect(lan.router("a").advertsSent).toBe(sent);
    expect(lan.vipLog.filter((v) => v.router === "a").map((v) => [v.held, v.cause])).toEqual([
      [true, "fsm"],
      [false, "crash"],
    ]);
  });
});
