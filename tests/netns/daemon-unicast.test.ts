// Unicast mode (keepalived unicast_src_ip + unicast_peer { }): adverts go to the peer's address,
// never to 224.0.0.18; failover works the same; an advert from a host that is not a configured
// peer is dropped as unknown-peer.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { holds, sendHostile, v3Conf, waitDrops } from "./scenario-kit.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];

afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const VIP = "10.99.0.100/24";
const conf = (priority: number, self: string, peer: string) => v3Conf({ priority, vips: [VIP], unicastSrc: self, unicastPeers: [peer] });

test("unicast: adverts to the peer only (no 224.0.0.18 anywhere), SIGKILL failover, strangers dropped as unknown-peer", async () => {
  lab = createLab({ nodes: ["r1", "r2", "c", "x"], prefix: "vgd" });
  const atR2 = await lab.capture("r2", "proto 112");
  const atR1 = await lab.capture("r1", "proto 112");
  const onLan = await lab.capture("c", "proto 112");
  const r1 = startVigil(lab, "r1", conf(200, "10.99.0.1", "10.99.0.2"));
  const r2 = startVigil(lab, "r2", conf(100, "10.99.0.2", "10.99.0.1"));
  nodes = [r1, r2];
  await r1.waitState("master");
  await r2.waitState("backup");
  expect((await r2.instance())?.masterAddress).toBe("10.99.0.1");

  const line = await atR2.waitFor(/10\.99\.0\.1 > 10\.99\.0\.2: VRRPv3, Advertisement, vrid 51, prio 200/, 5000);
  expect(line).toContain("ttl 255");

  // A stranger's unicast advert (valid, priority 254) is not from a configured peer.
  sendHostile(lab, "x", { src: "10.99.0.4", dst: "10.99.0.2", kind: "valid", count: 3, prio: 254 });
  expect(await waitDrops(lab, "r2", "unknown-peer", 3)).toBe(3);
  expect((await r2.instance())?.state).toBe("backup");
  expect((await r2.instance())?.masterAddress).toBe("10.99.0.1");

  r1.signal("SIGKILL");
  await r1.exited();
  await r2.waitState("master", { timeoutMs: 5000 });
  expect((await r2.instance())?.lastTransition?.reason).toBe("master-down-timeout");
  expect(holds(lab, "r2", VIP)).toBe(true);
  await atR1.waitFor(/10\.99\.0\.2 > 10\.99\.0\.1: VRRPv3, Advertisement, vrid 51, prio 100/, 5000);

  const [l1, l2, lan] = await Promise.all([atR1.stop(), atR2.stop(), onLan.stop()]);
  const vrrp = [...l1, ...l2, ...lan].filter((l) => l.includes("VRRP"));
  expect(vrrp.length).toBeGreaterThan(0);
  expect(vrrp.filter((l) => l.includes("224.0.0.18"))).toEqual([]);
}, 30_000);
