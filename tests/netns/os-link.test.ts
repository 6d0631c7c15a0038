// LinkWatcher: unplugging the cable (bridge-side veth down) and plugging it back are reported.

import { describe, expect, test } from "bun:test";
import { CAN_NETNS, withLab } from "./os-common.ts";

interface Link {
  name: string;
  index: number;
  mac: string;
  up: boolean;
  addresses: { family: number; address: string; prefixLength: number; label?: string }[];
}

describe.skipIf(!CAN_NETNS)("os/linux link watcher", () => {
  test("link() gives name, index, MAC, up and addresses", async () => {
    await withLab({ nodes: ["r1"], ipv6: true }, async (lab, d) => {
      const l = await d.r1!.call<Link>("link", { name: "eth0" });
      expect(l.name).toBe("eth0");
      expect(l.index).toBe(await d.r1!.call<number>("index", { name: "eth0" }));
      expect(l.mac).toBe(lab.nodes.r1!.mac.replaceAll(":", ""));
      expect(l.up).toBe(true);
      expect(l.addresses).toContainEqual({ family: 4, address: "10.99.0.1", prefixLength: 24, label: "eth0" });
      expect(l.addresses).toContainEqual({ family: 6, address: "2001:db8::1", prefixLength: 64 });
      expect(await d.r1!.call("link", { name: "nosuch0" })).toBeNull();
    });
  });

  test("cable unplugged → up=false event; plugged back → up=true event", async () => {
    await withLab({ nodes: ["r1", "r2"] }, async (lab, d) => {
      const r1 = d.r1!;
      await r1.call("link", { name: "eth0" }); // starts the watcher
      lab.linkDown("r1");
      const down = await r1.call<Link[]>("linkEvents", { min: 1 });
      expect(down.filter((e) => e.name === "eth0").map((e) => e.up)).toEqual([false]);
      expect((await r1.call<Link>("link", { name: "eth0" })).up).toBe(false);
      expect(lab.exec("r1", ["ip", "-br", "link", "show", "eth0"]).stdout).toContain("NO-CARRIER");
      lab.linkUp("r1");
      const up = await r1.call<Link[]>("linkEvents", { min: 1 });
      expect(up.filter((e) => e.name === "eth0").map((e) => e.up)).toEqual([true]);
      expect(up[0]!.addresses.map((a) => a.address)).toContain("10.99.0.1");
    });
  });

  test("administrative down/up of the interface itself is reported too", async () => {
    await withLab({ nodes: ["r1"] }, async (lab, d) => {
      await d.r1!.call("link", { name: "eth0" });
      lab.exec("r1", ["ip", "link", "set", "eth0", "down"]);
      expect((await d.r1!.call<Link[]>("linkEvents", { min: 1 })).map((e) => [e.name, e.up])).toEqual([["eth0", false]]);
      lab.exec("r1", ["ip", "link", "set", "eth0", "up"]);
      expect((await d.r1!.call<Link[]>("linkEvents", { min: 1 })).map((e) => [e.name, e.up])).toEqual([["eth0", true]]);
    });
  });

  test("a new interface and its removal are reported; unrelated changes are not", async () => {
    await withLab({ nodes: ["r1"] }, async (lab, d) => {
      await d.r1!.call("link", { name: "eth0" });
      lab.exec("r1", ["ip", "link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
      lab.exec("r1", ["ip", "link", "set", "x0", "up"]); // no carrier yet: still not up
      lab.exec("r1", ["ip", "link", "set", "x1", "up"]);
      lab.exec("r1", ["ip", "link", "set", "eth0", "mtu", "1400"]); // no up/down change: no event
      lab.exec("r1", ["ip", "link", "del", "x0"]);
      // Until x0's removal is in: netlink keeps the order, so an event for the MTU change (made
      // before it) would be in too.
      const evs: Link[] = [];
      for (let i = 0; i < 50 && evs.filter((e) => e.name === "x0").length < 3; i++) {
        evs.push(...(await d.r1!.call<Link[]>("linkEvents", { min: 1, timeoutMs: 200 })));
      }
      expect(evs.filter((e) => e.name !== "x1").map((e) => [e.name, e.up])).toEqual([
        ["x0", false],
        ["x0", true],
        ["x0", false],
      ]);
    });
  });

  test("VRRP sockets keep working across unplug/replug and admin down/up (group membership survives)", async () => {
    await withLab({ nodes: ["r1", "r2"], ipv6: true }, async (lab, d) => {
      for (const n of ["r1", "r2"]) for (const family of [4, 6]) await d[n]!.call("open", { ifname: "eth0", family });
      const ll = lab.nodes.r1!.linkLocal;
      // Each family sent until received (bounded): a port just back up may drop the first frames
      // while the kernel's link watch catches up, and r1's link-local may not be back yet.
      const roundTrip = async () => {
        const seen = new Set<number>();
        for (let i = 0; i < 20 && seen.size < 2; i++) {
          if (!seen.has(4)) await d.r1!.call("advert", { ifname: "eth0", family: 4, src: "10.99.0.1", dst: "224.0.0.18", addrs: ["10.99.0.100"] });
          if (!seen.has(6)) {
            await d.r1!.call("advert", { ifname: "eth0", family: 6, src: ll, dst: "ff02::12", addrs: ["fe80::100"] }).catch(() => undefined);
          }
          for (const x of await d.r2!.call<{ family: number }[]>("received", { min: 2 - seen.size, timeoutMs: 500 })) seen.add(x.family);
        }
        return [...seen].sort();
      };
      expect(await roundTrip()).toEqual([4, 6]);
      lab.linkDown("r2");
      lab.linkUp("r2");
      expect(await roundTrip()).toEqual([4, 6]);
      lab.exec("r2", ["ip", "link", "set", "eth0", "down"]);
      lab.exec("r2", ["ip", "link", "set", "eth0", "up"]);
      await d.r2!.call("linkEvents", { min: 2, timeoutMs: 1000 });
      expect(await roundTrip()).toEqual([4, 6]);
      // The sender's side too: after its own admin down/up it can send from its link-local again.
      lab.exec("r1", ["ip", "link", "set", "eth0", "down"]);
      lab.exec("r1", ["ip", "link", "set", "eth0", "up"]);
      expect(await roundTrip()).toEqual([4, 6]);
    });
  });
});
