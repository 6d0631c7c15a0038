// SIGHUP reload planning and execution, tracking (track_interface, track_script weights), notify.
import { describe, expect, test } from "bun:test";
import { planReload } from "../../src/runtime/reload.ts";
import { effectivePriority } from "../../src/runtime/tracking.ts";
import { config, Lab, seedConf, stateOf } from "./harness.ts";

const two = (p1: number, vip2 = "192.168.1.254/24") =>
  `${seedConf(p1)}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  priority 100
  advert_int 1
  virtual_ipaddress {
    ${vip2}
  }
}
`;

describe("reload plan", () => {
  test("moved lines are not a change; priority is an in-place update; vrid is a re-creation", () => {
    const a = config(two(200));
    expect(planReload(a, config("\n\n# comment\n" + two(200))).unchanged).toEqual(["VI_1", "VI_2"]);
    const p = planReload(a, config(two(150)));
    expect(p.updated.map((c) => c.name)).toEqual(["VI_1"]);
    expect(p.unchanged).toEqual(["VI_2"]);
    const v = planReload(a, config(two(200).replace("virtual_router_id 52", "virtual_router_id 53")));
    expect(v.recreated.map((c) => c.name)).toEqual(["VI_2"]);
    const r = planReload(a, config(seedConf(200)));
    expect(r.removed).toEqual(["VI_2"]);
  });
});

describe("reload on a running daemon", () => {
  test("unchanged instance: no transition, no address change, adverts keep their schedule", async () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(two(200)));
    r1.daemon.start();
    lab.advance(4000);
    expect(stateOf(r1, "VI_1")).toBe("master");
    const transitions = r1.metrics.count("transition");
    const addrEvents = r1.host.addressLog.length;
    await r1.daemon.reload(config(two(200, "192.168.2.254/24")));
    await lab.settle(3000);
    const vi1 = lab.wire.sent.filter((s) => s.payload[1] === 51).map((s) => s.atMs);
    const gaps = vi1.slice(1).map((t, i) => t - vi1[i]!);
    expect(Math.max(...gaps)).toBe(1000);
    // VI_2 changed VIPs in place: old removed, new added, no transition.
    expect(r1.metrics.count("transition")).toBe(transitions);
    expect(r1.host.addressLog.slice(addrEvents)).toEqual([
      { op: "remove", address: "192.168.1.254" },
      { op: "add", address: "192.168.2.254" },
    ]);
    expect(r1.metrics.calls.filter((c) => c.kind === "reload").map((c) => c.args[0])).toEqual([true]);
  });

  test("a removed instance resigns with priority 0 and removes its VIP; an added one starts", async () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(two(200)));
    r1.daemon.start();
    lab.advance(4000);
    const before = lab.wire.sent.length;
    const done = r1.daemon.reload(config(seedConf(200).replace(/VI_1/g, "VI_3").replace("51", "53")));
    await lab.settle(5000);
    await done;
    await lab.settle(4000); // VI_3 (priority 200) waits Master_Down before taking its VIP
    const names = r1.daemon.status().instances.map((i) => i.name);
    expect(names).toEqual(["VI_3"]);
    const resigned = lab.wire.sent.slice(before).filter((s) => s.payload[2] === 0).map((s) => s.payload[1]);
    expect(resigned.sort()).toEqual([51, 52]);
    expect(r1.host.addresses("eth0")).toEqual(["192.168.0.1/24", "192.168.0.254/24"]);
    expect(r1.metrics.count("forget")).toBe(2);
  });

  test("the socket of an interface no instance uses any more is closed after the reload", async () => {
    const lab = new Lab();
    const onEth1 = seedConf(200).replace(/VI_1/g, "VI_9").replace("eth0", "eth1").replace("51", "59").replace("192.168.0.254", "192.0.2.254");
    const r1 = lab.node("192.168.0.1", config(seedConf(200) + onEth1));
    const eth1 = r1.host.addLink("eth1", [{ family: 4, address: "192.0.2.1", prefixLength: 24 }]);
    r1.daemon.start();
    lab.advance(4000);
    const done = r1.daemon.reload(config(seedConf(200)));
    await lab.settle(3000);
    await done;
    expect(r1.transport.released).toEqual([`${eth1.index}/4`]);
  });

  test("a broken new config is refused: old one keeps running, metric says the reload failed", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(255)));
    r1.daemon.start();
    r1.daemon.reloadFailed(["/etc/keepalived/keepalived.conf:3:19: priority must be 1..255"]);
    expect(r1.daemon.status().lastReload).toMatchObject({ ok: false });
    expect(r1.metrics.calls.filter((c) => c.kind === "reload").map((c) => c.args[0])).toEqual([false]);
    lab.advance(2000);
    expect(stateOf(r1)).toBe("master");
  });
});

describe("tracking", () => {
  test("keepalived weight rules and clamping", () => {
    expect(effectivePriority(100, -20)).toBe(80);
    expect(effectivePriority(250, 10)).toBe(254);
    expect(effectivePriority(10, -50)).toBe(1);
    expect(effectivePriority(255, -50)).toBe(255);
  });

  test("own link down → Fault, VIP removed; link up → back (owner returns to Master)", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(255)));
    r1.daemon.start();
    lab.advance(1000);
    r1.host.setUp("eth0", false);
    expect(stateOf(r1)).toBe("fault");
    expect(r1.host.addresses("eth0")).not.toContain("192.168.0.254/24");
    expect(r1.daemon.status().instances[0]!.faults).toEqual(["link:eth0"]);
    r1.host.setUp("eth0", true);
    expect(stateOf(r1)).toBe("master");
  });

  test("link down at start: straight to Fault, the VIP is never added", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(255)));
    r1.host.setUp("eth0", false);
    r1.daemon.start();
    expect(stateOf(r1)).toBe("fault");
    expect(r1.host.addressLog).toEqual([]);
    expect(lab.wire.sent).toEqual([]);
  });

  test("track_script weight 0 failing → Fault; weight -60 failing → priority 140 and the peer preempts", async () => {
    const lab = new Lab();
    // /bin/sh exists: keepalived (and vigil) disable a track script whose file is missing.
    const scripts =
      `vrrp_script chk_fail {\n  script "/bin/sh check-fail"\n  interval 1\n}\nvrrp_script chk_weight {\n  script "/bin/sh check-weight"\n  interval 1\n  weight -60\n}\n`;
    const r1 = lab.node("192.168.0.1", config(scripts + seedConf(200, "  track_script {\n    chk_weight\n  }\n")));
    const r2 = lab.node("192.168.0.2", config(seedConf(150)));
    r1.runner.results.set("/bin/sh check-weight", 1);
    r1.daemon.start();
    r2.daemon.start();
    await lab.settle(0);
    for (let i = 0; i < 10; i++) await lab.settle(1000);
    expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(140);
    expect(r1.metrics.calls.filter((c) => c.kind === "priority").at(-1)!.args).toEqual([200, 140]);
    expect(stateOf(r2)).toBe("master");
    expect(stateOf(r1)).toBe("backup");

    const lab2 = new Lab();
    const r3 = lab2.node("192.168.0.3", config(scripts + seedConf(200, "  track_script {\n    chk_fail\n  }\n")));
    r3.runner.results.set("/bin/sh check-fail", 1);
    r3.daemon.start();
    await lab2.settle(0);
    expect(stateOf(r3)).toBe("fault");
    expect(r3.daemon.status().instances[0]!.faults).toEqual(["track_script:chk_fail"]);
  });

  test("notify scripts fire as keepalived calls them", () => {
    const lab = new Lab();
    const r1 = lab.node(
      "192.168.0.1",
      config(seedConf(255, '  notify_master "/usr/local/bin/became master"\n  notify /usr/local/bin/any\n')),
    );
    r1.daemon.start();
    expect(r1.runner.fired).toEqual([
      ["/usr/local/bin/became", "master"],
      ["/usr/local/bin/any", "INSTANCE", "VI_1", "MASTER", "255"],
    ]);
  });
});

describe("track_file", () => {
  test("keepalived rules: weight 0 → non-zero is a fault; value × weight added; ≤ −254 is a fault", async () => {
    const { trackFileEffect } = await import("../../src/runtime/track-file.ts");
    expect(trackFileEffect(0, 0)).toEqual({ fault: false, delta: 0 });
    expect(trackFileEffect(3, 0)).toEqual({ fault: true, delta: 0 });
    expect(trackFileEffect(-5, 10)).toEqual({ fault: false, delta: -50 });
    expect(trackFileEffect(-254, 1)).toEqual({ fault: true, delta: 0 });
  });

  test("a maintenance file lowers the priority and the peer takes over; clearing it restores", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const dir = mkdtempSync("/tmp/vigil-trackfile-");
    try {
      const file = `${dir}/maint`;
      writeFileSync(file, "0\n");
      const tf = `vrrp_track_file maint {\n  file "${file}"\n  weight 1\n}\n`;
      const lab = new Lab();
      const r1 = lab.node("192.168.0.1", config(tf + seedConf(200, "  track_file {\n    maint weight -1\n  }\n")));
      const r2 = lab.node("192.168.0.2", config(seedConf(150)));
      r1.daemon.start();
      r2.daemon.start();
      lab.advance(4000);
      expect(stateOf(r1)).toBe("master");
      writeFileSync(file, "100\n"); // × −1 → priority 100 < 150
      lab.advance(6000);
      expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(100);
      expect(stateOf(r2)).toBe("master");
      expect(stateOf(r1)).toBe("backup");
      writeFileSync(file, "0\n");
      lab.advance(6000);
      expect(stateOf(r1)).toBe("master");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
