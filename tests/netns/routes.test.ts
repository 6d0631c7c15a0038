// virtual_routes on a real kernel: installed with the VIPs on Master, removed on leaving it.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const conf = (priority: number) =>
  `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 61
  priority ${priority}
  version 3
  advert_int 0.05
  virtual_ipaddress {
    10.99.0.100/24
  }
  virtual_routes {
    10.99.77.0/24 via 10.99.0.254 dev eth0
    10.99.78.0/24 dev eth0 metric 50
  }
}
`;

const routes = (l: Lab, node: string) => l.exec(node, ["ip", "-4", "route", "show"]).stdout;

test("the master holds the virtual routes; the backup does not; failover moves them", async () => {
  lab = createLab({ nodes: ["r1", "r2"] });
  const r1 = startVigil(lab, "r1", conf(200));
  const r2 = startVigil(lab, "r2", conf(100));
  nodes = [r1, r2];
  await r1.waitState("master");
  await r2.waitState("backup");
  expect(r1.log()).not.toContain("virtual_routes' is read but not acted on");
  expect(routes(lab, "r1")).toContain("10.99.77.0/24 via 10.99.0.254 dev eth0");
  expect(routes(lab, "r1")).toMatch(/10\.99\.78\.0\/24 dev eth0 .*metric 50/);
  expect(routes(lab, "r2")).not.toContain("10.99.77.0/24");
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  await r2.waitState("master");
  expect(routes(lab, "r2")).toContain("10.99.77.0/24 via 10.99.0.254 dev eth0");
  expect(routes(lab, "r1")).not.toContain("10.99.77.0/24");
});
