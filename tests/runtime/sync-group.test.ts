// vrrp_sync_group over fake ports: LAN and WAN instances of a router stay on the same box.
import { expect, test } from "bun:test";
import { config, Lab, stateOf } from "./harness.ts";

const routerConf = (lanPrio: number, wanPrio: number) =>
  `vrrp_sync_group G {
  group {
    VI_LAN
    VI_WAN
  }
  notify_master "/bin/group master"
}
vrrp_instance VI_LAN {
  interface eth0
  virtual_router_id 51
  priority ${lanPrio}
  advert_int 1
  virtual_ipaddress {
    192.168.0.254/24
  }
}
vrrp_instance VI_WAN {
  interface eth0
  virtual_router_id 52
  priority ${wanPrio}
  advert_int 1
  track_interface {
    eth1 weight -150
  }
  virtual_ipaddress {
    192.0.2.254/24
  }
}
`;

function pair() {
  const lab = new Lab();
  const r1 = lab.node("192.168.0.1", config(routerConf(200, 200)));
  const r2 = lab.node("192.168.0.2", config(routerConf(100, 100)));
  for (const r of [r1, r2]) r.host.addLink("eth1", [{ family: 4, address: "192.0.2.9", prefixLength: 24 }]);
  r1.daemon.start();
  r2.daemon.start();
  lab.advance(5000);
  return { lab, r1, r2 };
}

test("both members master on r1; the group's notify_master runs", () => {
  const { r1, r2 } = pair();
  expect([stateOf(r1, "VI_LAN"), stateOf(r1, "VI_WAN")]).toEqual(["master", "master"]);
  expect([stateOf(r2, "VI_LAN"), stateOf(r2, "VI_WAN")]).toEqual(["backup", "backup"]);
  expect(r1.runner.fired).toContainEqual(["/bin/group", "master"]);
});

test("WAN uplink down on r1: the whole group goes to FAULT (weight ignored) and r2 takes both VIPs; back up → r1 again", () => {
  const { lab, r1, r2 } = pair();
  r1.host.setUp("eth1", false);
  expect([stateOf(r1, "VI_LAN"), stateOf(r1, "VI_WAN")]).toEqual(["fault", "fault"]);
  expect(r1.daemon.status().instances.find((i) => i.name === "VI_LAN")!.faults).toEqual(["sync_group:G:VI_WAN"]);
  lab.advance(5000);
  expect([stateOf(r2, "VI_LAN"), stateOf(r2, "VI_WAN")]).toEqual(["master", "master"]);
  // Each member adds its own VIP before the group's peers follow (the order is not part of the contract).
  expect(r2.host.addresses("eth0").sort()).toEqual(["192.0.2.254/24", "192.168.0.2/24", "192.168.0.254/24"]);
  r1.host.setUp("eth1", true);
  lab.advance(8000);
  expect([stateOf(r1, "VI_LAN"), stateOf(r1, "VI_WAN")]).toEqual(["master", "master"]);
  expect([stateOf(r2, "VI_LAN"), stateOf(r2, "VI_WAN")]).toEqual(["backup", "backup"]);
});

test("one member losing its master pulls the other along (sync-group reason, no loop)", () => {
  const { lab, r1, r2 } = pair();
  r1.transport.connected = false; // r1 cut off: both of r2's Master_Down timers run out together

  lab.advance(5000);
  const reasons = r2.metrics.calls.filter((c) => c.kind === "transition" && c.args[1] === "master").map((c) => c.args[2]);
  // The first timer to fire moves its instance; the sibling follows at once, before its own timer.
  expect(reasons.sort()).toEqual(["master-down-timeout", "sync-group"]);
  expect([stateOf(r2, "VI_LAN"), stateOf(r2, "VI_WAN")]).toEqual(["master", "master"]);
  const transitionsBefore = r2.metrics.count("transition");
  lab.advance(20_000);
  expect(r2.metrics.count("transition")).toBe(transitionsBefore);
});
