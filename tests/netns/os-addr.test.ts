// AddressManager against a real kernel: what `ip -br a` / `ip route` show after each call.

import { describe, expect, test } from "bun:test";
import { CAN_NETNS, rejection, withLab } from "./os-common.ts";

interface Addr {
  family: number;
  address: string;
  prefixLength: number;
  label?: string;
}

const eth0 = (lab: { addrs(n: string): { ifname: string; addresses: string[] }[] }, node: string) =>
  lab.addrs(node).find((l) => l.ifname === "eth0")?.addresses ?? [];

describe.skipIf(!CAN_NETNS)("os/linux addresses (netlink)", () => {
  test("IPv4 VIP with label appears in ip -br a and is removed again", async () => {
    await withLab({ nodes: ["r1"] }, async (lab, d) => {
      const r1 = d.r1!;
      const spec = { ifname: "eth0", family: 4, address: "192.0.2.10", prefixLength: 24, label: "eth0:vi1" };
      expect(await r1.call("addAddr", spec)).toBe(true);
      expect(eth0(lab, "r1")).toContain("192.0.2.10/24");
      const full = lab.exec("r1", ["ip", "-4", "addr", "show", "dev", "eth0"]).stdout;
      expect(full).toMatch(/inet 192\.0\.2\.10\/24 scope global (secondary )?eth0:vi1/);
      // Adding it twice is not an error: add() answers false (EEXIST).
      expect(await r1.call("addAddr", spec)).toBe(false);
      const listed = await r1.call<Addr[]>("listAddrs", { ifname: "eth0" });
      expect(listed).toContainEqual({ family: 4, address: "192.0.2.10", prefixLength: 24, label: "eth0:vi1" });
      expect(await r1.call("removeAddr", spec)).toBe(true);
      expect(eth0(lab, "r1")).not.toContain("192.0.2.10/24");
      // Removing an address that is not there answers false (EADDRNOTAVAIL).
      expect(await r1.call("removeAddr", spec)).toBe(false);
      expect(eth0(lab, "r1")).toContain("10.99.0.1/24");
    });
  });

  test("IPv4 VIP with broadcast address", async () => {
    await withLab({ nodes: ["r1"] }, async (lab, d) => {
      const spec = { ifname: "eth0", family: 4, address: "192.0.2.20", prefixLength: 24, broadcast: "192.0.2.255" };
      expect(await d.r1!.call("addAddr", spec)).toBe(true);
      expect(lab.exec("r1", ["ip", "-4", "addr", "show", "dev", "eth0"]).stdout).toMatch(/inet 192\.0\.2\.20\/24 brd 192\.0\.2\.255 scope global/);
      expect(await d.r1!.call("removeAddr", spec)).toBe(true);
    });
  });

  test("IPv6 VIP is added with nodad (never tentative) and removed", async () => {
    await withLab({ nodes: ["r1"], ipv6: true }, async (lab, d) => {
      lab.exec("r1", ["sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=1"]); // DAD on: nodad must matter
      const spec = { ifname: "eth0", family: 6, address: "2001:db8::100", prefixLength: 64 };
      expect(await d.r1!.call("addAddr", spec)).toBe(true);
      const show = lab.exec("r1", ["ip", "-6", "addr", "show", "dev", "eth0"]).stdout;
      const line = show.split("\n").find((l) => l.includes("2001:db8::100/64")) ?? "";
      expect(line).toContain("nodad");
      expect(line).not.toContain("tentative");
      expect(eth0(lab, "r1")).toContain("2001:db8::100/64");
      expect(await d.r1!.call("addAddr", spec)).toBe(false);
      expect(await d.r1!.call("removeAddr", spec)).toBe(true);
      expect(eth0(lab, "r1")).not.toContain("2001:db8::100/64");
      expect(await d.r1!.call("removeAddr", spec)).toBe(false);
    });
  });

  test("list() returns the interface's addresses in canonical form", async () => {
    await withLab({ nodes: ["r1"], ipv6: true }, async (_lab, d) => {
      const list = await d.r1!.call<Addr[]>("listAddrs", { ifname: "eth0" });
      expect(list).toContainEqual({ family: 4, address: "10.99.0.1", prefixLength: 24, label: "eth0" });
      expect(list).toContainEqual({ family: 6, address: "2001:db8::1", prefixLength: 64 });
      expect(list).toContainEqual({ family: 6, address: "fe80::99:ff:fe00:1", prefixLength: 64 });
    });
  });

  test("errors carry syscall, errno and code", async () => {
    await withLab({ nodes: ["r1"] }, async (_lab, d) => {
      // A gateway that is not on any connected network: the kernel answers ENETUNREACH.
      const e = await rejection(d.r1!.call("addRoute", { family: 4, to: "198.51.100.0/24", ifname: "lo", via: "10.99.0.254" }));
      expect(e.name).toBe("OsError");
      expect(e.syscall).toBe("RTM_NEWROUTE");
      expect(e.code).toBe("ENETUNREACH");
      expect(e.errno).toBe(101);
      const bad = await rejection(d.r1!.call("addAddr", { ifname: "eth0", family: 4, address: "192.0.2.1", prefixLength: 33 }));
      expect(bad.code).toBe("EINVAL");
      expect(bad.syscall).toBe("RTM_NEWADDR");
      // An interface index that does not exist: ENODEV.
      const gone = await rejection(d.r1!.call("addAddr", { ifindex: 999, family: 4, address: "192.0.2.1", prefixLength: 24 }));
      expect(gone.code).toBe("ENODEV");
      expect(gone.errno).toBe(19);
      const noIf = await rejection(d.r1!.call("index", { name: "nosuch0" }));
      expect(noIf.syscall).toBe("if_nametoindex");
      expect(noIf.code).toBe("ENODEV");
    });
  });

  test("virtual routes: add shows in ip route, duplicate and absent answer false", async () => {
    await withLab({ nodes: ["r1"], ipv6: true }, async (lab, d) => {
      const r4 = { family: 4, to: "198.51.100.0/24", via: "10.99.0.254", ifname: "eth0", metric: 50 };
      expect(await d.r1!.call("addRoute", r4)).toBe(true);
      expect(lab.exec("r1", ["ip", "route", "show"]).stdout).toContain("198.51.100.0/24 via 10.99.0.254 dev eth0 proto keepalived metric 50");
      expect(await d.r1!.call("addRoute", r4)).toBe(false);
      const linkRoute = { family: 4, to: "203.0.113.0/25", ifname: "eth0", src: "10.99.0.1", table: 100 };
      expect(await d.r1!.call("addRoute", linkRoute)).toBe(true);
      expect(lab.exec("r1", ["ip", "route", "show", "table", "100"]).stdout).toContain("203.0.113.0/25 dev eth0 proto keepalived src 10.99.0.1");
      const r6 = { family: 6, to: "2001:db8:1::/48", via: "2001:db8::fe", ifname: "eth0" };
      expect(await d.r1!.call("addRoute", r6)).toBe(true);
      expect(lab.exec("r1", ["ip", "-6", "route", "show"]).stdout).toContain("2001:db8:1::/48 via 2001:db8::fe dev eth0 proto keepalived");
      expect(await d.r1!.call("removeRoute", r4)).toBe(true);
      expect(await d.r1!.call("removeRoute", linkRoute)).toBe(true);
      expect(await d.r1!.call("removeRoute", r6)).toBe(true);
      expect(lab.exec("r1", ["ip", "route", "show"]).stdout).not.toContain("198.51.100.0/24");
      expect(await d.r1!.call("removeRoute", r4)).toBe(false);
      expect(await d.r1!.call("removeRoute", r6)).toBe(false);
    });
  });
});
