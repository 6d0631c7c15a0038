// The daemon over fake ports: election, failover, make-before-break stop, the address journal
// (never remove an address vigil did not add), GARP pacing, drops. No root needed.
import { describe, expect, test } from "bun:test";
import { encodeAdvert } from "../../src/protocol/packet.ts";
import { MemoryJournal } from "../../src/runtime/journal.ts";
import { config, Lab, seedConf, stateOf } from "./harness.ts";

describe("seed pair over fake ports", () => {
  test("255 becomes master and holds the VIP; 254 stays backup", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(255)));
    const r2 = lab.node("192.168.0.2", config(seedConf(254)));
    r1.daemon.start();
    r2.daemon.start();
    lab.advance(5000);
    expect(stateOf(r1)).toBe("master");
    expect(stateOf(r2)).toBe("backup");
    expect(r1.host.addresses("eth0")).toContain("192.168.0.254/24");
    expect(r2.host.addresses("eth0")).not.toContain("192.168.0.254/24");
    expect(r2.daemon.status().instances[0]!.masterAddress).toBe("192.168.0.1");
  });

  test("master silent → backup takes over at last advert + 3×1 s + skew (1 ms wire latency)", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(255)));
    const r2 = lab.node("192.168.0.2", config(seedConf(254)));
    r1.daemon.start();
    r2.daemon.start();
    lab.advance(4500);
    const lastAdvertMs = lab.wire.sent.filter((s) => s.from === "192.168.0.1").at(-1)!.atMs;
    r1.transport.connected = false; // cable cut on r1's side: nothing more arrives from it
    lab.advance(5000);
    const t = r2.metrics.calls.find((c) => c.kind === "transition" && c.args[1] === "master");
    expect(t?.args[2]).toBe("master-down-timeout");
    const takeover = r2.host.addressLog.find((a) => a.op === "add")!;
    expect(takeover.address).toBe("192.168.0.254");
    // r2 heard the last advert 1 ms after it was sent; Master_Down = 3000 + 7.8125 ms.
    const firstR2Advert = lab.wire.sent.find((s) => s.from === "192.168.0.2")!.atMs;
    expect(firstR2Advert).toBe(lastAdvertMs + 1 + 3007.8125);
  });

  test("SIGTERM on the master: priority 0, the backup takes over after skew, VIP removed only after", async () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(255)));
    const r2 = lab.node("192.168.0.2", config(seedConf(254)));
    r1.daemon.start();
    r2.daemon.start();
    lab.advance(3000);
    const stopped = r1.daemon.shutdown();
    const zero = lab.wire.sent.at(-1)!;
    expect(zero.payload[2]).toBe(0); // priority byte of the advert just sent
    expect(r1.host.addresses("eth0")).toContain("192.168.0.254/24"); // still held: make-before-break
    await lab.settle(20);
    await stopped;
    expect(stateOf(r2)).toBe("master");
    expect(r2.host.addresses("eth0")).toContain("192.168.0.254/24");
    expect(r1.host.addresses("eth0")).not.toContain("192.168.0.254/24");
    expect(r1.transport.closed).toBe(true);
    const r2Takeover = r2.metrics.calls.find((c) => c.kind === "transition" && c.args[1] === "master")!;
    expect(r2Takeover.args[2]).toBe("priority-zero-received");
    // The backup waited Skew_Time only (7.8125 ms) plus wire latency, not 3 s.
    const firstR2 = lab.wire.sent.find((s) => s.from === "192.168.0.2")!.atMs;
    expect(firstR2 - zero.atMs).toBe(1 + 7.8125);
  });

  test("alone: SIGTERM still ends, bounded, and removes the VIP", async () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(255)));
    r1.daemon.start();
    lab.advance(1000);
    const stopped = r1.daemon.shutdown();
    await lab.settle(3000);
    await stopped;
    expect(r1.host.addresses("eth0")).toEqual(["192.168.0.1/24"]);
  });
});

describe("address journal", () => {
  test("a stale VIP recorded by an earlier run is removed at start", () => {
    const lab = new Lab();
    const journal = new MemoryJournal();
    journal.record({ ifname: "eth0", family: 4, address: "192.168.0.254", prefixLength: 24 });
    const r2 = lab.node("192.168.0.2", config(seedConf(254)), journal);
    r2.host.add({ ifindex: 2, family: 4, address: "192.168.0.254", prefixLength: 24 });
    r2.daemon.start();
    expect(r2.host.addresses("eth0")).toEqual(["192.168.0.2/24"]);
    expect(journal.entries()).toEqual([]);
  });

  test("an address owner's own (primary) address configured as VIP is never removed", async () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.254", config(seedConf(255)));
    r1.daemon.start();
    lab.advance(2000);
    expect(stateOf(r1)).toBe("master");
    const stopped = r1.daemon.shutdown();
    await lab.settle(3000);
    await stopped;
    expect(r1.host.addresses("eth0")).toEqual(["192.168.0.254/24"]);
    expect(r1.host.addressLog).toEqual([]);
  });
});

test("a VIP left by someone else (a SIGKILLed keepalived) is removed at start, as keepalived does", () => {
  const lab = new Lab();
  const r2 = lab.node("192.168.0.2", config(seedConf(254)));
  r2.host.add({ ifindex: 2, family: 4, address: "192.168.0.254", prefixLength: 24 });
  r2.daemon.start();
  expect(r2.host.addresses("eth0")).toEqual(["192.168.0.2/24"]);
  expect(stateOf(r2)).toBe("backup");
});

describe("announcements", () => {
  test("garp_master_repeat at once, again after garp_master_delay (keepalived defaults 5 and 5 s)", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(255)));
    r1.daemon.start();
    expect(r1.host.announced.filter((a) => a.atMs === 0).length).toBe(5);
    lab.advance(4999);
    expect(r1.host.announced.length).toBe(5);
    lab.advance(1);
    expect(r1.host.announced.filter((a) => a.atMs === 5000).length).toBe(5);
    lab.advance(60_000);
    expect(r1.host.announced.length).toBe(10); // no refresh configured
  });
});

describe("receive path", () => {
  test("bad TTL, bad checksum, wrong vrid and garbage are counted by reason; no transition", () => {
    const lab = new Lab();
    const r2 = lab.node("192.168.0.2", config(seedConf(254)));
    r2.daemon.start();
    const good = encodeAdvert({
      version: 2,
      family: 4,
      vrid: 51,
      priority: 255,
      advertIntervalCs: 100,
      addresses: ["192.168.0.254"],
      srcAddress: "192.168.0.1",
      dstAddress: "224.0.0.18",
    });
    const badSum = good.slice();
    badSum[6]! ^= 0xff;
    const otherVrid = encodeAdvert({
      version: 2,
      family: 4,
      vrid: 52,
      priority: 255,
      advertIntervalCs: 100,
      addresses: ["192.168.0.254"],
      srcAddress: "192.168.0.1",
      dstAddress: "224.0.0.18",
    });
    const base = { family: 4 as const, src: "192.168.0.9", dst: "224.0.0.18" };
    for (let i = 0; i < 10; i++) {
      r2.transport.inject({ ...base, ttl: 64, payload: good });
      r2.transport.inject({ ...base, ttl: 255, payload: badSum });
      r2.transport.inject({ ...base, ttl: 255, payload: otherVrid });
      r2.transport.inject({ ...base, ttl: 255, payload: new Uint8Array([0x21, 0xff, 0x00]) });
    }
    const drops = (reason: string) => r2.metrics.count("dropped", (a) => a[0] === reason);
    expect(drops("bad-ttl")).toBe(10);
    expect(drops("bad-checksum")).toBe(10);
    expect(drops("bad-vrid")).toBe(10);
    expect(drops("short")).toBe(10);
    // One instance on eth0: even drops before the VRID is read carry its labels.
    expect(r2.metrics.calls.filter((c) => c.kind === "dropped" && c.args[0] === "bad-ttl").every((c) => c.labels?.instance === "VI_1")).toBe(true);
    expect(r2.metrics.count("advertReceived")).toBe(0);
    expect(stateOf(r2)).toBe("backup");
    expect(r2.metrics.count("transition")).toBe(1); // init → backup only
  });
});
