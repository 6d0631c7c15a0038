// use_vmac on an IPv6 instance, vigil against vigil on the real kernel, as keepalived 2.2.7 does it
// (observed in namespaces): the macvlan has 00:00:5e:00:02:33 (RFC 5798 §7.3) and a copy of the
// base interface's link-local (nodad, preferred_lft 0); the adverts leave from the VMAC with the
// virtual MAC and that link-local as source; the unsolicited NAs carry the virtual MAC; after a
// failover the client's neighbour entry for the VIP is still 00:00:5e:00:02:33. With
// vmac_xmit_base the adverts leave from the base interface and the VMAC has no link-local.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "../netns/lab.ts";
import { startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";
import { advertsOf, FLAVOUR, linkOf, neigh6, ping6, VIP6, VMAC6, vmac6Conf } from "./kit.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

test("IPv6 use_vmac: VMAC with the base's link-local, adverts and NAs from 00:00:5e:00:02:33; the client keeps that MAC across a failover", async () => {
  lab = createLab({ nodes: ["r1", "r2", "c"], ipv6: true, prefix: "vg6" });
  const cap = await lab.capture("c", "ip6 and (proto 112 or icmp6[0] == 136)", { extraArgs: ["-e"] });
  const r1 = startVigil(lab, "r1", vmac6Conf(200), { flavour: FLAVOUR });
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(lab, "r2", vmac6Conf(100), { flavour: FLAVOUR });
  nodes.push(r2);
  await r2.waitState("backup");

  const m = linkOf(lab, "r1", "vrrp.51")!;
  expect(m).toMatchObject({ address: VMAC6, kind: "macvlan", mode: "private" });
  expect(m.addrs).toEqual(expect.arrayContaining([`${VIP6}/64`, `${lab.nodes.r1!.linkLocal}/64`]));
  // The backup's VMAC has its own base's link-local, not the VIP.
  expect(linkOf(lab, "r2", "vrrp.51")!.addrs).toEqual([`${lab.nodes.r2!.linkLocal}/64`]);
  const ll = lab.exec("r1", ["ip", "-6", "addr", "show", "dev", "vrrp.51", "scope", "link"]).stdout;
  expect(ll).toContain("nodad");
  expect(ll).toContain("preferred_lft 0sec");

  expect(ping6(lab)).toBe(0);
  expect(neigh6(lab)).toBe(VMAC6);

  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  await r2.waitState("master");
  expect(linkOf(lab, "r2", "vrrp.51")!.addrs).toContain(`${VIP6}/64`);
  expect(ping6(lab)).toBe(0);
  expect(neigh6(lab)).toBe(VMAC6); // the same entry: no neighbour change was needed
  expect(linkOf(lab, "r1", "vrrp.51")).toBeUndefined();

  // The new master's first adverts may still be on their way to the capture when the old one is
  // gone (it stops as soon as it hears them): wait for one before stopping.
  await cap.waitFor(/prio 100,/);
  const lines = await cap.stop();
  const fromR1 = advertsOf(lines, 200);
  const fromR2 = advertsOf(lines, 100);
  expect(fromR1.length).toBeGreaterThan(0);
  expect(fromR2.length).toBeGreaterThan(0);
  expect(fromR1.every((l) => l.includes(`${VMAC6} > 33:33:00:00:00:12`) && l.includes(`${lab!.nodes.r1!.linkLocal} > ff02::12`))).toBe(true);
  expect(fromR2.every((l) => l.includes(`${VMAC6} > 33:33:00:00:00:12`) && l.includes(`${lab!.nodes.r2!.linkLocal} > ff02::12`))).toBe(true);
  const nas = lines.filter((l) => l.includes(`tgt is ${VIP6}`) && l.includes("ff02::1:"));
  expect(nas.length).toBeGreaterThan(0);
  expect(nas.every((l) => l.startsWith(VMAC6) || l.includes(`${VMAC6} > 33:33:00:00:00:01`))).toBe(true);
}, 60_000);

test("IPv6 use_vmac with vmac_xmit_base: adverts from the base (its MAC and link-local), the VMAC has no link-local", async () => {
  lab = createLab({ nodes: ["r1", "c"], ipv6: true, prefix: "vgb" });
  const cap = await lab.capture("c", "ip6 and proto 112", { extraArgs: ["-e"] });
  const r1 = startVigil(lab, "r1", vmac6Conf(200, ["vmac_xmit_base"]), { flavour: FLAVOUR });
  nodes.push(r1);
  await r1.waitState("master");
  await cap.waitFor(/prio 200,/);
  expect(linkOf(lab, "r1", "vrrp.51")!.addrs).toEqual([`${VIP6}/64`]);
  expect(ping6(lab)).toBe(0);
  expect(neigh6(lab)).toBe(VMAC6);
  const lines = advertsOf(await cap.stop(), 200);
  expect(lines.every((l) => l.includes(`${lab!.nodes.r1!.mac} > 33:33:00:00:00:12`) && l.includes(`${lab!.nodes.r1!.linkLocal} > ff02::12`))).toBe(true);
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  expect(linkOf(lab, "r1", "vrrp.51")).toBeUndefined();
}, 60_000);
