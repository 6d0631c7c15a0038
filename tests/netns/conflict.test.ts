// "Address already used by another host": vigil refuses to start, untouched, when a VIP answers ARP
// from a host that is not the VRRP master of its VRID — and starts normally beside a real master.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { holds, v3Conf } from "./scenario-kit.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const VIP = "10.99.0.100/24";
const conf = (priority: number) => v3Conf({ priority, vips: [VIP] });

test("a static host already on the VIP and no VRRP master: exit 1 with the position, nothing added", async () => {
  const l = (lab = createLab({ nodes: ["r1", "x"] }));
  l.exec("x", ["ip", "addr", "add", VIP, "dev", "eth0"]);
  const r1 = startVigil(l, "r1", conf(100));
  nodes.push(r1);
  expect(await r1.exited()).toBe(1);
  expect(r1.log()).toMatch(
    /vigil\.conf:\d+:\d+: 10\.99\.0\.100 is already used by another host \(02:99:00:00:00:02\), and no VRRP router advertises virtual_router_id 51/,
  );
  expect(holds(l, "r1", VIP)).toBe(false);
});

test("beside a real VRRP master holding the VIP: starts as backup", async () => {
  const l = (lab = createLab({ nodes: ["r1", "r2"] }));
  const r1 = startVigil(l, "r1", conf(200));
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(l, "r2", conf(100));
  nodes.push(r2);
  await r2.waitState("backup");
  expect(r2.log()).not.toContain("already used");
});

test("a real master AND a stranger claiming the VIP: the stranger is named, exit 1", async () => {
  const l = (lab = createLab({ nodes: ["r1", "r2", "x"] }));
  const r1 = startVigil(l, "r1", conf(200));
  nodes.push(r1);
  await r1.waitState("master");
  l.exec("x", ["ip", "addr", "add", VIP, "dev", "eth0"]);
  const r2 = startVigil(l, "r2", conf(100));
  nodes.push(r2);
  expect(await r2.exited()).toBe(1);
  expect(r2.log()).toContain("10.99.0.100 is already used by another host (02:99:00:00:00:03), not by the VRRP master 10.99.0.1");
  expect(holds(l, "r2", VIP)).toBe(false);
});
