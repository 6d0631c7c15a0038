// keepalived vrrp_garp_interval / vrrp_gna_interval (pacing inside a burst) and
// garp_lower_prio_repeat / garp_lower_prio_delay / lower_prio_no_advert, over the fake clock.
import { describe, expect, test } from "bun:test";
import type { VirtualAddress } from "../../src/config/schema.ts";
import { encodeAdvert } from "../../src/protocol/packet.ts";
import { GarpScheduler } from "../../src/runtime/garp.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { config, Lab, quietLogger, seedConf } from "./harness.ts";

const twoVips = (priority: number, extra = "", global = "") =>
  `${global}vrrp_instance VI_1 {
	interface eth0
	virtual_router_id 51
	priority ${priority}
	advert_int 1
	virtual_ipaddress {
		192.168.0.254/24
		192.168.0.253/24
	}
${extra}}
`;

const times = (a: { atMs: number }[]) => a.map((x) => x.atMs);

describe("vrrp_garp_interval: the GARPs of a burst one per interval", () => {
  test("global 0.1 s: 2 VIPs × 5 at 0,100…900 (round robin), the second burst from 5000", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(twoVips(255, "", "global_defs {\n  vrrp_garp_interval 0.1\n}\n")));
    r1.daemon.start();
    lab.advance(10_000);
    const a = r1.host.announced;
    expect(times(a)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 5000, 5100, 5200, 5300, 5400, 5500, 5600, 5700, 5800, 5900]);
    expect(a.slice(0, 4).map((x) => x.address)).toEqual(["192.168.0.254", "192.168.0.253", "192.168.0.254", "192.168.0.253"]);
    expect(r1.metrics.calls.filter((c) => c.kind === "garpSent").reduce((n, c) => n + (c.args[0] as number), 0)).toBe(20);
  });

  test("the instance's garp_interval overrides the global; default 0 keeps the burst back to back", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(twoVips(255, "  garp_interval 0.25\n  garp_master_repeat 2\n", "global_defs {\n  vrrp_garp_interval 0.1\n}\n")));
    r1.daemon.start();
    lab.advance(2000);
    expect(times(r1.host.announced)).toEqual([0, 250, 500, 750]);
    const lab2 = new Lab();
    const r2 = lab2.node("192.168.0.1", config(twoVips(255)));
    r2.daemon.start();
    expect(times(r2.host.announced)).toEqual(Array(10).fill(0));
  });

  test("losing mastership drops what is still queued", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(twoVips(100, "  garp_interval 1\n")));
    r1.daemon.start();
    lab.advance(6000); // Master after Master_Down_Interval (~3.6 s), announcing one per second since
    const sofar = r1.host.announced.length;
    expect(sofar).toBeGreaterThan(0);
    expect(sofar).toBeLessThan(10);
    r1.transport.inject({ family: 4, src: "192.168.0.9", dst: "224.0.0.18", ttl: 255, payload: advertOf(200) });
    lab.advance(1);
    expect(r1.daemon.status().instances[0]!.state).toBe("backup");
    lab.advance(3000); // still Backup (Master_Down_Interval ~3.2 s from the advert)
    expect(r1.daemon.status().instances[0]!.state).toBe("backup");
    expect(r1.host.announced.length).toBe(sofar);
  });
});

describe("GarpScheduler: gna_interval paces NAs apart from GARPs; a failing send does not stop the rest", () => {
  const vip = (address: string, family: 4 | 6): VirtualAddress => ({
    address,
    prefixLength: family === 4 ? 24 : 64,
    family,
    pos: { file: "", line: 1, col: 1 },
  });
  test("GARPs every 100 ms, NAs every 250 ms, independently; a refresh while queued does not grow the queue", () => {
    const clock = new FakeClock(0);
    const out: string[] = [];
    const announcer = {
      garp: (_i: number, _m: Uint8Array, a: string) => {
        if (a === "10.0.0.9" && clock.nowMs() === 100) throw new Error("ENOBUFS");
        out.push(`${clock.nowMs()} arp ${a}`);
      },
      unsolicitedNa: (_i: number, _m: Uint8Array, a: string) => void out.push(`${clock.nowMs()} na ${a}`),
    };
    let counted = 0;
    const g = new GarpScheduler(clock, announcer, quietLogger, (n) => (counted += n));
    g.start(2, new Uint8Array(6), [vip("10.0.0.9", 4), vip("2001:db8::9", 6)], {
      repeat: 2,
      delayMs: 0,
      refreshMs: 0,
      refreshRepeat: 1,
      garpIntervalMs: 100,
      gnaIntervalMs: 250,
    });
    g.lowerPriority(2, 0); // asked again while still queued: each owed at most 2 more, not 3
    clock.advance(5000);
    // The GARP at 100 fails (logged); the next goes on schedule.
    expect(out).toEqual(["0 arp 10.0.0.9", "0 na 2001:db8::9", "200 arp 10.0.0.9", "250 na 2001:db8::9", "500 na 2001:db8::9"]);
    expect(counted).toBe(5);
    g.stop();
  });
});

function advertOf(priority: number) {
  return encodeAdvert({
    version: 2,
    family: 4,
    vrid: 51,
    priority,
    advertIntervalCs: 100,
    addresses: ["192.168.0.254"],
    srcAddress: "192.168.0.9",
    dstAddress: "224.0.0.18",
  });
}

describe("a Master hearing a lower-priority advert (keepalived garp_lower_prio_*, lower_prio_no_advert)", () => {
  const run = (extra: string, global = "") => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(`${global}${seedConf(255, extra)}`));
    r1.daemon.start();
    lab.advance(20_000);
    const sentBefore = r1.daemon.status().instances[0]!.advertsSent;
    const before = r1.host.announced.length;
    r1.transport.inject({ family: 4, src: "192.168.0.9", dst: "224.0.0.18", ttl: 255, payload: advertOf(100) });
    lab.advance(10);
    const extraAdverts = r1.daemon.status().instances[0]!.advertsSent - sentBefore; // the 20 000 advert went before
    lab.advance(10_000);
    return { extraAdverts, garps: times(r1.host.announced.slice(before)) };
  };

  test("keepalived defaults: answers with an advert (RFC 9568 §6.4.3) and sends vrrp_garp_master_repeat GARPs now and after vrrp_garp_master_delay", () => {
    const r = run("");
    expect(r.extraAdverts).toBe(1);
    expect(r.garps).toEqual([...Array(5).fill(20_000), ...Array(5).fill(25_000)]);
  });

  test("lower_prio_no_advert: no answering advert, the GARPs still", () => {
    const r = run("  lower_prio_no_advert\n  garp_lower_prio_repeat 2\n  garp_lower_prio_delay 0\n");
    expect(r.extraAdverts).toBe(0);
    expect(r.garps).toEqual([20_000, 20_000]);
  });

  test("globals fold in; garp_lower_prio_repeat 0 sends none", () => {
    const r = run("", "global_defs {\n  vrrp_garp_lower_prio_repeat 1\n  vrrp_garp_lower_prio_delay 2\n  vrrp_lower_prio_no_advert\n}\n");
    expect(r).toEqual({ extraAdverts: 0, garps: [20_000, 22_000] });
    expect(run("  garp_lower_prio_repeat 0\n").garps).toEqual([]);
  });

  test("vrrp_strict resets them as keepalived: no answer, no GARPs (with a warning when asked for)", () => {
    const c = config(`global_defs {\n  vrrp_strict\n}\n${seedConf(255, "  garp_lower_prio_repeat 3\n")}`);
    expect(c.instances[0]).toMatchObject({ garpLowerPrioRepeat: 0, garpLowerPrioDelayMs: 0, lowerPrioNoAdvert: true });
  });
});
