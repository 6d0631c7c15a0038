// The fail-safe runtime over fake ports: faults injected through a port, and what a daemon then
// does — the last resort (resign, remove VIPs, exit 70), netlink and send errors handled where
// they happen (retry, count, Fault so the backup takes over), the bounded stop, interfaces that
// appear late. Each case failed on 0.1.0 (a throw escaped, or the master kept claiming).
import { describe, expect, test } from "bun:test";
import { decodeAdvert } from "../../src/protocol/packet.ts";
import { OsError } from "../../src/os/linux/errors.ts";
import { FAULT_RETRY_MS, VIP_RETRY_MS } from "../../src/runtime/instance.ts";
import { EXIT_SOFTWARE, LastResort } from "../../src/runtime/last-resort.ts";
import type { AddressSpec, LinkInfo } from "../../src/runtime/ports.ts";
import { FakeHost, RecordingMetrics } from "../fakes/ports.ts";
import { config, Lab, quietLogger, seedConf, stateOf } from "./harness.ts";

const VIP = "192.168.0.254/24";

/** Priorities of the adverts `from` put on the wire since frame index `since`. */
function prioritiesFrom(lab: Lab, from: string, since = 0): number[] {
  return lab.wire.sent
    .slice(since)
    .filter((f) => f.from === from)
    .map((f) => {
      const d = decodeAdvert(f.payload, { family: 4, srcAddress: f.from, dstAddress: f.dst, ttl: 255 });
      return d.ok ? d.packet.priority : -1;
    });
}

/** FakeHost whose `add` fails as `fail` says (an errno per call, or null to let it through). */
class FlakyHost extends FakeHost {
  addFailures: (string | null)[] = [];
  alwaysFail: string | null = null;
  linkFailures = 0;
  override add(spec: AddressSpec): boolean {
    const code = this.addFailures.length > 0 ? this.addFailures.shift()! : this.alwaysFail;
    if (code) throw new OsError("RTM_NEWADDR", code === "ETIMEDOUT" ? 110 : 19, "injected");
    return super.add(spec);
  }
  override link(name: string): LinkInfo | undefined {
    if (this.linkFailures > 0) {
      this.linkFailures--;
      throw new OsError("RTM_GETLINK", 110, "injected");
    }
    return super.link(name);
  }
}

describe("last resort", () => {
  test("a throw from a port inside a timer: one fatal, priority 0 sent, VIP removed, exit 70; the backup takes over", () => {
    const lab = new Lab();
    const exits: number[] = [];
    // The metrics port throws on the 3rd advert: the master holds the VIP by then.
    const metrics = new RecordingMetrics();
    let sent = 0;
    const orig = metrics.advertSent.bind(metrics);
    metrics.advertSent = (l, p) => {
      orig(l, p);
      if (++sent === 3) throw new TypeError("injected: a bug in a port");
    };
    const lr = new LastResort(quietLogger, (c) => exits.push(c));
    const r1 = lab.node("192.168.0.1", config(seedConf(200)), undefined, { onFatal: lr.fail, metrics });
    lr.protect(r1.daemon);
    const r2 = lab.node("192.168.0.2", config(seedConf(100)));
    r1.daemon.start();
    lab.advance(10);
    r2.daemon.start();
    lab.advance(3500); // Master_Down: r1 master, its 1st advert
    expect(stateOf(r1)).toBe("master");
    expect(r1.host.addresses("eth0")).toContain(VIP);
    expect(exits).toEqual([]);
    const before = lab.wire.sent.length;
    lab.advance(2000); // 3rd advert → the injected throw
    expect(exits).toEqual([EXIT_SOFTWARE]);
    expect(r1.host.addresses("eth0")).not.toContain(VIP);
    expect(prioritiesFrom(lab, "192.168.0.1", before)).toContain(0);
    lab.advance(1000); // priority 0 → the backup waits Skew_Time only
    expect(stateOf(r2)).toBe("master");
    expect(r2.host.addresses("eth0")).toContain(VIP);
  });

  test("without a handler the error still propagates (no silent swallowing)", () => {
    const lab = new Lab();
    const metrics = new RecordingMetrics();
    metrics.advertSent = () => {
      throw new TypeError("injected");
    };
    const r1 = lab.node("192.168.0.1", config(seedConf(255)), undefined, { metrics });
    expect(() => r1.daemon.start()).toThrow("injected");
  });
});

describe("netlink and send errors", () => {
  function flakyNode(lab: Lab, address: string, priority: number) {
    const host = new FlakyHost(lab.clock);
    return { host, node: lab.node(address, config(seedConf(priority)), undefined, {}, host) };
  }

  test("ETIMEDOUT once on the VIP add: retried, held, counted; the master stays master", () => {
    const lab = new Lab();
    const { host, node: r1 } = flakyNode(lab, "192.168.0.1", 255);
    host.addFailures = ["ETIMEDOUT"];
    r1.daemon.start();
    expect(stateOf(r1)).toBe("master");
    expect(host.addresses("eth0")).not.toContain(VIP);
    lab.advance(VIP_RETRY_MS[0]!);
    expect(host.addresses("eth0")).toContain(VIP);
    expect(stateOf(r1)).toBe("master");
    expect(r1.daemon.errors.byLabel("netlink")).toEqual([["addr-add/ETIMEDOUT", 1]]);
  });

  test("the VIP cannot be added at all: Fault after the retries, the backup holds it; recovered later, back to Master", () => {
    const lab = new Lab();
    const { host, node: r1 } = flakyNode(lab, "192.168.0.1", 200);
    const r2 = lab.node("192.168.0.2", config(seedConf(100)));
    r2.daemon.start();
    lab.advance(4000);
    expect(stateOf(r2)).toBe("master");
    host.alwaysFail = "ENODEV";
    r1.daemon.start(); // higher priority: preempts after Master_Down, then cannot add the VIP
    lab.advance(4000);
    lab.advance(VIP_RETRY_MS.reduce((a, b) => a + b, 0) + 1500);
    expect(stateOf(r1)).toBe("fault");
    expect(r1.daemon.status().instances[0]!.faults).toEqual(["vip-add"]);
    expect(stateOf(r2)).toBe("master");
    expect(r2.host.addresses("eth0")).toContain(VIP);
    expect(host.addresses("eth0")).not.toContain(VIP);
    host.alwaysFail = null;
    lab.advance(FAULT_RETRY_MS + 4000);
    expect(stateOf(r1)).toBe("master");
    expect(host.addresses("eth0")).toContain(VIP);
  });

  test("adverts that cannot be sent (EMSGSIZE): counted by errno, Fault after 3 in a row, the backup takes over", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(200)));
    const r2 = lab.node("192.168.0.2", config(seedConf(100)));
    r1.daemon.start();
    lab.advance(10);
    r2.daemon.start();
    lab.advance(3500);
    expect(stateOf(r1)).toBe("master");
    const send = r1.transport.send.bind(r1.transport);
    r1.transport.send = () => {
      throw new OsError("sendmsg", 90, "injected");
    };
    lab.advance(3500);
    expect(stateOf(r1)).toBe("fault");
    expect(r1.host.addresses("eth0")).not.toContain(VIP);
    lab.advance(4000);
    expect(stateOf(r2)).toBe("master");
    expect(r1.daemon.errors.sendErrors().find(([, e]) => e === "EMSGSIZE")![2]).toBeGreaterThanOrEqual(3);
    r1.transport.send = send;
    lab.advance(FAULT_RETRY_MS + 4000);
    expect(stateOf(r1)).toBe("master"); // retried as at start; preempts the lower priority
  });

  test("a link look-up that times out answers with the last view: no fault, the VIP is added", async () => {
    const lab = new Lab();
    const { host, node: r1 } = flakyNode(lab, "192.168.0.1", 200);
    host.addLink("eth1", []);
    r1.daemon.start(); // alone: Master after Master_Down, when the VIP is added
    await lab.settle(0);
    host.linkFailures = 100;
    host.setUp("eth1", false); // a link event: the takeover's VIP add must ask the kernel again
    await lab.settle(4000);
    expect(stateOf(r1)).toBe("master");
    expect(host.addresses("eth0")).toContain(VIP);
    expect(r1.daemon.errors.total("netlink")).toBeGreaterThan(0);
  });
});

describe("stop", () => {
  test("v3 at 10 s adverts with no backup: the stop ends within min(3 × advert_int, 10 s) = 10 s, not after the 20 s hold", async () => {
    const lab = new Lab();
    const cfg = config(seedConf(255, "  version 3\n").replace("advert_int 1", "advert_int 10"));
    const r1 = lab.node("192.168.0.1", cfg);
    r1.daemon.start();
    lab.advance(100);
    expect(r1.daemon.stopBoundMs()).toBe(10_000);
    let done = false;
    void r1.daemon.shutdown().then(() => (done = true));
    await lab.settle(9_490);
    expect(done).toBe(false);
    expect(r1.host.addresses("eth0")).toContain(VIP); // make-before-break hold
    await lab.settle(20); // forced at 9.5 s: removal and exit fit inside the 10 s bound
    await lab.settle(0);
    expect(done).toBe(true);
    expect(r1.host.addresses("eth0")).not.toContain(VIP);
  });

  test("a second stop request releases the VIP at once", async () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(255)));
    r1.daemon.start();
    lab.advance(100);
    let done = false;
    void r1.daemon.shutdown().then(() => (done = true));
    await lab.settle(0);
    expect(r1.host.addresses("eth0")).toContain(VIP);
    void r1.daemon.shutdown();
    await lab.settle(0);
    expect(done).toBe(true);
    expect(r1.host.addresses("eth0")).not.toContain(VIP);
  });
});

describe("interfaces that come later", () => {
  test("an instance on a missing interface waits in Fault (interface-missing) and starts when it appears", async () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(255).replace("interface eth0", "interface eth1")));
    r1.daemon.start();
    const s = r1.daemon.status().instances[0]!;
    expect(s.state).toBe("fault");
    expect(s.faults[0]).toContain("interface-missing");
    await lab.settle(0);
    r1.host.addLink("eth1", [{ family: 4, address: "192.168.1.1", prefixLength: 24 }]);
    await lab.settle(1500);
    expect(stateOf(r1)).toBe("master");
    expect(r1.host.addresses("eth1")).toContain(VIP);
  });
});

describe("election-only instances (no virtual_ipaddress, as keepalived allows)", () => {
  const noVip = (priority: number) => config(`vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${priority}\n advert_int 1\n}\n`);

  test("the master advertises Count 0 (it used to throw at the first advert), the peer accepts it and stays backup", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", noVip(200));
    const r2 = lab.node("192.168.0.2", noVip(100));
    r1.daemon.start();
    lab.advance(10);
    r2.daemon.start();
    lab.advance(8000);
    expect(stateOf(r1)).toBe("master");
    expect(stateOf(r2)).toBe("backup");
    const fromR1 = lab.wire.sent.filter((f) => f.from === "192.168.0.1");
    expect(fromR1.length).toBeGreaterThanOrEqual(4);
    expect(fromR1.every((f) => f.payload[3] === 0)).toBe(true);
    expect(r2.metrics.count("dropped")).toBe(0);
  });
});
