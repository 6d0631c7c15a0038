// use_vmac beside Debian's keepalived 2.2.7, both directions, the same keepalived.conf text: the
// master (either implementation) holds the VIP on vrrp.51 with 00:00:5e:00:01:33, a client learns
// that MAC, and after the master stops the other one takes over with the same MAC.
import { afterEach, describe, expect, test } from "bun:test";
import { createLab, type Lab } from "../netns/lab.ts";
import { cleanupPeers, DIRECTIONS, kaConf, type Peer, startPeer } from "../interop/peers.ts";
import { linkOf, ping, VIP, VMAC } from "./kit.ts";

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
