// The contract world over tests/fakes: three FakeHosts on one FakeWire, laid out as lab.ts lays
// out its namespaces. Time is a FakeClock: `received` moves it on until what is awaited arrived.

import { OsError } from "../../src/os/linux/errors.ts";
import type { LinkInfo, ReceivedDatagram } from "../../src/runtime/ports.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { FakeHost, FakeTransport, FakeWire } from "../fakes/ports.ts";
import { type Dgram, type LinkJson, linkJson, nodeAddrs, type NodeName, NODES, type Outcome, type World } from "./world.ts";

interface FakeNode {
  host: FakeHost;
  transport: FakeTransport;
  received: ReceivedDatagram[];
  links: LinkInfo[];
  subs: Map<number, { calls: number; off: () => void }>;
}

function outcome(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof OsError) return { ok: false, name: e.name, code: e.code };
    return { ok: false, name: e instanceof Error ? e.name : "Error", code: "", message: String(e) };
  }
}

const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

export async function fakeWorld(): Promise<World> {
  const clock = new FakeClock(0);
  const wire = new FakeWire(clock, 1);
  const nodes = {} as Record<NodeName, FakeNode>;
  for (const n of NODES) {
    const a = nodeAddrs(n);
    const host = new FakeHost(clock);
    host.addLink(
      "eth0",
      [
        { family: 4, address: a.ipv4, prefixLength: 24 },
        { family: 6, address: a.ipv6, prefixLength: 64 },
        { family: 6, address: a.linkLocal, prefixLength: 64 },
      ],
      true,
      { mac: unhex(a.mac) },
    );
    const node: FakeNode = { host, transport: new FakeTransport(wire, host), received: [], links: [], subs: new Map() };
    node.transport.onReceive((d) => node.received.push(d));
    host.onChange((l) => node.links.push(l));
    nodes[n] = node;
  }
  let nextSub = 1;
  const eth0 = (n: NodeName) => nodes[n].host.link("eth0")!.index;
  // Bounded: a test that waits for more than will ever come gets what there is after 3 s of fake time.
  const waitFor = <T>(list: T[], min: number): T[] => {
    clock.advance(5);
    clock.runUntil(() => list.length >= min, clock.nowMs() + 3000);
    return list.splice(0, list.length);
  };
  return {
    kind: "fake",
    ifindex: async (n) => eth0(n),
    open: async (n, family, ifname = "eth0", ifindex) =>
      outcome(() => nodes[n].transport.open(ifname, ifindex ?? nodes[n].host.link(ifname)?.index ?? 99, family)),
    release: async (n, family) => outcome(() => nodes[n].transport.release(eth0(n), family)),
    send: async (n, family, hex, dst, src, ifindex) => outcome(() => nodes[n].transport.send(ifindex ?? eth0(n), family, unhex(hex), dst, src)),
    received: async (n, min): Promise<Dgram[]> =>
      waitFor(nodes[n].received, min).map((d) => ({
        family: d.family,
        onEth0: d.ifindex === eth0(n),
        src: d.src,
        dst: d.dst,
        ttl: d.ttl,
        payload: Buffer.from(d.payload).toString("hex"),
      })),
    subscribe: async (n, kind) => {
      const id = nextSub++;
      const s = { calls: 0, off: () => {} };
      s.off = kind === "link" ? nodes[n].host.onChange(() => s.calls++) : nodes[n].transport.onReceive(() => s.calls++);
      nodes[n].subs.set(id, s);
      return id;
    },
    unsubscribe: async (n, sub) => nodes[n].subs.get(sub)?.off(),
    calls: async (n, sub) => nodes[n].subs.get(sub)?.calls ?? -1,
    addAddr: async (n, spec) => outcome(() => nodes[n].host.add(spec)),
    removeAddr: async (n, spec) => outcome(() => nodes[n].host.remove(spec)),
    listAddrs: async (n, ifindex) => linkJson({ name: "", index: 0, mac: new Uint8Array(6), up: true, addresses: nodes[n].host.list(ifindex) }).addresses,
    addRoute: async (n, spec) => outcome(() => nodes[n].host.addRoute(spec)),
    removeRoute: async (n, spec) => outcome(() => nodes[n].host.removeRoute(spec)),
    addRule: async (n, spec) => outcome(() => nodes[n].host.addRule(spec)),
    removeRule: async (n, spec) => outcome(() => nodes[n].host.removeRule(spec)),
    link: async (n, name): Promise<LinkJson | null> => {
      const l = nodes[n].host.link(name);
      return l ? linkJson(l) : null;
    },
    linkEvents: async (n, min) => waitFor(nodes[n].links, min).map(linkJson),
    // Frames in flight land first: an `ip link set` takes far longer than a frame on a LAN.
    carrier: async (n, up) => (clock.advance(5), nodes[n].host.setUp("eth0", up)),
    admin: async (n, up) => (clock.advance(5), nodes[n].host.setAdmin("eth0", up)),
    close: async () => {},
  };
}
