// One suite of the port contract (src/runtime/ports.ts), run against the fakes
// (fake.contract.test.ts) and against the Linux ports in namespaces (linux.contract.test.ts):
// what one does, the other must do, down to the errno. Every expectation here was observed on the
// kernel first. Negative checks ("nothing arrives") are ordered by a marker: the same sender's
// later packet arrives after the earlier one would have, so no test waits on the clock for silence.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Family } from "../../src/protocol/types.ts";
import { type Dgram, nodeAddrs, type NodeName, type Outcome, type World } from "./world.ts";

const G4 = "224.0.0.18";
const G6 = "ff02::12";
const A = nodeAddrs("a");
const B = nodeAddrs("b");
const C = nodeAddrs("c");
/** Any bytes will do: the ports carry payloads, they do not parse them. */
const payload = (tag: number, len = 12) => (tag.toString(16).padStart(2, "0") + "31016401006400000a630064").padEnd(len * 2, "0").slice(0, len * 2);

const ok = (value?: unknown): Outcome => (value === undefined ? { ok: true } : { ok: true, value });
const fails = (code: string) => expect.objectContaining({ ok: false, name: "OsError", code });
/** Outcomes compared without `value` when the port returns nothing (undefined vs absent in JSON). */
const bare = (o: Outcome) => (o.ok && o.value === undefined ? { ok: true } : o);
const payloads = (ds: Dgram[]) => ds.map((d) => d.payload);

const T = 30_000; // per-test ceiling for the namespace world; the fake one never comes close

export function portsContract(label: string, make: () => Promise<World>): void {
  /** One world per group: a group's tests may leave state the next group must not see. */
  const group = (name: string, body: (w: () => World) => void) =>
    describe(`${label}: ${name}`, () => {
      let world: World | null = null;
      beforeAll(async () => {
        world = await make();
      }, T);
      afterAll(async () => {
        await world?.close();
      }, T);
      body(() => world!);
    });

  group("VRRP transport", (w) => {
    const openAll = async (family: Family) => {
      for (const n of ["a", "b", "c"] as NodeName[]) expect(bare(await w().open(n, family))).toEqual(ok());
    };
    const drain = async () => {
      for (const n of ["a", "b", "c"] as NodeName[]) await w().received(n, 0);
    };

    test("send before open is EBADF; open on an interface that does not exist is ENODEV", async () => {
      expect(await w().send("a", 4, payload(1), G4, A.ipv4)).toEqual(fails("EBADF"));
      expect(await w().open("a", 4, "nope0", 99)).toEqual(fails("ENODEV"));
    }, T);

    test("the group reaches every open socket on the segment with TTL 255, never the sender", async () => {
      await openAll(4);
      await openAll(4); // idempotent
      await drain();
      expect(bare(await w().send("a", 4, payload(2), G4, A.ipv4))).toEqual(ok());
      for (const n of ["b", "c"] as NodeName[]) {
        expect(await w().received(n, 1)).toEqual([{ family: 4, onEth0: true, src: A.ipv4, dst: G4, ttl: 255, payload: payload(2) }]);
      }
      await w().send("b", 4, payload(3), G4, B.ipv4); // marker: a's own advert would be before it
      expect(payloads(await w().received("a", 1))).toEqual([payload(3)]);
      await w().received("c", 1);
    }, T);

    test("a unicast reaches its addressee only; another group and an address nobody holds reach nobody", async () => {
      await drain();
      expect(bare(await w().send("a", 4, payload(4), C.ipv4, A.ipv4))).toEqual(ok());
      expect(bare(await w().send("a", 4, payload(5), "224.0.0.19", A.ipv4))).toEqual(ok());
      expect(bare(await w().send("a", 4, payload(6), "10.99.0.77", A.ipv4))).toEqual(ok());
      await w().send("a", 4, payload(7), G4, A.ipv4); // marker
      expect(payloads(await w().received("b", 1))).toEqual([payload(7)]);
      const atC = await w().received("c", 2);
      expect(atC.map((d) => [d.dst, d.ttl, d.payload])).toEqual([
        [C.ipv4, 255, payload(4)],
        [G4, 255, payload(7)],
      ]);
    }, T);

    test("IPv6: ff02::12 from the link-local with hop limit 255; a unicast to its addressee only", async () => {
      await openAll(6);
      await drain();
      expect(bare(await w().send("a", 6, payload(8), C.ipv6, A.ipv6))).toEqual(ok());
      expect(bare(await w().send("a", 6, payload(9), G6, A.linkLocal))).toEqual(ok());
      expect(await w().received("b", 1)).toEqual([{ family: 6, onEth0: true, src: A.linkLocal, dst: G6, ttl: 255, payload: payload(9) }]);
      const atC = await w().received("c", 2);
      expect(atC.map((d) => [d.src, d.dst, d.payload])).toEqual([
        [A.ipv6, C.ipv6, payload(8)],
        [A.linkLocal, G6, payload(9)],
      ]);
    }, T);

    test("a source address the host does not have is ENETUNREACH; an empty one gets the interface's", async () => {
      await drain();
      expect(await w().send("a", 4, payload(10), G4, "10.99.0.77")).toEqual(fails("ENETUNREACH"));
      expect(await w().send("a", 4, payload(10), C.ipv4, "10.99.0.77")).toEqual(fails("ENETUNREACH"));
      expect(bare(await w().send("a", 4, payload(11), G4, ""))).toEqual(ok());
      expect((await w().received("b", 1)).map((d) => [d.src, d.payload])).toEqual([[A.ipv4, payload(11)]]);
      await w().received("c", 1);
    }, T);

    test("1500 bytes arrive whole (the kernel fragments above the MTU); 1501 is EMSGSIZE", async () => {
      await drain();
      expect(await w().send("a", 4, payload(12, 1501), G4, A.ipv4)).toEqual(fails("EMSGSIZE"));
      expect(bare(await w().send("a", 4, payload(13, 1500), G4, A.ipv4))).toEqual(ok());
      expect(payloads(await w().received("b", 1))).toEqual([payload(13, 1500)]);
      await w().received("c", 1);
    }, T);

    test("onReceive adds a handler (every handler gets every datagram) and returns its removal", async () => {
      await drain();
      const sub = await w().subscribe("b", "receive");
      await w().send("a", 4, payload(14), G4, A.ipv4);
      expect(payloads(await w().received("b", 1))).toEqual([payload(14)]);
      expect(await w().calls("b", sub)).toBe(1);
      await w().unsubscribe("b", sub);
      await w().send("a", 4, payload(15), G4, A.ipv4);
      expect(payloads(await w().received("b", 1))).toEqual([payload(15)]); // the first handler still gets it
      expect(await w().calls("b", sub)).toBe(1);
      await w().received("c", 2);
    }, T);

    test("no carrier: sendmsg succeeds but nothing leaves; a receiver without carrier gets nothing", async () => {
      await drain();
      await w().carrier("a", false);
      expect((await w().linkEvents("a", 1)).map((l) => l.up)).toEqual([false]);
      expect(bare(await w().send("a", 4, payload(16), G4, A.ipv4))).toEqual(ok());
      await w().carrier("a", true);
      expect((await w().linkEvents("a", 1)).map((l) => l.up)).toEqual([true]);
      await w().carrier("b", false);
      expect((await w().linkEvents("b", 1)).map((l) => l.up)).toEqual([false]);
      await w().send("c", 4, payload(17), G4, C.ipv4);
      await w().carrier("b", true);
      expect((await w().linkEvents("b", 1)).map((l) => l.up)).toEqual([true]);
      // Marker from c: a bridge port just back up may drop the first frames, so send until one lands.
      let atB: Dgram[] = [];
      for (let i = 0; i < 5 && atB.length === 0; i++) {
        await w().send("c", 4, payload(18), G4, C.ipv4);
        atB = await w().received("b", 1);
      }
      expect(atB.length).toBeGreaterThan(0);
      expect(new Set(payloads(atB))).toEqual(new Set([payload(18)]));
      expect(payloads(await w().received("a", 1)).filter((p) => p !== payload(18))).toEqual([payload(17)]);
    }, T);

    test("release closes one family's socket: nothing more arrives on it, send is EBADF; twice is harmless", async () => {
      await drain();
      expect(bare(await w().release("b", 4))).toEqual(ok());
      expect(bare(await w().release("b", 4))).toEqual(ok());
      expect(await w().send("b", 4, payload(19), G4, B.ipv4)).toEqual(fails("EBADF"));
      await w().send("a", 4, payload(20), G4, A.ipv4);
      await w().send("a", 6, payload(21), G6, A.linkLocal); // IPv6 is still open on b: the marker
      expect(payloads(await w().received("b", 1))).toEqual([payload(21)]);
      await w().received("c", 2);
    }, T);
  });

  group("addresses", (w) => {
    test("IPv4: an address is itself plus its prefix length; removal needs both; EEXIST and EADDRNOTAVAIL are false", async () => {
      const ifindex = await w().ifindex("a");
      const s = { ifindex, family: 4 as const, address: "192.0.2.10", prefixLength: 24 };
      expect(await w().addAddr("a", s)).toEqual(ok(true));
      expect(await w().addAddr("a", s)).toEqual(ok(false));
      expect(await w().addAddr("a", { ...s, prefixLength: 32 })).toEqual(ok(true));
      expect(await w().removeAddr("a", { ...s, prefixLength: 28 })).toEqual(ok(false));
      const listed = (await w().listAddrs("a", ifindex)).filter((x) => x.address === s.address).map((x) => x.prefixLength);
      expect(listed.sort()).toEqual([24, 32]);
      expect(await w().removeAddr("a", s)).toEqual(ok(true));
      expect(await w().removeAddr("a", { ...s, prefixLength: 32 })).toEqual(ok(true));
      expect(await w().removeAddr("a", s)).toEqual(ok(false));
      expect((await w().listAddrs("a", ifindex)).some((x) => x.address === s.address)).toBe(false);
    }, T);

    test("IPv6: the address alone is the identity (another prefix length is EEXIST); removal needs the prefix length", async () => {
      const ifindex = await w().ifindex("a");
      const s = { ifindex, family: 6 as const, address: "2001:db8:5::1", prefixLength: 64 };
      expect(await w().addAddr("a", s)).toEqual(ok(true));
      expect(await w().addAddr("a", { ...s, prefixLength: 128 })).toEqual(ok(false));
      expect(await w().removeAddr("a", { ...s, prefixLength: 128 })).toEqual(ok(false));
      expect(await w().removeAddr("a", s)).toEqual(ok(true));
    }, T);

    test("an interface index that does not exist: add and remove are ENODEV, the list is empty", async () => {
      const s = { ifindex: 99, family: 4 as const, address: "192.0.2.11", prefixLength: 24 };
      expect(await w().addAddr("a", s)).toEqual(fails("ENODEV"));
      expect(await w().removeAddr("a", s)).toEqual(fails("ENODEV"));
      expect(await w().listAddrs("a", 99)).toEqual([]);
    }, T);
  });

  group("routes", (w) => {
    const r = { family: 4 as const, to: "192.0.2.0/24", via: "10.99.0.254" };

    test("IPv4: a route is table + destination + metric; removal matches every field given", async () => {
      expect(await w().addRoute("b", r)).toEqual(ok(true));
      expect(await w().addRoute("b", r)).toEqual(ok(false));
      expect(await w().addRoute("b", { ...r, via: "10.99.0.253" })).toEqual(ok(false)); // same identity
      expect(await w().addRoute("b", { ...r, metric: 5 })).toEqual(ok(true));
      expect(await w().addRoute("b", { ...r, table: 100 })).toEqual(ok(true));
      expect(await w().removeRoute("b", { ...r, via: "10.99.0.9" })).toEqual(ok(false));
      expect(await w().removeRoute("b", { ...r, metric: 7 })).toEqual(ok(false));
      expect(await w().removeRoute("b", { ...r, metric: 5 })).toEqual(ok(true));
      expect(await w().removeRoute("b", { ...r, table: 100 })).toEqual(ok(true));
      expect(await w().removeRoute("b", { ...r, table: 100 })).toEqual(ok(false));
      expect(await w().removeRoute("b", { family: 4, to: r.to })).toEqual(ok(true));
      expect(await w().removeRoute("b", { family: 4, to: r.to })).toEqual(ok(false));
    }, T);

    test("IPv6: default metric 1024; the same destination twice is EEXIST", async () => {
      const r6 = { family: 6 as const, to: "2001:db8:9::/48", via: "2001:db8::fe" };
      expect(await w().addRoute("b", r6)).toEqual(ok(true));
      expect(await w().addRoute("b", r6)).toEqual(ok(false));
      expect(await w().removeRoute("b", { family: 6, to: r6.to, metric: 1024 })).toEqual(ok(true));
      expect(await w().removeRoute("b", { family: 6, to: r6.to })).toEqual(ok(false));
    }, T);

    test("a gateway off every link is ENETUNREACH (IPv4) / EHOSTUNREACH (IPv6); a missing device ENODEV", async () => {
      const ifindex = await w().ifindex("b");
      expect(await w().addRoute("b", { family: 4, to: "198.51.100.0/24", via: "192.0.2.1" })).toEqual(fails("ENETUNREACH"));
      expect(await w().addRoute("b", { family: 6, to: "2001:db8:9::/48", via: "2001:db8:7::1" })).toEqual(fails("EHOSTUNREACH"));
      expect(await w().addRoute("b", { family: 4, to: "198.51.100.0/25", ifindex: 99 })).toEqual(fails("ENODEV"));
      expect(await w().addRoute("b", { family: 4, to: "198.51.100.0/24", ifindex })).toEqual(ok(true));
      expect(await w().removeRoute("b", { family: 4, to: "198.51.100.0/24", ifindex })).toEqual(ok(true));
    }, T);
  });

  group("typed and multipath routes", (w) => {
    test("blackhole / unreachable / prohibit / throw: no gateway nor device; the type is not part of a route's identity", async () => {
      for (const type of ["blackhole", "unreachable", "prohibit", "throw"] as const) {
        const r = { family: 4 as const, to: "198.51.100.0/24", type, table: 100 };
        expect(await w().addRoute("b", r)).toEqual(ok(true));
        expect(await w().addRoute("b", r)).toEqual(ok(false));
        expect(await w().addRoute("b", { ...r, type: "unicast" as const, via: "10.99.0.254" })).toEqual(ok(false)); // same table, destination, metric
        expect(await w().removeRoute("b", r)).toEqual(ok(true));
        expect(await w().removeRoute("b", r)).toEqual(ok(false));
      }
      const r6 = { family: 6 as const, to: "2001:db8:9::/48", type: "blackhole" as const };
      expect(await w().addRoute("b", r6)).toEqual(ok(true));
      expect(await w().removeRoute("b", { ...r6, metric: 1024 })).toEqual(ok(true));
    }, T);

    test("multipath: the hops instead of via/dev; each hop's gateway must be on a link", async () => {
      const ifindex = await w().ifindex("b");
      const r = { family: 4 as const, to: "198.51.100.0/24", nexthops: [{ via: "10.99.0.250", ifindex, weight: 2 }, { via: "10.99.0.251", ifindex }] };
      expect(await w().addRoute("b", r)).toEqual(ok(true));
      expect(await w().addRoute("b", r)).toEqual(ok(false));
      expect(await w().removeRoute("b", r)).toEqual(ok(true));
      expect(await w().removeRoute("b", r)).toEqual(ok(false));
      // A hop's gateway is looked up through its device: a missing device is ENETUNREACH then.
      expect(await w().addRoute("b", { ...r, nexthops: [{ via: "10.99.0.250", ifindex: 99 }] })).toEqual(fails("ENETUNREACH"));
      expect(await w().addRoute("b", { ...r, nexthops: [{ via: "192.0.2.1", ifindex }] })).toEqual(fails("ENETUNREACH"));
      expect(await w().addRoute("b", { ...r, nexthops: [{ ifindex: 99 }] })).toEqual(fails("ENODEV"));
    }, T);
  });

  group("rules", (w) => {
    test("a rule is added once (EEXIST is false), removed once (ENOENT is false)", async () => {
      const rule = { family: 4 as const, from: "198.51.100.0/24", priority: 100, table: 100 };
      expect(await w().addRule("b", rule)).toEqual(ok(true));
      expect(await w().addRule("b", rule)).toEqual(ok(false));
      expect(await w().addRule("b", { ...rule, table: 101 })).toEqual(ok(true)); // another action: another rule
      expect(await w().removeRule("b", rule)).toEqual(ok(true));
      expect(await w().removeRule("b", rule)).toEqual(ok(false));
      expect(await w().removeRule("b", { ...rule, table: 101 })).toEqual(ok(true));
    }, T);

    test("actions, fwmark/mask, not, iif/oif, IPv6", async () => {
      const rules = [
        { family: 4 as const, to: "198.51.100.7", priority: 200, action: "blackhole" as const },
        { family: 4 as const, fwmark: 7, fwmask: 0xff, priority: 201, action: "prohibit" as const },
        { family: 4 as const, invert: true, from: "10.99.0.0/16", iif: "eth0", priority: 202, table: 102 },
        { family: 4 as const, oif: "eth0", priority: 203, action: "unreachable" as const },
        { family: 6 as const, from: "2001:db8:9::/48", priority: 204, table: 104 },
      ];
      for (const r of rules) expect(await w().addRule("b", r)).toEqual(ok(true));
      for (const r of rules) expect(await w().addRule("b", r)).toEqual(ok(false));
      for (const r of rules) expect(await w().removeRule("b", r)).toEqual(ok(true));
      for (const r of rules) expect(await w().removeRule("b", r)).toEqual(ok(false));
    }, T);

    test("the kernel takes a lookup in table 0 (only the config refuses it, as keepalived)", async () => {
      const rule = { family: 4 as const, from: "198.51.100.0/24", priority: 300, table: 0 };
      expect(await w().addRule("b", rule)).toEqual(ok(true));
      expect(await w().removeRule("b", rule)).toEqual(ok(true));
    }, T);
  });

  group("links", (w) => {
    test("link(): index, MAC, state and addresses; a name that does not exist is undefined", async () => {
      const l = await w().link("a", "eth0");
      expect(l).toMatchObject({ name: "eth0", index: await w().ifindex("a"), mac: A.mac, up: true });
      expect(l!.addresses).toEqual(
        expect.arrayContaining([
          { family: 4, address: A.ipv4, prefixLength: 24 },
          { family: 6, address: A.ipv6, prefixLength: 64 },
          { family: 6, address: A.linkLocal, prefixLength: 64 },
        ]),
      );
      expect(await w().link("a", "nope0")).toBeNull();
    }, T);

    test("carrier loss and return each reported once, addresses kept; onChange returns its removal", async () => {
      await w().linkEvents("c", 0);
      const sub = await w().subscribe("c", "link");
      await w().carrier("c", false);
      const down = await w().linkEvents("c", 1);
      expect(down.map((l) => l.up)).toEqual([false]);
      expect(down[0]!.addresses).toContainEqual({ family: 4, address: C.ipv4, prefixLength: 24 });
      expect(await w().calls("c", sub)).toBe(1);
      await w().unsubscribe("c", sub);
      await w().carrier("c", true);
      expect((await w().linkEvents("c", 1)).map((l) => l.up)).toEqual([true]);
      expect(await w().calls("c", sub)).toBe(1);
    }, T);

    test("administratively down: reported down, IPv6 addresses gone, send ENETUNREACH / EINVAL, route ENETDOWN", async () => {
      const ifindex = await w().ifindex("b");
      for (const f of [4, 6] as const) expect(bare(await w().open("b", f))).toEqual(ok());
      await w().linkEvents("b", 0);
      await w().admin("b", false);
      expect((await w().linkEvents("b", 1)).map((l) => l.up)).toEqual([false]);
      expect((await w().link("b", "eth0"))!.addresses.map((a) => a.family)).toEqual([4]);
      expect(await w().send("b", 4, payload(30), G4, B.ipv4)).toEqual(fails("ENETUNREACH"));
      expect(await w().send("b", 6, payload(31), G6, B.linkLocal)).toEqual(fails("EINVAL"));
      expect(await w().addRoute("b", { family: 4, to: "198.51.100.0/24", ifindex })).toEqual(fails("ENETDOWN"));
      await w().admin("b", true);
      expect((await w().linkEvents("b", 1)).map((l) => l.up)).toEqual([true]);
    }, T);
  });
}
