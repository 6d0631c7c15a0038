// use_vmac beside Debian's keepalived 2.2.7, both directions, the same keepalived.conf text: the
// master (either implementation) holds the VIP on vrrp.51 with 00:00:5e:00:01:33, a client learns
// that MAC, and after the master stops the other one takes over with the same MAC. IPv6 the same
// with 00:00:5e:00:02:33: both give the VMAC their base's link-local and advertise from it.
import { afterEach, describe, expect, test } from "bun:test";
import { createLab, type Lab } from "../netns/lab.ts";
import { cleanupPeers, DIRECTIONS, kaConf, type Peer, startPeer } from "../interop/peers.ts";
import { advertsOf, linkOf, neigh6, ping, ping6, VIP, VIP6, VMAC, VMAC6 } from "./kit.ts";

let lab: Lab | undefined;
let peers: Peer[] = [];
afterEach(async () => {
  await cleanupPeers(peers);
  await lab?.cleanup();
  lab = undefined;
  peers = [];
});

const conf = (priority: number) => kaConf({ priority, version: 3, advertInt: "0.1", vips: [`${VIP}/24`], extra: ["use_vmac"] });
const neighMac = (l: Lab) => /lladdr (\S+)/.exec(l.exec("c", ["ip", "neigh", "show", VIP]).stdout)?.[1];
/** Who answers ARP for the VIP now (busybox arping from the client). */
const arpMac = (l: Lab) =>
  /\[([0-9a-f:]{17})\]/i.exec(l.exec("c", ["busybox", "arping", "-c", "1", "-w", "2", "-I", "eth0", VIP], { allowFail: true }).stdout)?.[1]?.toLowerCase();

describe("use_vmac interop", () => {
  for (const d of DIRECTIONS) {
    test(`${d.name}: the VIP on vrrp.51 with the virtual MAC; failover keeps the client's MAC`, async () => {
      lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgi" });
      const first = startPeer(lab, d.first, "r1", conf(200));
      peers.push(first);
      await first.waitState("master");
      const second = startPeer(lab, d.second, "r2", conf(100));
      peers.push(second);
      await second.waitState("backup");

      expect(linkOf(lab, "r1", "vrrp.51")).toMatchObject({ address: VMAC, kind: "macvlan", mode: "private" });
      expect(linkOf(lab, "r1", "vrrp.51")!.addrs).toContain(`${VIP}/24`);
      expect(linkOf(lab, "r2", "vrrp.51")!.addrs).not.toContain(`${VIP}/24`);
      expect(arpMac(lab)).toBe(VMAC);
      expect(ping(lab)).toBe(0);
      // keepalived sets no arp_announce: its replies from the VIP routed out of eth0 ARP with the
      // base MAC, and the client re-learns that (measured with 2.2.7); vigil sets arp_announce=2.
      if (d.first === "vigil") expect(neighMac(lab)).toBe(VMAC);

      expect(await first.stop()).toBe(0);
      await second.waitState("master");
      expect(linkOf(lab, "r2", "vrrp.51")!.addrs).toContain(`${VIP}/24`);
      expect(arpMac(lab)).toBe(VMAC); // the same MAC answers for the VIP: no ARP change was needed
      expect(ping(lab)).toBe(0);
      if (d.second === "vigil") expect(neighMac(lab)).toBe(VMAC);
      expect(linkOf(lab, "r1", "vrrp.51")).toBeUndefined(); // both remove their VMAC at stop
    }, 90_000);
  }
});

const conf6 = (priority: number) => kaConf({ name: "VI_6", priority, version: 3, advertInt: "0.1", vips: [`${VIP6}/64`], extra: ["use_vmac"] });

describe("IPv6 use_vmac interop", () => {
  for (const d of DIRECTIONS) {
    test(`${d.name}: adverts from vrrp.51 (00:00:5e:00:02:33, the base's link-local); failover keeps the client's neighbour MAC`, async () => {
      lab = createLab({ nodes: ["r1", "r2", "c"], ipv6: true, prefix: "vg6i" });
      const cap = await lab.capture("c", "ip6 and proto 112", { extraArgs: ["-e"] });
      const first = startPeer(lab, d.first, "r1", conf6(200));
      peers.push(first);
      await first.waitState("master");
      const second = startPeer(lab, d.second, "r2", conf6(100));
      peers.push(second);
      await second.waitState("backup");

      for (const n of ["r1", "r2"]) {
        const v = linkOf(lab, n, "vrrp.51")!;
        expect(v).toMatchObject({ address: VMAC6, kind: "macvlan", mode: "private" });
        expect(v.addrs).toContain(`${lab.nodes[n]!.linkLocal}/64`);
      }
      expect(linkOf(lab, "r1", "vrrp.51")!.addrs).toContain(`${VIP6}/64`);
      expect(ping6(lab)).toBe(0);
      expect(neigh6(lab)).toBe(VMAC6);

      expect(await first.stop()).toBe(0);
      await second.waitState("master");
      expect(linkOf(lab, "r2", "vrrp.51")!.addrs).toContain(`${VIP6}/64`);
      expect(ping6(lab)).toBe(0);
      expect(neigh6(lab)).toBe(VMAC6);
      expect(linkOf(lab, "r1", "vrrp.51")).toBeUndefined();

      // Both implementations advertise from the VMAC with the same source address and MAC.
      // The new master's first adverts may still be on their way to the capture when the old one is
      // gone (it stops as soon as it hears them): wait for one before stopping.
      await cap.waitFor(/prio 100,/);
      const lines = await cap.stop();
      for (const [prio, node] of [[200, "r1"], [100, "r2"]] as const) {
        const a = advertsOf(lines, prio);
        expect(a.length).toBeGreaterThan(0);
        expect(a.every((l) => l.includes(`${VMAC6} > 33:33:00:00:00:12`) && l.includes(`${lab!.nodes[node]!.linkLocal} > ff02::12`))).toBe(true);
      }
    }, 90_000);
  }
});
