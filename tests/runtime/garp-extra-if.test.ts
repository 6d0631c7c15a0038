// keepalived garp_extra_if (periodic GARP/NA on the other interfaces of a Master's VIPs) and the
// GARP/NA pace shared per interface / garp_group across instances, over the fake clock.
import { describe, expect, test } from "bun:test";
import type { VirtualAddress } from "../../src/config/schema.ts";
import { extraIfTargets, GarpScheduler, type GarpTiming } from "../../src/runtime/garp.ts";
import type { Announcer } from "../../src/runtime/ports.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { quietLogger } from "./harness.ts";

const vip = (address: string, dev?: string): VirtualAddress => ({
  address,
  prefixLength: address.includes(":") ? 64 : 24,
  family: address.includes(":") ? 6 : 4,
  ...(dev && { dev }),
  pos: { file: "", line: 1, col: 1 },
});
const LINKS: Record<string, number> = { eth0: 2, eth1: 3, eth2: 4, "vrrp.51": 9 };
const resolve = (n: string) => (LINKS[n] ? { index: LINKS[n]!, mac: new Uint8Array([0, 0, 0, 0, 0, LINKS[n]!]) } : undefined);
const picked = (t: ReturnType<typeof extraIfTargets>) => t.map((x) => `${x.ifindex} ${x.vip.address}`);

function recorder(clock: FakeClock): { announcer: Announcer; out: string[] } {
  const out: string[] = [];
  return {
    out,
    announcer: {
      garp: (i, m, a) => void out.push(`${clock.nowMs()} arp if${i} mac${m[5]} ${a}`),
      unsolicitedNa: (i, m, a) => void out.push(`${clock.nowMs()} na if${i} mac${m[5]} ${a}`),
    },
  };
}

const timing = (over: Partial<GarpTiming> = {}): GarpTiming => ({ repeat: 1, delayMs: 0, refreshMs: 0, refreshRepeat: 1, ...over });

describe("garp_extra_if: which interfaces (keepalived's vrrp_send_vmac_update)", () => {
  const vips = [vip("10.99.0.1"), vip("10.99.1.1", "eth1"), vip("10.99.1.2", "eth1"), vip("2001:db8:2::1", "eth2"), vip("10.99.3.1", "eth9")];
  test("without `all`: none on other interfaces (they are not VMACs), nor on the instance's own", () => {
    expect(extraIfTargets(vips, { ifname: "eth0", vmac: false, xmitBase: false }, false, resolve)).toEqual([]);
  });
  test("`all`: each other interface once, with its first VIP; a missing interface is left out", () => {
    expect(picked(extraIfTargets(vips, { ifname: "eth0", vmac: false, xmitBase: false }, true, resolve))).toEqual(["3 10.99.1.1", "4 2001:db8:2::1"]);
  });
  test("use_vmac with vmac_xmit_base: the VMAC itself (its MAC is not refreshed by the adverts), even without `all`", () => {
    const own = { ifname: "vrrp.51", vmac: true, xmitBase: true };
    expect(picked(extraIfTargets(vips, own, false, resolve))).toEqual(["9 10.99.0.1"]);
    expect(picked(extraIfTargets(vips, { ...own, xmitBase: false }, false, resolve))).toEqual([]);
    expect(picked(extraIfTargets(vips, own, true, resolve))).toEqual(["9 10.99.0.1", "3 10.99.1.1", "4 2001:db8:2::1"]);
  });
});

describe("garp_extra_if: when", () => {
  test("every interval while Master, first one interval after becoming Master; one GARP/NA per interface with its MAC; none after stop", () => {
    const clock = new FakeClock(0);
    const { announcer, out } = recorder(clock);
    let counted = 0;
    const g = new GarpScheduler(clock, announcer, quietLogger, (n) => (counted += n));
    const targets = extraIfTargets(
      [vip("10.99.0.1"), vip("10.99.1.1", "eth1"), vip("2001:db8:2::1", "eth2")],
      { ifname: "eth0", vmac: false, xmitBase: false },
      true,
      resolve,
    );
    g.start(2, new Uint8Array(6), [vip("10.99.0.1")], timing({ extraIf: { intervalMs: 60_000, targets } }));
    clock.advance(150_000);
    expect(out).toEqual([
      "0 arp if2 mac0 10.99.0.1", // the takeover burst, on the instance's interface
      "60000 arp if3 mac3 10.99.1.1",
      "60000 na if4 mac4 2001:db8:2::1",
      "120000 arp if3 mac3 10.99.1.1",
      "120000 na if4 mac4 2001:db8:2::1",
    ]);
    expect(counted).toBe(5);
    g.stop();
    clock.advance(600_000);
    expect(out).toHaveLength(5);
  });

  test("interval 0 or no target: nothing periodic", () => {
    const clock = new FakeClock(0);
    const { announcer, out } = recorder(clock);
    const g = new GarpScheduler(clock, announcer, quietLogger, () => {});
    g.start(
      2,
      new Uint8Array(6),
      [vip("10.99.0.1")],
      timing({ extraIf: { intervalMs: 0, targets: [{ ifindex: 3, mac: new Uint8Array(6), vip: vip("10.99.1.1") }] } }),
    );
    clock.advance(100_000);
    g.start(2, new Uint8Array(6), [vip("10.99.0.1")], timing({ extraIf: { intervalMs: 1000, targets: [] } }));
    clock.advance(100_000);
    expect(out.filter((l) => !l.includes("if2"))).toEqual([]);
  });
});

describe("GARP pacing shared per interface and per garp_group, across instances (keepalived garp_next_time)", () => {
  const two = (keys: [string | undefined, string | undefined], ifindexes: [number, number]) => {
    const clock = new FakeClock(0);
    const { announcer, out } = recorder(clock);
    const a = new GarpScheduler(clock, announcer, quietLogger, () => {});
    const b = new GarpScheduler(clock, announcer, quietLogger, () => {});
    a.start(
      ifindexes[0],
      new Uint8Array(6),
      [vip("10.99.0.1"), vip("10.99.0.2")],
      timing({ repeat: 1, garpIntervalMs: 100, ...(keys[0] && { pacingKey: keys[0] }) }),
    );
    b.start(
      ifindexes[1],
      new Uint8Array(6),
      [vip("10.99.0.3"), vip("10.99.0.4")],
      timing({ repeat: 1, garpIntervalMs: 100, ...(keys[1] && { pacingKey: keys[1] }) }),
    );
    clock.advance(2000);
    return out.map((l) => Number(l.split(" ")[0]));
  };
  test("two instances on one interface: one GARP per interval between them, not one each", () => {
    expect(two([undefined, undefined], [2, 2])).toEqual([0, 100, 200, 300]);
  });
  test("on two interfaces: each its own pace", () => {
    expect(two([undefined, undefined], [2, 3])).toEqual([0, 0, 100, 100]);
  });
  test("two interfaces of one garp_group: one pace", () => {
    expect(two(["garp_group:0", "garp_group:0"], [2, 3])).toEqual([0, 100, 200, 300]);
  });
  test("a new announcer (another host, another test) starts with a fresh pace", () => {
    expect(two([undefined, undefined], [2, 2])).toEqual([0, 100, 200, 300]);
  });
});
