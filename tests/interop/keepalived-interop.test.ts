// vigil beside Debian's keepalived on one bridge, in both directions, on the real kernel.
// Every scenario gives the SAME keepalived.conf text to both implementations (only priorities and
// per-node addresses differ) and asserts what an operator sees: who holds the VIP (`ip -br a`),
// the state each one reports (vigil /status, keepalived's "Entering … STATE" log lines), and the
// adverts on the wire seen from a third node (tcpdump -w, decoded by the pure core).
// No timed assertions: facts and their order. Sub-second scenarios use VRRPv3 at 100 ms.
import { afterEach, describe, expect, test } from "bun:test";
import { createLab, type Lab } from "../netns/lab.ts";
import { seedConfig } from "../netns/vigil-node.ts";
import {
  cleanupPeers,
  type ConfOptions,
  DIRECTIONS,
  eth0,
  holds,
  hubMode,
  isolate,
  kaConf,
  type Kind,
  leftovers,
  type Peer,
  snapshotOwned,
  startPeer,
} from "./peers.ts";
import { describe as line, prio, startWire, type Wire, type WireAdvert } from "./wire.ts";

const TIMEOUT_MS = 60_000;

let lab: Lab | undefined;
let wire: Wire | undefined;
let peers: Peer[] = [];

afterEach(async () => {
  const owned = snapshotOwned(lab, peers);
  await wire?.stop().catch(() => undefined);
  await cleanupPeers(peers);
  await lab?.cleanup();
  lab = undefined;
  wire = undefined;
  peers = [];
  // Nothing left behind: every keepalived we started is gone, and so is every namespace.
  expect(leftovers(owned)).toEqual({ pids: [], namespaces: [] });
});

async function setup(o: { ipv6?: boolean; seed?: boolean; hub?: boolean } = {}): Promise<{ lab: Lab; wire: Wire }> {
  lab = createLab({ nodes: ["r1", "r2", "c"], ipv6: o.ipv6, prefix: "vgi" });
  // The seed's addresses: the routers sit in 192.168.0.0/24 next to the VIP (inside the lab only).
  if (o.seed) ["r1", "r2", "c"].forEach((n, i) => lab!.exec(n, ["ip", "addr", "add", `192.168.0.${i + 1}/24`, "dev", "eth0"]));
  if (o.hub) hubMode(lab);
  wire = await startWire(lab, "c");
  return { lab, wire };
}

/** Starts a peer; `previous` marks a restart of the same router (vigil keeps its --state-dir). */
function start(kind: Kind, node: string, conf: string, previous?: Peer): Peer {
  const p = startPeer(lab!, kind, node, conf, { previous });
  peers.push(p);
  return p;
}

const from = (src: string) => (a: WireAdvert) => a.src === src;
const after = (t: number) => (a: WireAdvert) => a.t > t;
const both = (...ps: ((a: WireAdvert) => boolean)[]) => (a: WireAdvert) => ps.every((p) => p(a));

/** Waits until `n` more adverts from `src` are on the wire after the current last one. */
async function moreAdverts(w: Wire, src: string, n: number): Promise<WireAdvert[]> {
  const t0 = w.adverts().at(-1)?.t ?? 0;
  await w.waitFor(() => w.adverts().filter(both(from(src), after(t0))).length >= n, 15_000, `${n} adverts from ${src}`);
  return w.adverts().filter(both(from(src), after(t0)));
}

/** Expected content of every advert a node sends in a scenario. */
interface Expect {
  version: 2 | 3;
  priority: number;
  addresses: string[];
  intervalCs: number;
  dst: string;
  checksumForm: "v2" | "pseudo-header";
  authType?: number;
  authData?: string; // hex
}

function expectAdvert(a: WireAdvert, e: Expect): void {
  expect(a.decoded.ok).toBe(true);
  if (!a.decoded.ok) return;
  const p = a.decoded.packet;
  expect({
    ttl: a.ttl,
    dst: a.dst,
    version: p.version,
    vrid: p.vrid,
    priority: p.priority,
    addresses: p.addresses,
    interval: p.maxAdvertIntervalCs,
    form: a.decoded.checksumForm,
  }).toEqual({
    ttl: 255,
    dst: e.dst,
    version: e.version,
    vrid: 51,
    priority: e.priority,
    addresses: e.addresses,
    interval: e.intervalCs,
    form: e.checksumForm,
  });
  if (e.authType !== undefined) expect(p.authType).toBe(e.authType);
  if (e.authData !== undefined) expect(Buffer.from(p.authData ?? []).toString("hex")).toBe(e.authData);
}

/**
 * The common story: the high-priority node H starts and becomes master; the low one L joins as
 * backup; H crashes (SIGKILL) → L takes over; H restarts → H preempts back (failback).
 */
interface Story {
  first: Kind; // plays H on r1
  second: Kind; // plays L on r2
  confH: string;
  confL: string;
  vip: string; // as `ip -br a` prints it
  srcH: string; // source address of H's adverts on the wire
  srcL: string;
  wantH: Expect;
  wantL: Expect;
}

async function electCrashFailback(s: Story): Promise<void> {
  const l = lab!;
  const w = wire!;
  const n = s.wantH.version === 2 ? 1 : 3; // adverts to watch per step: v2 sends one a second
  // Election.
  const h = start(s.first, "r1", s.confH);
  await h.waitState("master");
  const lo = start(s.second, "r2", s.confL);
  await lo.waitState("backup");
  const steady = await moreAdverts(w, s.srcH, n);
  for (const a of steady) expectAdvert(a, s.wantH);
  expect(holds(l, "r1", s.vip)).toBe(true);
  expect(holds(l, "r2", s.vip)).toBe(false);
  expect(w.adverts().filter(from(s.srcL))).toEqual([]); // a backup never speaks
  expect(await h.state()).toBe("master");

  // Failover: the master crashes (no priority 0).
  const tCrash = w.adverts().filter(from(s.srcH)).at(-1)!.t;
  await h.crash();
  await lo.waitState("master");
  const firstL = await w.waitFor(from(s.srcL), 10_000, `advert from the new master ${s.srcL}`);
  expectAdvert(firstL, s.wantL);
  const lastH = w.adverts().filter(from(s.srcH)).at(-1)!;
  expect(lastH.t).toBeLessThan(firstL.t); // the new master spoke only after the old one fell silent
  expect(lastH.t).toBeGreaterThanOrEqual(tCrash);
  expect(prio(lastH)).toBe(s.wantH.priority); // a crash sends no priority 0
  expect(holds(l, "r2", s.vip)).toBe(true);

  // Failback: H restarts with the same config and preempts.
  const tRestart = w.adverts().at(-1)!.t;
  const h2 = start(s.first, "r1", s.confH, h);
  await h2.waitState("master");
  await lo.waitState("backup");
  const back = await moreAdverts(w, s.srcH, n);
  for (const a of back) expectAdvert(a, s.wantH);
  expect(holds(l, "r1", s.vip)).toBe(true);
  expect(holds(l, "r2", s.vip)).toBe(false);
  // Order on the wire: L steps down on H's first advert after the restart (at most one advert of L
  // already on its way), and from then on only H speaks.
  const firstBack = w.adverts().find(both(from(s.srcH), after(tRestart)))!;
  expect(w.adverts().filter(both(from(s.srcL), after(firstBack.t))).length).toBeLessThanOrEqual(1);
  const tail = await moreAdverts(w, s.srcH, 1);
  expect(w.adverts().filter(both(from(s.srcL), after(tail[0]!.t)))).toEqual([]);
  if (process.env.VIGIL_TRACE) console.log(w.adverts().map(line).join("\n"));
}

const v3 = (o: Partial<ConfOptions> & { priority: number; vips: string[] }): string => kaConf({ version: 3, advertInt: "0.1", ...o });

describe.each(DIRECTIONS)("$name", ({ first, second }) => {
  /** `first` master at 200 on r1, `second` backup at 100 on r2, v3 100 ms, three adverts seen. */
  async function electedPair() {
    const { lab: l, wire: w } = await setup();
    const vips = ["10.99.0.100/24"];
    const vip = vips[0]!;
    const h = start(first, "r1", v3({ priority: 200, vips }));
    await h.waitState("master");
    const lo = start(second, "r2", v3({ priority: 100, vips }));
    await lo.waitState("backup");
    await moreAdverts(w, "10.99.0.1", 3);
    return { l, w, h, lo, vips, vip };
  }

  test(
    "VRRPv2 1 s, the seed config verbatim: 255 holds 192.168.0.254/24, crash → 254 takes over, restart → owner back",
    async () => {
      await setup({ seed: true });
      const base = { version: 2 as const, addresses: ["192.168.0.254"], intervalCs: 100, dst: "224.0.0.18", checksumForm: "v2" as const, authType: 0 };
      await electCrashFailback({
        first,
        second,
        confH: seedConfig(255),
        confL: seedConfig(254),
        vip: "192.168.0.254/24",
        srcH: "10.99.0.1",
        srcL: "10.99.0.2",
        wantH: { ...base, priority: 255 },
        wantL: { ...base, priority: 254 },
      });
    },
    TIMEOUT_MS,
  );

  test(
    "VRRPv3 100 ms IPv4: election, crash failover, preempt failback",
    async () => {
      await setup();
      const vips = ["10.99.0.100/24"];
      const base = { version: 3 as const, addresses: ["10.99.0.100"], intervalCs: 10, dst: "224.0.0.18", checksumForm: "pseudo-header" as const };
      await electCrashFailback({
        first,
        second,
        confH: v3({ priority: 200, vips }),
        confL: v3({ priority: 100, vips }),
        vip: "10.99.0.100/24",
        srcH: "10.99.0.1",
        srcL: "10.99.0.2",
        wantH: { ...base, priority: 200 },
        wantL: { ...base, priority: 100 },
      });
    },
    TIMEOUT_MS,
  );

  test(
    "VRRPv3 100 ms IPv6 VIPs (link-local first): adverts from the link-local to ff02::12, failover, failback",
    async () => {
      await setup({ ipv6: true });
      const vips = ["fe80::100/64", "2001:db8::100/64"];
      const base = { version: 3 as const, addresses: ["fe80::100", "2001:db8::100"], intervalCs: 10, dst: "ff02::12", checksumForm: "pseudo-header" as const };
      await electCrashFailback({
        first,
        second,
        confH: v3({ priority: 200, vips }),
        confL: v3({ priority: 100, vips }),
        vip: "2001:db8::100/64",
        srcH: lab!.nodes.r1!.linkLocal,
        srcL: lab!.nodes.r2!.linkLocal,
        wantH: { ...base, priority: 200 },
        wantL: { ...base, priority: 100 },
      });
      // The link-local VIP moved with the global one.
      expect(holds(lab!, "r1", "fe80::100/64")).toBe(true);
      expect(holds(lab!, "r2", "fe80::100/64")).toBe(false);
    },
    TIMEOUT_MS,
  );

  test(
    "VRRPv3 100 ms unicast peers: adverts go to the peer's address only, failover, failback",
    async () => {
      await setup({ hub: true }); // the bridge floods, so the client sees unicast adverts
      const vips = ["10.99.0.100/24"];
      const base = { version: 3 as const, addresses: ["10.99.0.100"], intervalCs: 10, checksumForm: "pseudo-header" as const };
      await electCrashFailback({
        first,
        second,
        confH: v3({ priority: 200, vips, unicastSrc: "10.99.0.1", unicastPeers: ["10.99.0.2"] }),
        confL: v3({ priority: 100, vips, unicastSrc: "10.99.0.2", unicastPeers: ["10.99.0.1"] }),
        vip: "10.99.0.100/24",
        srcH: "10.99.0.1",
        srcL: "10.99.0.2",
        wantH: { ...base, priority: 200, dst: "10.99.0.2" },
        wantL: { ...base, priority: 100, dst: "10.99.0.1" },
      });
      expect(wire!.adverts().filter((a) => a.dst === "224.0.0.18")).toEqual([]);
    },
    TIMEOUT_MS,
  );

  test(
    "VRRPv2 1 s authentication PASS: both read the same password, failover, failback",
    async () => {
      await setup();
      const vips = ["10.99.0.100/24"];
      // "s3cr3t" is zero-padded to 8 bytes on the wire (RFC 2338 §5.3.6.1).
      const base = {
        version: 2 as const,
        addresses: ["10.99.0.100"],
        intervalCs: 100,
        dst: "224.0.0.18",
        checksumForm: "v2" as const,
        authType: 1,
        authData: "7333637233740000",
      };
      await electCrashFailback({
        first,
        second,
        confH: kaConf({ priority: 200, vips, state: "MASTER", authPass: "s3cr3t" }),
        confL: kaConf({ priority: 100, vips, authPass: "s3cr3t" }),
        vip: "10.99.0.100/24",
        srcH: "10.99.0.1",
        srcL: "10.99.0.2",
        wantH: { ...base, priority: 200 },
        wantL: { ...base, priority: 100 },
      });
    },
    TIMEOUT_MS,
  );

  test(
    "equal priorities after a partition heals: the higher primary IP (r2) stays master, r1 steps down",
    async () => {
      const { lab: l, wire: w } = await setup();
      const vips = ["10.99.0.100/24"];
      const vip = "10.99.0.100/24";
      // r2 (10.99.0.2) is played by `first`: the implementation under test wins the tie-break.
      isolate(l, "r1", true);
      isolate(l, "r2", true); // isolated ports reach the client but not each other
      const hi = start(first, "r2", v3({ priority: 100, vips }));
      const lo = start(second, "r1", v3({ priority: 100, vips }));
      await hi.waitState("master");
      await lo.waitState("master");
      expect(holds(l, "r1", vip) && holds(l, "r2", vip)).toBe(true); // split brain, as expected
      await moreAdverts(w, "10.99.0.1", 2);
      await moreAdverts(w, "10.99.0.2", 2); // both speak as master during the partition
      isolate(l, "r1", false);
      isolate(l, "r2", false);
      await lo.waitState("backup");
      expect(await hi.state()).toBe("master");
      const tail = await moreAdverts(w, "10.99.0.2", 5);
      expect(w.adverts().filter(both(from("10.99.0.1"), after(tail[0]!.t)))).toEqual([]);
      expect(tail.every((a) => prio(a) === 100)).toBe(true);
      expect(holds(l, "r2", vip)).toBe(true);
      expect(holds(l, "r1", vip)).toBe(false);

      // Failover to the lower address.
      await hi.crash();
      await lo.waitState("master");
      expect(holds(l, "r1", vip)).toBe(true);
      // No failback at equal priority: a restarted r2 accepts r1 as master (RFC 5798 §6.4.2).
      const hi2 = start(first, "r2", v3({ priority: 100, vips }), hi);
      await hi2.waitState("backup");
      await moreAdverts(w, "10.99.0.1", 10); // ≥ 3 × Master_Down_Interval of r2
      expect(await hi2.state()).toBe("backup");
      expect(await lo.state()).toBe("master");
      expect(holds(l, "r1", vip)).toBe(true);
    },
    TIMEOUT_MS,
  );

  test(
    "priority-0 handoff on SIGTERM: the master resigns with priority 0, the backup takes over on it",
    async () => {
      const { l, w, h, lo, vips, vip } = await electedPair();
      expect(await h.stop()).toBe(0);
      await lo.waitState("master");
      const zero = await w.waitFor(both(from("10.99.0.1"), (a) => prio(a) === 0), 5000, "priority-0 advert");
      expectAdvert(zero, { version: 3, priority: 0, addresses: ["10.99.0.100"], intervalCs: 10, dst: "224.0.0.18", checksumForm: "pseudo-header" });
      const firstL = await w.waitFor(from("10.99.0.2"), 5000, "advert from the new master");
      expect(firstL.t).toBeGreaterThan(zero.t);
      expect(await lo.sawPriorityZero()).toBe(true); // took over on the priority 0, not on Master_Down
      expect(holds(l, "r1", vip)).toBe(false); // the resigning master removed its VIP
      expect(holds(l, "r2", vip)).toBe(true);
      // Failback.
      const h2 = start(first, "r1", v3({ priority: 200, vips }), h);
      await h2.waitState("master");
      await lo.waitState("backup");
      expect(holds(l, "r1", vip)).toBe(true);
      expect(holds(l, "r2", vip)).toBe(false);
    },
    TIMEOUT_MS,
  );

  test(
    "cable unplug: the master goes to fault and drops the VIP, the backup takes over; replug → failback",
    async () => {
      const { l, w, h, lo, vip } = await electedPair();
      l.linkDown("r1");
      await h.waitState("fault");
      await lo.waitState("master");
      expect(holds(l, "r1", vip)).toBe(false);
      expect(holds(l, "r2", vip)).toBe(true);
      expect(eth0(l, "r1")).toContain("10.99.0.1/24"); // the node's own address is untouched
      l.linkUp("r1");
      await h.waitState("master");
      await lo.waitState("backup");
      await moreAdverts(w, "10.99.0.1", 2);
      expect(holds(l, "r1", vip)).toBe(true);
      expect(holds(l, "r2", vip)).toBe(false);
    },
    TIMEOUT_MS,
  );

  test(
    "nopreempt: a restarted higher-priority node stays backup; it takes over only when the master fails",
    async () => {
      const { lab: l, wire: w } = await setup();
      const vips = ["10.99.0.100/24"];
      const vip = "10.99.0.100/24";
      // `first` is the nopreempt node (priority 200), `second` the plain one (100).
      const confH = v3({ priority: 200, vips, state: "BACKUP", nopreempt: true });
      const h = start(first, "r1", confH);
      await h.waitState("master");
      const lo = start(second, "r2", v3({ priority: 100, vips }));
      await lo.waitState("backup");
      await h.crash();
      await lo.waitState("master");
      const h2 = start(first, "r1", confH, h);
      await h2.waitState("backup");
      const tJoined = w.adverts().at(-1)!.t;
      await moreAdverts(w, "10.99.0.2", 10); // ≥ 3 × Master_Down_Interval of the 200 node
      expect(await h2.state()).toBe("backup");
      expect(await lo.state()).toBe("master");
      expect(w.adverts().filter(both(from("10.99.0.1"), after(tJoined)))).toEqual([]);
      expect(holds(l, "r2", vip)).toBe(true);
      expect(holds(l, "r1", vip)).toBe(false);
      // The master fails: the nopreempt node takes over.
      await lo.crash();
      await h2.waitState("master");
      const firstH = await w.waitFor(both(from("10.99.0.1"), after(tJoined)), 5000, "advert from the nopreempt node");
      expect(prio(firstH)).toBe(200);
      expect(holds(l, "r1", vip)).toBe(true);
    },
    TIMEOUT_MS,
  );
});

// keepalived removes the configured VIPs it finds on the interface when it starts ("(VI_1) removing
// VIPs." before "Entering BACKUP STATE (init)"), whoever put them there. A router whose keepalived
// was killed (SIGKILL, OOM, crash) keeps the VIP; when that router is switched to vigil, vigil must
// clean it the same way, or the LAN has the VIP on two routers (the stale one answers ARP).
test.each(["keepalived", "vigil"] as const)(
  "a VIP left by a killed keepalived is removed when %s starts on that router as backup",
  async (successor) => {
    const { lab: l } = await setup();
    const vips = ["10.99.0.100/24"];
    const vip = "10.99.0.100/24";
    const old = start("keepalived", "r1", v3({ priority: 100, vips }));
    await old.waitState("master");
    await old.crash();
    expect(holds(l, "r1", vip)).toBe(true); // SIGKILL: nobody removed it
    const other = start("keepalived", "r2", v3({ priority: 200, vips }));
    await other.waitState("master");
    const next = start(successor, "r1", v3({ priority: 100, vips })); // a fresh vigil: no --state-dir record
    await next.waitState("backup");
    expect(holds(l, "r2", vip)).toBe(true);
    expect(holds(l, "r1", vip)).toBe(false);
  },
  TIMEOUT_MS,
);
