// Scenarios on a simulated LAN: real packet bytes between pure FSMs, fake time.

import { describe, expect, test } from "bun:test";
import { compareAddresses } from "../../src/protocol/address.ts";
import { masterDownIntervalMs, shutdownHoldMs, skewTimeMs } from "../../src/protocol/timers.ts";
import type { Family, VrrpVersion } from "../../src/protocol/types.ts";
import { Prng } from "../fakes/prng.ts";
import { SimLan, type SimLanOptions } from "../fakes/sim-lan.ts";

const SEED_VIP = "192.168.0.254/24";

/** The seed config: VRID 51, v2, advert_int 1, VIP 192.168.0.254/24, priorities 255 / 254. */
function seedPair(over: Partial<SimLanOptions> = {}): SimLan {
  const lan = new SimLan({ version: 2, family: 4, vrid: 51, addresses: [SEED_VIP], advertIntervalCs: 100, ...over });
  lan.addRouter({ name: "r1", priority: 255, primaryAddress: "192.168.0.1" });
  lan.addRouter({ name: "r2", priority: 254, primaryAddress: "192.168.0.2" });
  return lan;
}

describe("the seed pair (v2, 1 s, priorities 255 / 254)", () => {
  test("255 is master and the only VIP holder; 254 is backup; nothing dropped", () => {
    const lan = seedPair();
    lan.startAll();
    lan.run(10_000);
    expect(lan.masters()).toEqual(["r1"]);
    expect(lan.vipHolders()).toEqual(["r1"]);
    expect(lan.stateOf("r2")).toBe("backup");
    expect(lan.transitions.map((t) => [t.router, t.to, t.reason])).toEqual([
      ["r1", "master", "address-owner"],
      ["r2", "backup", "startup"],
    ]);
    expect(lan.router("r2").state.masterAddress).toBe("192.168.0.1");
    expect(lan.router("r2").advertsAccepted).toBe(11); // t = 0, 1000, …, 10 000
    expect([...lan.drops]).toEqual([]);
  });

  test("master crashes → backup is master exactly at crash + 3 × 1000 + (256 − 254)/256 × 1000 ms", () => {
    const lan = seedPair();
    lan.startAll();
    lan.run(5000); // r1's advert at 5000 has just been delivered (latency 0)
    const crashAt = lan.clock.nowMs();
    lan.crash("r1");
    lan.run(10_000);
    const expected = crashAt + 3 * 1000 + ((256 - 254) / 256) * 1000;
    expect(expected).toBe(8007.8125);
    expect(lan.transitionTime("r2", "master")).toBe(expected);
    expect(lan.transitions.at(-1)!.reason).toBe("master-down-timeout");
    expect(lan.masters()).toEqual(["r2"]);
    expect(lan.vipHolders()).toEqual(["r2"]);
    // The VIP was absent exactly for the failover time.
    const gone = lan.vipLog.find((v) => v.router === "r1" && !v.held)!;
    const back = lan.vipLog.find((v) => v.router === "r2" && v.held)!;
    expect([gone.atMs, gone.cause, back.atMs]).toEqual([5000, "crash", expected]);
  });

  test("with 0.25 ms latency the clock starts at the last advert's arrival", () => {
    const lan = seedPair({ latencyMs: 0.25 });
    lan.startAll();
    lan.run(5000.5);
    lan.crash("r1");
    lan.run(10_000);
    expect(lan.transitionTime("r2", "master")).toBe(5000.25 + 3007.8125);
  });

  test("graceful shutdown (priority 0) → backup is master after Skew_Time only, VIP never absent", () => {
    const lan = seedPair();
    lan.startAll();
    lan.run(5000.5);
    const stopAt = lan.clock.nowMs();
    lan.shutdown("r1");
    lan.run(5000);
    expect(lan.transitionTime("r2", "master")).toBe(stopAt + skewTimeMs(2, 254, 100));
    expect(lan.transitions.find((t) => t.router === "r2" && t.to === "master")!.reason).toBe("priority-zero-received");
    // r1 kept the VIP until r2 took over (make-before-break), then went to init and stopped.
    const r1Removed = lan.vipLog.find((v) => v.router === "r1" && !v.held)!;
    const r2Added = lan.vipLog.find((v) => v.router === "r2" && v.held)!;
    expect(r1Removed.atMs).toBe(r2Added.atMs);
    expect(lan.vipLog.indexOf(r2Added)).toBeLessThan(lan.vipLog.indexOf(r1Removed));
    expect(lan.transitions.find((t) => t.router === "r1" && t.to === "init")!.reason).toBe("shutdown");
    expect(lan.router("r1").up).toBe(false);
    expect(lan.vipHolders()).toEqual(["r2"]);
  });

  test("shutdown with no backup alive: the VIPs go at the hold bound", () => {
    const lan = seedPair();
    lan.startAll();
    lan.run(2000);
    lan.crash("r2");
    lan.shutdown("r1");
    lan.run(5000);
    const removed = lan.vipLog.find((v) => v.router === "r1" && !v.held)!;
    expect(removed.atMs).toBe(2000 + shutdownHoldMs(2, 100));
  });

  test("the master returns after a crash and takes over again (owner)", () => {
    const lan = seedPair();
    lan.startAll();
    lan.run(3000);
    lan.crash("r1");
    lan.run(5000);
    expect(lan.masters()).toEqual(["r2"]);
    lan.restart("r1");
    lan.run(100);
    expect(lan.masters()).toEqual(["r1"]);
    expect(lan.vipHolders()).toEqual(["r1"]);
    expect(lan.transitions.at(-1)).toMatchObject({ router: "r2", to: "backup", reason: "higher-priority-advert" });
  });

  test("PASS authentication: matching passwords elect; a wrong one is dropped as bad-auth", () => {
    const lan = seedPair({ authPass: "s3cret" });
    lan.router("r2").cfg.authPass = "wrong";
    lan.startAll();
    lan.run(5000);
    expect(lan.drops.get("bad-auth")).toBeGreaterThan(0);
    expect(lan.masters().sort()).toEqual(["r1", "r2"]); // they cannot hear each other
  });
});

describe("election rules", () => {
  test("equal priorities: the higher primary address wins (numerically), whatever the start order", () => {
    for (const order of [["a", "b"], ["b", "a"]]) {
      const lan = new SimLan({ version: 3, family: 4, vrid: 7, addresses: ["10.0.0.254"], advertIntervalCs: 100 });
      lan.addRouter({ name: "a", priority: 100, primaryAddress: "10.0.0.9" });
      lan.addRouter({ name: "b", priority: 100, primaryAddress: "10.0.0.10" });
      for (const n of order) lan.start(n);
      lan.run(10_000);
      expect(lan.masters()).toEqual(["b"]);
      expect(lan.vipHolders()).toEqual(["b"]);
    }
  });

  test("nopreempt: a returning higher-priority router does not take over", () => {
    const lan = new SimLan({ version: 2, family: 4, vrid: 51, addresses: [SEED_VIP], advertIntervalCs: 100 });
    lan.addRouter({ name: "high", priority: 200, primaryAddress: "192.168.0.1", preempt: false });
    lan.addRouter({ name: "low", priority: 100, primaryAddress: "192.168.0.2" });
    lan.start("low");
    lan.run(10_000);
    lan.start("high");
    lan.run(60_000);
    expect(lan.masters()).toEqual(["low"]);
    expect(lan.stateOf("high")).toBe("backup");
    expect(lan.vipHolders()).toEqual(["low"]);
  });

  test("preempt (default): the returning higher-priority router takes over when its down timer runs out", () => {
    const lan = new SimLan({ version: 2, family: 4, vrid: 51, addresses: [SEED_VIP], advertIntervalCs: 100 });
    lan.addRouter({ name: "high", priority: 200, primaryAddress: "192.168.0.1" });
    lan.addRouter({ name: "low", priority: 100, primaryAddress: "192.168.0.2" });
    lan.start("low");
    lan.run(10_000);
    lan.start("high");
    lan.run(10_000);
    expect(lan.transitionTime("high", "master")).toBe(10_000 + masterDownIntervalMs(2, 200, 100));
    expect(lan.transitions.find((t) => t.router === "high" && t.to === "master")!.reason).toBe("preempt");
    expect(lan.masters()).toEqual(["high"]);
    expect(lan.vipHolders()).toEqual(["high"]);
  });

  test("preempt_delay: no takeover before the delay, takeover after", () => {
    const lan = new SimLan({ version: 2, family: 4, vrid: 51, addresses: [SEED_VIP], advertIntervalCs: 100 });
    lan.addRouter({ name: "high", priority: 200, primaryAddress: "192.168.0.1", preemptDelayMs: 10_000 });
    lan.addRouter({ name: "low", priority: 100, primaryAddress: "192.168.0.2" });
    lan.start("low");
    lan.run(20_000);
    const lowMasterAt = lan.transitionTime("low", "master")!;
    expect(lowMasterAt).toBe(masterDownIntervalMs(2, 100, 100)); // 3609.375
    lan.start("high"); // t = 20 000
    lan.run(9_999);
    expect(lan.masters()).toEqual(["low"]);
    lan.run(10_000);
    // low sends on the 1 s ticks (its first periodic advert at 4000): the last one accepted
    // inside the delay is at 29 000 (< 30 000); the next (30 000) is discarded, so high's timer
    // runs out from the former.
    expect(lan.transitionTime("high", "master")).toBe(29_000 + masterDownIntervalMs(2, 200, 100));
    expect(lan.transitions.find((t) => t.router === "high" && t.to === "master")!.reason).toBe("preempt");
    expect(lan.masters()).toEqual(["high"]);
  });

  test("v3: a backup learns the master's 50 cs interval and times out on it", () => {
    const lan = new SimLan({ version: 3, family: 4, vrid: 9, addresses: ["10.1.0.1"], advertIntervalCs: 100 });
    lan.addRouter({ name: "m", priority: 200, primaryAddress: "10.1.0.2", advertIntervalCs: 50 });
    lan.addRouter({ name: "b", priority: 100, primaryAddress: "10.1.0.3" });
    lan.startAll();
    lan.run(5000);
    expect(lan.masters()).toEqual(["m"]);
    expect(lan.router("b").state.masterAdvertIntervalCs).toBe(50);
    const m = lan.transitionTime("m", "master")!;
    lan.run(Math.ceil((m + 4000) / 500) * 500 - lan.clock.nowMs()); // at one of m's advert times (its 500 ms ticks)
    const crashAt = lan.clock.nowMs();
    lan.crash("m");
    lan.run(5000);
    // 3 × 500 ms + (256 − 100) × 500 / 256 ms, not the 3609.375 ms its own 1 s interval gives.
    expect(lan.transitionTime("b", "master")).toBe(crashAt + 1500 + 304.6875);
  });

  test("v3 over IPv6 and the vrrp-only IPv4 checksum form elect too", () => {
    const cases: { family: Family; addresses: string[]; primaries: [string, string]; form?: "vrrp-only" }[] = [
      { family: 6, addresses: ["fe80::100", "2001:db8::100"], primaries: ["fe80::1", "fe80::2"] },
      { family: 4, addresses: ["10.2.0.1"], primaries: ["10.2.0.2", "10.2.0.3"], form: "vrrp-only" },
    ];
    for (const c of cases) {
      const lan = new SimLan({
        version: 3,
        family: c.family,
        vrid: 3,
        addresses: c.addresses,
        advertIntervalCs: 20,
        ...(c.form && { v3Ipv4Checksum: c.form }),
      });
      lan.addRouter({ name: "x", priority: 150, primaryAddress: c.primaries[0] });
      lan.addRouter({ name: "y", priority: 120, primaryAddress: c.primaries[1] });
      lan.startAll();
      lan.run(2000);
      expect(lan.masters()).toEqual(["x"]);
      expect(lan.router("y").advertsAccepted).toBeGreaterThan(5);
      expect([...lan.drops]).toEqual([]);
    }
  });

  test("link down on the master: priority 0, backup takes over after Skew_Time; link up: owner returns", () => {
    const lan = seedPair();
    lan.startAll();
    lan.run(2500);
    lan.fault("r1", "eth0");
    expect(lan.stateOf("r1")).toBe("fault");
    lan.run(1000);
    expect(lan.transitionTime("r2", "master")).toBe(2500 + skewTimeMs(2, 254, 100));
    lan.faultCleared("r1", "eth0");
    lan.run(100);
    expect(lan.masters()).toEqual(["r1"]);
    expect(lan.vipHolders()).toEqual(["r1"]);
  });
});

describe("255 routers on one VRID", () => {
  test("converge to exactly one master, the highest (ties broken by address)", () => {
    const lan = new SimLan({ version: 3, family: 4, vrid: 200, addresses: ["10.9.255.254"], advertIntervalCs: 100, latencyMs: 0.1 });
    for (let i = 0; i < 255; i++) {
      // priorities 254, 253, …, 1 and 254 again: two routers share the top priority.
      lan.addRouter({ name: `r${i}`, priority: 254 - (i % 254), primaryAddress: `10.9.${Math.floor(i / 200)}.${(i % 200) + 1}` });
    }
    lan.startAll();
    lan.run(10_000);
    expect(lan.masters()).toEqual(["r254"]); // 10.9.1.55 > 10.9.0.1
    expect(lan.vipHolders()).toEqual(["r254"]);
    // Only the two top-priority routers ever became master: skew ordered everyone else.
    expect([...new Set(lan.transitions.filter((t) => t.to === "master").map((t) => t.router))].sort()).toEqual(["r0", "r254"]);
    expect([...lan.routers.values()].filter((r) => r.state.state === "backup").length).toBe(254);
  });
});

describe("randomized property: chaos, then a healthy LAN has exactly one master", () => {
  interface RunResult {
    seed: number;
    masters: string[];
    holders: string[];
    lateTransitions: number;
    highestOk: boolean;
    /** Chaos really happened: a moment with two masters, and failovers. */
    sawSplitBrain: boolean;
    transitions: number;
  }

  function chaosRun(seed: number): RunResult {
    const prng = new Prng(seed);
    const version: VrrpVersion = prng.pick([2, 3] as const);
    const family: Family = version === 2 ? 4 : prng.pick([4, 6] as const);
    const intervalCs = version === 2 ? 100 : prng.pick([10, 50, 100]);
    const latencyMs = prng.pick([0, 0.2, 2, 5]);
    const lan = new SimLan({
      version,
      family,
      vrid: prng.int(1, 255),
      addresses: family === 4 ? ["10.50.0.254"] : ["fe80::254", "2001:db8::254"],
      advertIntervalCs: intervalCs,
      latencyMs,
      seed,
    });
    const n = prng.int(2, 5);
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `n${i}`;
      names.push(name);
      lan.addRouter({
        name,
        // Near-equal priorities and duplicates on purpose: that is where elections go wrong.
        priority: prng.pick([1, 100, 100, 101, 253, 254, 255, prng.int(1, 254)]),
        primaryAddress: family === 4 ? `10.50.0.${i + 1}` : `fe80::${i + 1}`,
        preempt: prng.chance(0.75),
        preemptDelayMs: prng.chance(0.2) ? 2000 : 0,
        startAsMaster: prng.chance(0.1),
      });
    }
    lan.startAll();
    const faults = new Map<string, Set<string>>();
    // Chaos: 40 s of partitions, loss, crashes, restarts, shutdowns, faults, priority changes.
    const chaosEnd = 40_000;
    let sawSplitBrain = false;
    while (lan.clock.nowMs() < chaosEnd) {
      lan.run(prng.int(50, 2500));
      sawSplitBrain ||= lan.masters().length > 1;
      const target = prng.pick(names);
      const r = lan.router(target);
      switch (prng.int(0, 9)) {
        case 0: {
          const groupOf = names.map(() => prng.int(0, 1));
          lan.partition([names.filter((_, i) => groupOf[i] === 0), names.filter((_, i) => groupOf[i] === 1)]);
          break;
        }
        case 1:
          lan.heal();
          break;
        case 2:
          lan.lossProbability = prng.pick([0, 0.05, 0.3, 0.8]);
          break;
        case 3:
          lan.crash(target);
          break;
        case 4:
          if (!r.up) lan.restart(target);
          break;
        case 5:
          lan.shutdown(target);
          break;
        case 6: {
          const source = prng.pick(["eth0", "chk"]);
          lan.fault(target, source, source === "eth0" ? "link-down" : "track-failed");
          if (r.up) faults.set(target, (faults.get(target) ?? new Set()).add(source));
          break;
        }
        case 7:
          for (const source of faults.get(target) ?? []) lan.faultCleared(target, source);
          faults.delete(target);
          break;
        case 8:
          lan.setPriority(target, prng.int(1, 254));
          break;
        default:
          if (!r.up) lan.restart(target);
      }
    }
    // Heal: one LAN, no loss, faults cleared, at least one router running.
    lan.heal();
    lan.lossProbability = 0;
    for (const [name, sources] of faults) for (const s of sources) lan.faultCleared(name, s);
    for (const r of lan.routers.values()) {
      // A restarted router forgets its faults; clear whatever the FSM still holds.
      for (const s of r.state.faults) lan.faultCleared(r.name, s);
    }
    // (a master still resigning from a shutdown does not count: it is about to stop)
    if (![...lan.routers.values()].some((r) => r.up && r.state.shutdownDeadlineMs === null)) lan.restart(prng.pick(names));
    const healedAt = lan.clock.nowMs();
    const intervalMs = intervalCs * 10;
    // Bound: a resigning master's hold, a preempt_delay, the slowest Master_Down_Interval,
    // then one interval for rival masters to hear each other, plus latency.
    const boundMs = shutdownHoldMs(version, intervalCs) + 2000 + masterDownIntervalMs(version, 1, intervalCs) + 2 * intervalMs + 2 * latencyMs;
    lan.run(boundMs + 10 * intervalMs);

    const running = [...lan.routers.values()].filter((r) => r.up);
    const best = running.reduce((a, b) =>
      b.state.priority > a.state.priority ||
        (b.state.priority === a.state.priority && (compareAddresses(b.params.primaryAddress, a.params.primaryAddress) ?? 0) > 0)
        ? b
        : a
    );
    const allPreempt = running.every((r) => r.params.preempt);
    return {
      seed,
      masters: lan.masters(),
      holders: lan.vipHolders(),
      lateTransitions: lan.transitions.filter((t) => t.atMs > healedAt + boundMs).length,
      highestOk: !allPreempt || lan.masters()[0] === best.name,
      sawSplitBrain,
      transitions: lan.transitions.length,
    };
  }

  test("300 seeded runs: one master, one VIP holder (the same), stable, the highest when all preempt", () => {
    const failures: RunResult[] = [];
    let splitBrainRuns = 0;
    let transitions = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = chaosRun(seed);
      if (r.sawSplitBrain) splitBrainRuns++;
      transitions += r.transitions;
      const ok = r.masters.length === 1 && r.holders.length === 1 && r.masters[0] === r.holders[0] && r.lateTransitions === 0 && r.highestOk;
      if (!ok) failures.push(r);
    }
    expect(failures).toEqual([]);
    // The property is not vacuous: partitions really split the LAN and roles really moved.
    expect(splitBrainRuns).toBeGreaterThan(50);
    console.log(`property: ${splitBrainRuns} runs with split brain, ${transitions} transitions`);
    expect(transitions).toBeGreaterThan(3000);
  });
});
