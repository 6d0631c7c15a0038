// Raw VRRP sockets between namespaces: what the peer receives, what tcpdump on the wire shows.

import { describe, expect, test } from "bun:test";
import { CAN_NETNS, HAS_TCPDUMP } from "./os-common.ts";
import { DRIVER, withLab } from "./os-common.ts";
import type { Lab, Rpc } from "./lab.ts";

async function withKernelChecksum(lab: Lab, _d: Record<string, Rpc>): Promise<{ r1: Rpc; r2: Rpc }> {
  const r1 = lab.rpc("r1", DRIVER);
  const r2 = lab.rpc("r2", DRIVER);
  for (const r of [r1, r2]) {
    await r.call("configure", { options: { kernelChecksum6: true } });
    await r.call("open", { ifname: "eth0", family: 6 });
  }
  return { r1, r2 };
}

interface Dgram {
  family: number;
  ifindex: number;
  src: string;
  dst: string;
  ttl: number;
  payload: string;
}

describe.skipIf(!CAN_NETNS)("os/linux VRRP transport", () => {
  test.skipIf(!HAS_TCPDUMP)("IPv4 advert to 224.0.0.18 reaches the peer with TTL 255; no loop back to the sender", async () => {
    await withLab({ nodes: ["r1", "r2", "c"] }, async (lab, d) => {
      const cap = await lab.capture("c", "ip proto 112");
      for (const n of ["r1", "r2"]) await d[n]!.call("open", { ifname: "eth0", family: 4 });
      await d.r1!.call("open", { ifname: "eth0", family: 4 }); // idempotent
      const sent = await d.r1!.call<string>("advert", {
        ifname: "eth0",
        family: 4,
        src: "10.99.0.1",
        dst: "224.0.0.18",
        vrid: 51,
        priority: 150,
        addrs: ["10.99.0.100"],
      });
      const got = await d.r2!.call<Dgram[]>("received", { min: 1 });
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ family: 4, src: "10.99.0.1", dst: "224.0.0.18", ttl: 255, payload: sent });
      expect(got[0]!.ifindex).toBe(await d.r2!.call<number>("index", { name: "eth0" }));
      const line = await cap.waitFor(/VRRP/);
      expect(line).toContain("ttl 255");
      expect(line).toContain("proto VRRP (112)");
      expect(line).toContain("10.99.0.1 > 224.0.0.18: VRRPv3, Advertisement, vrid 51, prio 150");
      expect(line).toContain("addrs: 10.99.0.100");
      expect(await d.r1!.call<Dgram[]>("received", { min: 1, timeoutMs: 200 })).toEqual([]);
      await cap.stop();
    });
  });

  test.skipIf(!HAS_TCPDUMP)("IPv6 advert to ff02::12 from the link-local address with hop limit 255", async () => {
    await withLab({ nodes: ["r1", "r2", "c"], ipv6: true }, async (lab, d) => {
      const ll = lab.nodes.r1!.linkLocal;
      const cap = await lab.capture("c", "ip6 proto 112");
      for (const n of ["r1", "r2"]) await d[n]!.call("open", { ifname: "eth0", family: 6 });
      const sent = await d.r1!.call<string>("advert", {
        ifname: "eth0",
        family: 6,
        src: ll,
        dst: "ff02::12",
        vrid: 7,
        priority: 100,
        addrs: ["fe80::1:7", "2001:db8::7"],
      });
      const got = await d.r2!.call<Dgram[]>("received", { min: 1 });
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ family: 6, src: ll, dst: "ff02::12", ttl: 255, payload: sent });
      const line = await cap.waitFor(/VRRP/);
      expect(line).toContain("hlim 255");
      expect(line).toContain(`${ll} > ff02::12: VRRPv3, Advertisement, vrid 7, prio 100`);
      expect(line).not.toContain("bad"); // tcpdump flags a wrong checksum
      expect(await d.r1!.call<Dgram[]>("received", { min: 1, timeoutMs: 200 })).toEqual([]);
      await cap.stop();
    });
  });

  test.skipIf(!HAS_TCPDUMP)("the source address is the one the runtime chose (IP_PKTINFO)", async () => {
    await withLab({ nodes: ["r1", "r2", "c"] }, async (lab, d) => {
      await d.r1!.call("addAddr", { ifname: "eth0", family: 4, address: "10.99.0.51", prefixLength: 24 });
      for (const n of ["r1", "r2"]) await d[n]!.call("open", { ifname: "eth0", family: 4 });
      const cap = await lab.capture("c", "ip proto 112");
      await d.r1!.call("advert", { ifname: "eth0", family: 4, src: "10.99.0.51", dst: "224.0.0.18", vrid: 9, addrs: ["10.99.0.109"] });
      const got = await d.r2!.call<Dgram[]>("received", { min: 1 });
      expect(got[0]?.src).toBe("10.99.0.51");
      expect(await cap.waitFor(/VRRP/)).toContain("10.99.0.51 > 224.0.0.18");
      await cap.stop();
    });
  });

  test("unicast peers: IPv4 and IPv6 datagrams sent to the peer address on the same socket", async () => {
    await withLab({ nodes: ["r1", "r2"], ipv6: true }, async (lab, d) => {
      for (const n of ["r1", "r2"]) {
        await d[n]!.call("open", { ifname: "eth0", family: 4 });
        await d[n]!.call("open", { ifname: "eth0", family: 6 });
      }
      await d.r1!.call("advert", { ifname: "eth0", family: 4, src: "10.99.0.1", dst: "10.99.0.2", vrid: 3, addrs: ["10.99.0.103"] });
      const v4 = await d.r2!.call<Dgram[]>("received", { min: 1 });
      expect(v4[0]).toMatchObject({ family: 4, src: "10.99.0.1", dst: "10.99.0.2", ttl: 255 });
      const ll2 = lab.nodes.r2!.linkLocal;
      await d.r1!.call("advert", { ifname: "eth0", family: 6, src: lab.nodes.r1!.linkLocal, dst: ll2, vrid: 3, addrs: ["fe80::3"] });
      await d.r1!.call("advert", { ifname: "eth0", family: 6, src: "2001:db8::1", dst: "2001:db8::2", vrid: 3, addrs: ["2001:db8::3"] });
      const v6 = await d.r2!.call<Dgram[]>("received", { min: 2 });
      expect(v6.map((x) => [x.src, x.dst, x.ttl])).toEqual([
        [lab.nodes.r1!.linkLocal, ll2, 255],
        ["2001:db8::1", "2001:db8::2", 255],
      ]);
    });
  });

  test("a burst of adverts arrives complete and in order, one datagram each", async () => {
    await withLab({ nodes: ["r1", "r2"] }, async (_lab, d) => {
      for (const n of ["r1", "r2"]) await d[n]!.call("open", { ifname: "eth0", family: 4 });
      await d.r2!.call("open", { ifname: "eth0", family: 4 });
      for (let prio = 1; prio <= 50; prio++) {
        await d.r1!.call("advert", { ifname: "eth0", family: 4, src: "10.99.0.1", dst: "224.0.0.18", vrid: 1, priority: prio, addrs: ["10.99.0.100"] });
      }
      const got: Dgram[] = [];
      while (got.length < 50) {
        const more = await d.r2!.call<Dgram[]>("received", { min: 50 - got.length, timeoutMs: 2000 });
        if (more.length === 0) break;
        got.push(...more);
      }
      expect(got.map((x) => parseInt(x.payload.slice(4, 6), 16))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });
  });

  test("IPv6 checksum: the kernel leaves it to the core by default, fills it with kernelChecksum6", async () => {
    await withLab({ nodes: ["r1", "r2"], ipv6: true }, async (lab, d) => {
      const ll = lab.nodes.r1!.linkLocal;
      const args = { ifname: "eth0", family: 6, src: ll, dst: "ff02::12", vrid: 4, addrs: ["fe80::4"] };
      const good = await d.r1!.call<string>("advert", args).catch(() => "");
      expect(good).toBe(""); // nothing open yet: refused
      for (const n of ["r1", "r2"]) await d[n]!.call("open", { ifname: "eth0", family: 6 });
      const correct = await d.r1!.call<string>("advert", args);
      const zeroed = `${correct.slice(0, 12)}0000${correct.slice(16)}`;
      await d.r1!.call("send", { ...args, hex: zeroed });
      const got = await d.r2!.call<Dgram[]>("received", { min: 2 });
      expect(got.map((x) => x.payload)).toEqual([correct, zeroed]); // delivered untouched: the core judges
      // Kernel checksum on both sides: a zeroed field is filled in on the way out.
      const k = await withKernelChecksum(lab, d);
      await k.r1.call("send", { ...args, hex: zeroed });
      expect((await k.r2.call<Dgram[]>("received", { min: 1 }))[0]?.payload).toBe(correct);
    });
  });

  test("sending without an open socket, or on a down link, throws", async () => {
    await withLab({ nodes: ["r1", "r2"] }, async (lab, d) => {
      const e1 = await d.r1!.call("advert", { ifname: "eth0", family: 4, src: "10.99.0.1", dst: "224.0.0.18" }).catch((e: Error) => e);
      expect(String((e1 as Error).message)).toContain("no socket open");
      await d.r1!.call("open", { ifname: "eth0", family: 4 });
      lab.exec("r1", ["ip", "link", "set", "eth0", "down"]);
      const e2 = (await d.r1!.call("advert", { ifname: "eth0", family: 4, src: "10.99.0.1", dst: "224.0.0.18" }).catch((e) => e)) as {
        code?: string;
        syscall?: string;
      };
      expect(e2.syscall).toBe("sendmsg");
      expect(["ENETDOWN", "ENETUNREACH"]).toContain(e2.code!);
    });
  });
});
