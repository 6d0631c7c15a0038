// Gratuitous ARP and unsolicited NA as a third host on the segment sees them.

import { describe, expect, test } from "bun:test";
import { CAN_NETNS, HAS_TCPDUMP, withLab } from "./os-common.ts";

describe.skipIf(!CAN_NETNS || !HAS_TCPDUMP)("os/linux announcer", () => {
  test("gratuitous ARP: broadcast request who-has VIP tell VIP from the interface MAC", async () => {
    await withLab({ nodes: ["r1", "c"] }, async (lab, d) => {
      const cap = await lab.capture("c", "arp", { extraArgs: ["-e"] });
      await d.r1!.call("addAddr", { ifname: "eth0", family: 4, address: "192.0.2.10", prefixLength: 24 });
      await d.r1!.call("garp", { ifname: "eth0", address: "192.0.2.10" });
      const line = await cap.waitFor(/192\.0\.2\.10/);
      const mac = lab.nodes.r1!.mac;
      expect(line).toContain(`${mac} > ff:ff:ff:ff:ff:ff`);
      expect(line).toContain("ethertype ARP (0x0806)");
      // Target hardware address ff:ff:ff:ff:ff:ff as keepalived sends it; tcpdump shows it in brackets.
      expect(line).toMatch(/Request who-has 192\.0\.2\.10 (\(ff:ff:ff:ff:ff:ff\) )?tell 192\.0\.2\.10/);
      expect(line).toContain("length 28");
      await cap.stop();
    });
  });

  test("a client's stale ARP entry for the VIP is overwritten by the GARP", async () => {
    await withLab({ nodes: ["r1", "c"] }, async (lab, d) => {
      lab.exec("c", ["ip", "neigh", "replace", "10.99.0.200", "lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "stale"]);
      await d.r1!.call("addAddr", { ifname: "eth0", family: 4, address: "10.99.0.200", prefixLength: 24 });
      await d.r1!.call("garp", { ifname: "eth0", address: "10.99.0.200" });
      await Bun.sleep(100);
      expect(lab.exec("c", ["ip", "neigh", "show", "10.99.0.200"]).stdout).toContain(`lladdr ${lab.nodes.r1!.mac}`);
    });
  });

  test("unsolicited NA: to ff02::1, hop limit 255, override flag, target link-layer option", async () => {
    await withLab({ nodes: ["r1", "c"], ipv6: true }, async (lab, d) => {
      const cap = await lab.capture("c", "icmp6 and ip6[40] == 136");
      await d.r1!.call("addAddr", { ifname: "eth0", family: 6, address: "2001:db8::100", prefixLength: 64 });
      await d.r1!.call("na", { ifname: "eth0", address: "2001:db8::100" });
      const line = await cap.waitFor(/neighbor advertisement/);
      expect(line).toContain("hlim 255");
      expect(line).toContain(`${lab.nodes.r1!.linkLocal} > ff02::1`);
      expect(line).toContain("tgt is 2001:db8::100");
      expect(line).toMatch(/Flags \[override\]/);
      expect(line).toContain("[icmp6 sum ok]");
      // Option type 2 (Target Link-Layer Address); tcpdump calls it "destination link-address".
      expect(line).toContain(`link-address option (2), length 8 (1): ${lab.nodes.r1!.mac}`);
      await cap.stop();
    });
  });

  test("a client's stale neighbour entry for an IPv6 VIP is overwritten by the NA", async () => {
    await withLab({ nodes: ["r1", "c"], ipv6: true }, async (lab, d) => {
      lab.exec("c", ["ip", "-6", "neigh", "replace", "2001:db8::200", "lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "stale"]);
      await d.r1!.call("addAddr", { ifname: "eth0", family: 6, address: "2001:db8::200", prefixLength: 64 });
      await d.r1!.call("na", { ifname: "eth0", address: "2001:db8::200" });
      await Bun.sleep(100);
      expect(lab.exec("c", ["ip", "-6", "neigh", "show", "2001:db8::200"]).stdout).toContain(`lladdr ${lab.nodes.r1!.mac}`);
    });
  });
});
