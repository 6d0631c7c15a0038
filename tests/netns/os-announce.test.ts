// Gratuitous ARP and unsolicited NA as a third host on the segment sees them.

import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { KEEPALIVED, startKeepalived } from "../interop/keepalived-node.ts";
import type { Lab } from "./lab.ts";
import { CAN_NETNS, HAS_TCPDUMP, withLab } from "./os-common.ts";

/** The whole frame of a tcpdump -XX line (the longest 0x0000 dump: -v may print an option's bytes too). */
function frameHex(line: string): string {
  const dumps: string[] = [];
  for (const m of line.matchAll(/0x([0-9a-f]{4}): {2}((?:[0-9a-f]{2,4} ?)+)/g)) {
    if (m[1] === "0000") dumps.push("");
    dumps[dumps.length - 1] += m[2]!.replaceAll(" ", "");
  }
  return dumps.reduce((a, b) => (b.length > a.length ? b : a), "");
}

/** keepalived 2.2.7's first unsolicited NA for VIP on r1's eth0, as the frame c receives. */
async function keepalivedNa(lab: Lab, vip: string): Promise<string> {
  const cap = await lab.capture("c", "icmp6 and ip6[40] == 136", { extraArgs: ["-e", "-XX"] });
  const ka = startKeepalived(
    lab,
    "r1",
    `vrrp_instance VI_6 {\n interface eth0\n virtual_router_id 51\n version 3\n priority 200\n advert_int 1\n virtual_ipaddress {\n  ${vip}/64\n }\n}\n`,
  );
  try {
    await ka.waitState("master");
    return frameHex(await cap.waitFor(new RegExp(`tgt is ${vip.replaceAll(".", "\\.")}`)));
  } finally {
    await ka.stop();
    await cap.stop();
  }
}

/** vigil's unsolicited NA for VIP on r1's eth0 (the Linux announcer through the os driver). */
async function vigilNa(lab: Lab, d: Record<string, { call(op: string, args: Record<string, unknown>): Promise<unknown> }>, vip: string): Promise<string> {
  const cap = await lab.capture("c", "icmp6 and ip6[40] == 136", { extraArgs: ["-e", "-XX"] });
  try {
    await d.r1!.call("addAddr", { ifname: "eth0", family: 6, address: vip, prefixLength: 64 });
    await d.r1!.call("na", { ifname: "eth0", address: vip });
    return frameHex(await cap.waitFor(new RegExp(`tgt is ${vip.replaceAll(".", "\\.")}`)));
  } finally {
    await cap.stop();
  }
}

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
      // From the VIP itself, as keepalived 2.2.7 (RFC 4861 §7.2.6 allows any address of the interface).
      expect(line).toContain("2001:db8::100 > ff02::1");
      expect(line).toContain("tgt is 2001:db8::100");
      expect(line).toMatch(/Flags \[override\]/);
      expect(line).toContain("[icmp6 sum ok]");
      // Option type 2 (Target Link-Layer Address); tcpdump calls it "destination link-address".
      expect(line).toContain(`link-address option (2), length 8 (1): ${lab.nodes.r1!.mac}`);
      await cap.stop();
    });
  });

  test("unsolicited NA for an address the interface does not have (yet): sent anyway, from the link-local", async () => {
    await withLab({ nodes: ["r1", "c"], ipv6: true }, async (lab, d) => {
      const cap = await lab.capture("c", "icmp6 and ip6[40] == 136");
      await d.r1!.call("na", { ifname: "eth0", address: "2001:db8::102" });
      const line = await cap.waitFor(/tgt is 2001:db8::102/);
      expect(line).toContain(`${lab.nodes.r1!.linkLocal} > ff02::1`);
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

  test.skipIf(!existsSync(KEEPALIVED))(
    "unsolicited NA: the same frame as keepalived 2.2.7's, byte for byte (source = VIP, flags O, TLLA); R when the interface forwards",
    async () => {
      await withLab({ nodes: ["r1", "c"], ipv6: true }, async (lab, d) => {
        const ka = await keepalivedNa(lab, "2001:db8::100");
        const ours = await vigilNa(lab, d, "2001:db8::100");
        expect(ka.length).toBe(2 * (14 + 40 + 32));
        // Ethernet: 33:33:00:00:00:01 ← r1; IPv6: 6000 0000 (no flow label), 32 bytes, ICMPv6, hop limit 255,
        // 2001:db8::100 > ff02::1; NA: type 136, Override only, target, option 2 with r1's MAC.
        expect(ka.slice(0, 12)).toBe("333300000001");
        expect(ka.slice(28, 44)).toBe("6000000000203aff");
        expect(ka.slice(44, 76)).toBe("20010db8000000000000000000000100");
        expect(ka.slice(108 + 8, 108 + 16)).toBe("20000000");
        expect(ours).toBe(ka);

        // With forwarding on the interface both set the Router flag (keepalived reads it at the takeover).
        lab.exec("r1", ["sysctl", "-qw", "net.ipv6.conf.eth0.forwarding=1"]);
        const kaR = await keepalivedNa(lab, "2001:db8::101");
        const oursR = await vigilNa(lab, d, "2001:db8::101");
        expect(kaR.slice(108 + 8, 108 + 16)).toBe("a0000000");
        expect(oursR).toBe(kaR);
      });
    },
    60_000,
  );
});
