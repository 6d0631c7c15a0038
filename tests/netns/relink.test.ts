// An interface deleted and created again (new ifindex, as when a VLAN or bond is rebuilt): the
// instance must come back on the new interface and keep speaking VRRP — not send into the old
// index while the peer elects a second master.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { holds, v3Conf } from "./scenario-kit.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const VIP = "10.99.0.100/24";

test("eth0 deleted and re-created: r1 goes to Fault, r2 takes over; on the new eth0 r1 preempts again", async () => {
  const l = (lab = createLab({ nodes: ["r1", "r2"] }));
  const r1 = startVigil(l, "r1", v3Conf({ priority: 200, vips: [VIP] }));
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(l, "r2", v3Conf({ priority: 100, vips: [VIP] }));
  nodes.push(r2);
  await r2.waitState("backup");

  l.exec("r1", ["ip", "link", "del", "eth0"]);
  await r1.waitState("fault");
  await r2.waitState("master");

  // Re-create it like the lab does: a veth into the bridge, the same MAC and address, a new ifindex.
  const n = l.nodes.r1!;
  l.exec("r1", ["ip", "link", "add", "eth0", "address", n.mac, "type", "veth", "peer", "name", n.peer, "netns", l.bridgeNs]);
  Bun.spawnSync(["ip", "-n", l.bridgeNs, "link", "set", n.peer, "master", "br0", "up"]);
  l.exec("r1", ["ip", "link", "set", "eth0", "up"]);
  l.exec("r1", ["ip", "addr", "add", `${n.ipv4}/24`, "dev", "eth0"]);

  await r1.waitState("master", { timeoutMs: 10_000 });
  await r2.waitState("backup");
  expect(await r1.waitLog("interface re-created")).toContain("restarting the instance");
  expect(holds(l, "r1", VIP)).toBe(true);
  expect(holds(l, "r2", VIP)).toBe(false);
});
