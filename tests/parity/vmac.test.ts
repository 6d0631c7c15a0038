// keepalived `use_vmac` on the real kernel with the compiled vigil: the VIP lives on a private
// macvlan with the VRRP virtual MAC (vrid 51 = 0x33 → 00:00:5e:00:01:33), a client learns that MAC,
// and after a failover the client's ARP entry does not need to change. Everything vigil made (the
// macvlan, the base interface's arp_ignore/arp_filter) is gone after a stop and after SIGKILL + restart.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "../netns/lab.ts";
import { startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";
import { FLAVOUR, linkOf, VIP, VMAC, vmacConf } from "./kit.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const sysctl = (l: Lab, node: string, key: string) => l.exec(node, ["cat", `/proc/sys/net/ipv4/conf/eth0/${key}`]).stdout.trim();
const neighMac = (l: Lab) => /lladdr (\S+)/.exec(l.exec("c", ["ip", "neigh", "show", VIP]).stdout)?.[1];
const ping = (l: Lab) => l.exec("c", ["busybox", "ping", "-c", "1", "-W", "2", VIP], { allowFail: true }).code;

test(
  "use_vmac: the VIP sits on vrrp.51 (macvlan private, 00:00:5e:00:01:33); the client keeps the same MAC across a failover; all removed on stop",
  async () => {
    lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgm" });
    const r1 = startVigil(lab, "r1", vmacConf(200), { flavour: FLAVOUR });
    nodes.push(r1);
    await r1.waitState("master");
    const r2 = startVigil(lab, "r2", vmacConf(100), { flavour: FLAVOUR, httpPort: 9650 });
    nodes.push(r2);
    await r2.waitState("backup");

    const m = linkOf(lab, "r1", "vrrp.51")!;
    expect(m).toMatchObject({ address: VMAC, kind: "macvlan", mode: "private" });
    expect(m.addrs).toContain(`${VIP}/24`);
    expect(linkOf(lab, "r1", "eth0")!.addrs).not.toContain(`${VIP}/24`);
    // The backup has its VMAC too (as keepalived), without the VIP.
    expect(linkOf(lab, "r2", "vrrp.51")!.addrs).not.toContain(`${VIP}/24`);
    // The base interface must not answer ARP for the VIP with its own MAC.
    expect([sysctl(lab, "r1", "arp_ignore"), sysctl(lab, "r1", "arp_filter"), sysctl(lab, "r1", "arp_announce")]).toEqual(["1", "1", "2"]);

    expect(ping(lab)).toBe(0);
    expect(neighMac(lab)).toBe(VMAC);

    r1.signal("SIGTERM");
    expect(await r1.exited()).toBe(0);
    await r2.waitState("master");
    expect(linkOf(lab, "r2", "vrrp.51")!.addrs).toContain(`${VIP}/24`);
    expect(ping(lab)).toBe(0);
    expect(neighMac(lab)).toBe(VMAC); // the same entry: no ARP change was needed
    // r1 stopped: its macvlan is gone and the sysctls it changed are back.
    expect(linkOf(lab, "r1", "vrrp.51")).toBeUndefined();
    expect([sysctl(lab, "r1", "arp_ignore"), sysctl(lab, "r1", "arp_filter"), sysctl(lab, "r1", "arp_announce")]).toEqual(["0", "0", "0"]);
  },
  60_000,
);

test("use_vmac: after SIGKILL the macvlan stays; the next start removes it and restores the sysctls", async () => {
  lab = createLab({ nodes: ["r1"], prefix: "vgk" });
  const r1 = startVigil(lab, "r1", vmacConf(200), { flavour: FLAVOUR });
  nodes.push(r1);
  await r1.waitState("master");
  r1.signal("SIGKILL");
  await r1.proc.exited;
  expect(linkOf(lab, "r1", "vrrp.51")!.addrs).toContain(`${VIP}/24`);
  expect(sysctl(lab, "r1", "arp_ignore")).toBe("1");

  // The operator dropped use_vmac meanwhile: the restart must leave nothing of the old VMAC.
  const plain = vmacConf(200).replace("    use_vmac\n", "");
  const again = startVigil(lab, "r1", plain, { flavour: FLAVOUR, stateDir: r1.stateDir });
  nodes.push(again);
  await again.waitState("master");
  await again.waitLog("removed stale VMAC");
  expect(linkOf(lab, "r1", "vrrp.51")).toBeUndefined();
  expect([sysctl(lab, "r1", "arp_ignore"), sysctl(lab, "r1", "arp_filter"), sysctl(lab, "r1", "arp_announce")]).toEqual(["0", "0", "0"]);
  expect(linkOf(lab, "r1", "eth0")!.addrs).toContain(`${VIP}/24`);
  again.signal("SIGTERM");
  expect(await again.exited()).toBe(0);
}, 60_000);

test("use_vmac: a name taken by another interface keeps the instance in Fault (the backup holds the VIP)", async () => {
  lab = createLab({ nodes: ["r1"], prefix: "vgf" });
  lab.exec("r1", ["ip", "link", "add", "vrrp.51", "type", "veth", "peer", "name", "vx51"]);
  const r1 = startVigil(lab, "r1", vmacConf(200), { flavour: FLAVOUR });
  nodes.push(r1);
  await r1.waitState("fault");
  await r1.waitLog("is not the VMAC");
  expect(linkOf(lab, "r1", "eth0")!.addrs).not.toContain(`${VIP}/24`);
  expect(linkOf(lab, "r1", "vrrp.51")!.kind).toBe("veth"); // not ours: left alone
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  expect(linkOf(lab, "r1", "vrrp.51")!.kind).toBe("veth");
}, 60_000);

test("use_vmac NAME MAC (keepalived 2.2.7): the macvlan has that MAC, five octets take the VRID; a VRRP MAC is refused with a warning", async () => {
  lab = createLab({ nodes: ["r1", "c"], prefix: "vga" });
  const conf = vmacConf(200).replace("    use_vmac\n", "    use_vmac vrrp51 02:11:22:33:44\n");
  const r1 = startVigil(lab, "r1", conf, { flavour: FLAVOUR });
  nodes.push(r1);
  await r1.waitState("master");
  expect(linkOf(lab, "r1", "vrrp51")).toMatchObject({ address: "02:11:22:33:44:33", kind: "macvlan", mode: "private" });
  expect(linkOf(lab, "r1", "vrrp51")!.addrs).toContain(`${VIP}/24`);
  expect(ping(lab)).toBe(0);
  expect(neighMac(lab)).toBe("02:11:22:33:44:33");
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  expect(linkOf(lab, "r1", "vrrp51")).toBeUndefined();

  const refused = startVigil(lab, "r1", vmacConf(200).replace("    use_vmac\n", "    use_vmac 00:00:5e:00:01:99\n"), { flavour: FLAVOUR });
  nodes.push(refused);
  await refused.waitState("master");
  await refused.waitLog("RFC 5798 VRRP address");
  expect(linkOf(lab, "r1", "vrrp.51")!.address).toBe(VMAC);
  refused.signal("SIGTERM");
  expect(await refused.exited()).toBe(0);
}, 60_000);
