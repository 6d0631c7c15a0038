// VRRPv3 with sub-second adverts on a real kernel: IPv4 at 20 ms (keepalived syntax) and IPv6 at
// 50 ms (TOML): election, SIGKILL failover, what tcpdump shows (version, interval, TTL / hop limit
// 255, link-local source) and the announcements after takeover (gratuitous ARP, unsolicited NA).
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { eth0Addrs, holds, v3Conf } from "./scenario-kit.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];

afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

test("IPv4 at 20 ms: election, SIGKILL failover, and the new master's gratuitous ARP on the wire", async () => {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgd" });
  const VIP = "10.99.0.100/24";
  const vrrp = await lab.capture("c", "proto 112");
  const arp = await lab.capture("c", "arp", { extraArgs: ["-e"] });
  const r1 = startVigil(lab, "r1", v3Conf({ priority: 200, vips: [VIP], advertInt: 0.02 }));
  const r2 = startVigil(lab, "r2", v3Conf({ priority: 100, vips: [VIP], advertInt: 0.02 }));
  nodes = [r1, r2];
  await r1.waitState("master");
  await r2.waitState("backup");
  expect(holds(lab, "r1", VIP)).toBe(true);
  expect(holds(lab, "r2", VIP)).toBe(false);
  const advert = await vrrp.waitFor(/10\.99\.0\.1 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 51, prio 200, intvl 2cs/, 5000);
  expect(advert).toContain("ttl 255");
  expect(advert).toContain("addrs: 10.99.0.100");
  const s2 = await r2.instance();
  expect(s2?.masterAddress).toBe("10.99.0.1");
  expect(s2?.masterAdvertIntervalCs).toBe(2);

  r1.signal("SIGKILL");
  await r1.exited();
  await r2.waitState("master", { timeoutMs: 5000 });
  expect((await r2.instance())?.lastTransition).toMatchObject({ from: "backup", to: "master", reason: "master-down-timeout" });
  expect(holds(lab, "r2", VIP)).toBe(true);
  await vrrp.waitFor(/10\.99\.0\.2 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 51, prio 100, intvl 2cs/, 5000);

  // Gratuitous ARP from the new master's MAC: "who-has VIP tell VIP", broadcast.
  const garp = await arp.waitFor(/02:99:00:00:00:02 > ff:ff:ff:ff:ff:ff.*Request who-has 10\.99\.0\.100 .*tell 10\.99\.0\.100,/, 5000);
  expect(garp).toContain("ethertype ARP");
  await Promise.all([vrrp.stop(), arp.stop()]);
}, 30_000);

const v6Toml = (priority: number) =>
  `[global]
router_id = "r${priority}"

[[instance]]
name = "VI_6"
interface = "eth0"
virtual_router_id = 61
version = 3
priority = ${priority}
advert_int = 0.05
virtual_ipaddress = ["fe80::100/64", "2001:db8::100/64"]
`;

test("IPv6 at 50 ms (TOML): adverts from the link-local with hop limit 255, SIGKILL failover, unsolicited NA for the VIPs", async () => {
  lab = createLab({ nodes: ["r1", "r2", "c"], ipv6: true, prefix: "vgd" });
  const vrrp = await lab.capture("c", "ip6 proto 112");
  const na = await lab.capture("c", "icmp6 and ip6[40] == 136");
  const r1 = startVigil(lab, "r1", v6Toml(200), { ext: "toml" });
  const r2 = startVigil(lab, "r2", v6Toml(100), { ext: "toml" });
  nodes = [r1, r2];
  await r1.waitState("master");
  await r2.waitState("backup");
  expect(eth0Addrs(lab, "r1")).toEqual(expect.arrayContaining(["fe80::100/64", "2001:db8::100/64"]));
  expect(eth0Addrs(lab, "r2")).not.toContain("2001:db8::100/64");
  expect(eth0Addrs(lab, "r2")).not.toContain("fe80::100/64");

  const ll1 = lab.nodes.r1!.linkLocal;
  const ll2 = lab.nodes.r2!.linkLocal;
  const advert = await vrrp.waitFor(new RegExp(`${ll1} > ff02::12: VRRPv3, Advertisement, vrid 61, prio 200, intvl 5cs`), 5000);
  expect(advert).toContain("hlim 255");
  expect(advert).toMatch(/addrs\(2\): fe80::100,2001:db8::100/);
  const s2 = await r2.instance();
  expect(s2?.family).toBe(6);
  expect(s2?.masterAddress).toBe(ll1);

  r1.signal("SIGKILL");
  await r1.exited();
  await r2.waitState("master", { timeoutMs: 5000 });
  expect((await r2.instance())?.lastTransition).toMatchObject({ to: "master", reason: "master-down-timeout" });
  expect(eth0Addrs(lab, "r2")).toEqual(expect.arrayContaining(["fe80::100/64", "2001:db8::100/64"]));
  const next = await vrrp.waitFor(new RegExp(`${ll2} > ff02::12: VRRPv3, Advertisement, vrid 61, prio 100`), 5000);
  expect(next).toContain("hlim 255");

  // Unsolicited NA from the new master for each VIP, sent from that VIP as keepalived 2.2.7 does:
  // override flag, its MAC as target link-layer address.
  for (const target of ["2001:db8::100", "fe80::100"]) {
    const line = await na.waitFor(new RegExp(`${target} > ff02::1: .*neighbor advertisement, .*tgt is ${target},.*02:99:00:00:00:02`), 5000);
    expect(line).toContain("hlim 255");
    expect(line).toMatch(/Flags \[[^\]]*override/);
  }
  await Promise.all([vrrp.stop(), na.stop()]);
}, 30_000);
