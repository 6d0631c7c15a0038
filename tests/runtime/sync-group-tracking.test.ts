// A vrrp_sync_group's own track_interface / track_script / track_file (keepalived: every member
// tracks them with weight 0): read into each member, and a failing group script puts the group in Fault.
import { expect, test } from "bun:test";
import { toKeepalived } from "../../src/config/convert-keepalived.ts";
import { loadConfigText } from "../../src/config/load.ts";
import { config, Lab, stateOf } from "./harness.ts";

const inst = (name: string, vrid: number, extra = "") =>
  `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority 200\n advert_int 1\n virtual_ipaddress {\n  192.168.0.${vrid}/24\n }\n${extra}}\n`;

const CONF = `vrrp_script chk {\n script /bin/false\n interval 1\n}\n` + inst("VI_1", 51) + inst("VI_2", 52, " track_interface {\n  eth0 weight 0\n }\n") +
  `vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n track_script {\n  chk weight 20\n }\n track_interface {\n  eth0\n }\n}\n`;

test("the group's tracking is every member's, with weight 0 (a weight given there is warned about)", () => {
  const r = loadConfigText(CONF, "/k.conf");
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
  const [a, b] = r.config.instances;
  expect(a!.trackScripts.map((t) => [t.name, t.weight])).toEqual([["chk", 0]]);
  expect(b!.trackScripts.map((t) => [t.name, t.weight])).toEqual([["chk", 0]]);
  expect(a!.trackInterfaces.map((t) => [t.name, t.weight])).toEqual([["eth0", 0]]);
  expect(b!.trackInterfaces.length).toBe(1); // its own line kept, not doubled
  expect(r.warnings.map((w) => w.message)).toContain(
    "vrrp_sync_group G: track_script chk weight ignored, 0 used (sync_group_tracking_weight is not supported)",
  );
  // Written back on each member, the same model.
  const back = loadConfigText(toKeepalived(r.config), "/back.conf");
  expect(back.ok && back.config.instances.map((i) => i.trackScripts.map((t) => [t.name, t.weight]))).toEqual([[["chk", 0]], [["chk", 0]]]);
});

test("a failing group track_script puts every member in Fault", async () => {
  const lab = new Lab();
  const r1 = lab.node("192.168.0.1", config(CONF));
  r1.runner.results.set("/bin/false", 1);
  r1.daemon.start();
  await lab.settle(100);
  await lab.settle(4000);
  expect(stateOf(r1, "VI_1")).toBe("fault");
  expect(stateOf(r1, "VI_2")).toBe("fault");
  const stopped = r1.daemon.shutdown();
  lab.advance(10_000);
  await stopped;
});
