// Failover time between vigil and keepalived, in both directions, beside keepalived → keepalived
// (and vigil → vigil), measured ON THE WIRE in one run: a client namespace captures every advert
// (tcpdump -w; its own timestamps) and the failover is the gap from the last advert of the old master
// to the first advert of the new one. Printed beside the RFC figure. Not a test: figures, no asserts.
//
//   old master r1 (priority 200, or 255 in the seed) → new master r2 (priority 100 / 254)
//   crash    SIGKILL of r1: Master_Down = 3 × Master_Adver_Interval + Skew(r2)
//   sigterm  SIGTERM of r1: it sends priority 0 (the "last advert"); r2 waits Skew(r2) only
//   unplug   r1's cable pulled (bridge port down): as crash, r1 goes to fault
//   Skew = (256 − priority) × Master_Adver_Interval / 256 (RFC 5798 §6.1; v2: (256 − p)/256 s)
//
// Run as root from the repository root, after `bun packaging/build.ts --host`:
//   ./node_modules/.bin/bun bench/interop.ts                     (~4 min)
//   … --reps=3 --v2-reps=2 --pairs=kk,vk,kv,vv
//   … --scenarios=v2-kill,v2-term,v3-kill,v3-term,v3-unplug,v6-kill,uni-kill
// keepalived (Debian's, or --keepalived=PATH) runs only inside the lab's namespaces.
import { createLab, type Lab } from "../tests/netns/lab.ts";
import { seedConfig } from "../tests/netns/vigil-node.ts";
import { cleanupPeers, hubMode, kaConf, type Kind, type Peer, startPeer } from "../tests/interop/peers.ts";
import { startWire, type Wire, type WireAdvert } from "../tests/interop/wire.ts";
import { fmt, loadAvg, median, table } from "./lib/stats.ts";

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const REPS = Number(opt("reps", "3"));
const V2_REPS = Number(opt("v2-reps", "2"));
const KA_BIN = opt("keepalived", "") || undefined;

type Event = "crash" | "sigterm" | "unplug";

interface Scenario {
  id: string;
  name: string;
  event: Event;
  v2?: boolean;
  ipv6?: boolean;
  hub?: boolean;
  seed?: boolean;
  confOld: (l: Lab) => string;
  confNew: (l: Lab) => string;
  src: (l: Lab, node: "r1" | "r2") => string;
  /** RFC figure in ms. */
  formulaMs: number;
}

const v3 = (priority: number, extra: Partial<Parameters<typeof kaConf>[0]> = {}) =>
  kaConf({ priority, version: 3, advertInt: "0.1", vips: ["10.99.0.100/24"], ...extra });
const ip4 = (l: Lab, n: "r1" | "r2") => l.nodes[n]!.ipv4;
const masterDown = (intervalMs: number, prio: number) => 3 * intervalMs + ((256 - prio) * intervalMs) / 256;
const skew = (intervalMs: number, prio: number) => ((256 - prio) * intervalMs) / 256;

const SCENARIOS: Scenario[] = [
  {
    id: "v2-kill",
    name: "v2 1 s seed (255→254), SIGKILL",
    event: "crash",
    v2: true,
    seed: true,
    confOld: () => seedConfig(255),
    confNew: () => seedConfig(254),
    src: ip4,
    formulaMs: masterDown(1000, 254),
  },
  {
    id: "v2-term",
    name: "v2 1 s seed (255→254), SIGTERM (prio 0)",
    event: "sigterm",
    v2: true,
    seed: true,
    confOld: () => seedConfig(255),
    confNew: () => seedConfig(254),
    src: ip4,
    formulaMs: skew(1000, 254),
  },
  { id: "v3-kill", name: "v3 100 ms IPv4, SIGKILL", event: "crash", confOld: () => v3(200), confNew: () => v3(100), src: ip4, formulaMs: masterDown(100, 100) },
  {
    id: "v3-term",
    name: "v3 100 ms IPv4, SIGTERM (prio 0)",
    event: "sigterm",
    confOld: () => v3(200),
    confNew: () => v3(100),
    src: ip4,
    formulaMs: skew(100, 100),
  },
  {
    id: "v3-unplug",
    name: "v3 100 ms IPv4, cable unplug",
    event: "unplug",
    confOld: () => v3(200),
    confNew: () => v3(100),
    src: ip4,
    formulaMs: masterDown(100, 100),
  },
  {
    id: "v6-kill",
    name: "v3 100 ms IPv6, SIGKILL",
    event: "crash",
    ipv6: true,
    confOld: () => kaConf({ priority: 200, version: 3, advertInt: "0.1", vips: ["fe80::100/64", "2001:db8::100/64"] }),
    confNew: () => kaConf({ priority: 100, version: 3, advertInt: "0.1", vips: ["fe80::100/64", "2001:db8::100/64"] }),
    src: (l, n) => l.nodes[n]!.linkLocal,
    formulaMs: masterDown(100, 100),
  },
  {
    id: "uni-kill",
    name: "v3 100 ms unicast, SIGKILL",
    event: "crash",
    hub: true,
    confOld: () => v3(200, { unicastSrc: "10.99.0.1", unicastPeers: ["10.99.0.2"] }),
    confNew: () => v3(100, { unicastSrc: "10.99.0.2", unicastPeers: ["10.99.0.1"] }),
    src: ip4,
    formulaMs: masterDown(100, 100),
  },
];

const PAIRS: Record<string, [Kind, Kind]> = {
  kk: ["keepalived", "keepalived"],
  vk: ["vigil", "keepalived"],
  kv: ["keepalived", "vigil"],
  vv: ["vigil", "vigil"],
};
const pairKeys = opt("pairs", "kk,vk,kv,vv").split(",");
const scenarioFilter = opt("scenarios", "");
const scenarios = SCENARIOS.filter((s) => !scenarioFilter || scenarioFilter.split(",").includes(s.id));

async function waitFor(w: Wire, pred: (a: WireAdvert) => boolean, n: number, timeoutMs = 15_000): Promise<WireAdvert[]> {
  await w.waitFor(() => w.adverts().filter(pred).length >= n, timeoutMs, `${n} adverts`);
  return w.adverts().filter(pred);
}

/** One failover; returns the wire gap in ms. */
async function once(s: Scenario, oldKind: Kind, newKind: Kind): Promise<number> {
  const lab = createLab({ nodes: ["r1", "r2", "c"], ipv6: s.ipv6, prefix: "vgib" });
  const peers: Peer[] = [];
  let wire: Wire | undefined;
  try {
    if (s.seed) ["r1", "r2", "c"].forEach((n, i) => lab.exec(n, ["ip", "addr", "add", `192.168.0.${i + 1}/24`, "dev", "eth0"]));
    if (s.hub) hubMode(lab);
    wire = await startWire(lab, "c");
    const w = wire;
    const srcOld = s.src(lab, "r1");
    const srcNew = s.src(lab, "r2");
    const old = startPeer(lab, oldKind, "r1", s.confOld(lab), { keepalivedBinary: KA_BIN });
    peers.push(old);
    await old.waitState("master");
    const nu = startPeer(lab, newKind, "r2", s.confNew(lab), { keepalivedBinary: KA_BIN });
    peers.push(nu);
    await nu.waitState("backup");
    await waitFor(w, (a) => a.src === srcOld, s.v2 ? 3 : 10); // steady state
    if (s.event === "crash") await old.crash();
    else if (s.event === "sigterm") void old.stop();
    else lab.linkDown("r1");
    await nu.waitState("master", 20_000);
    const [first] = await waitFor(w, (a) => a.src === srcNew, 1);
    const last = w
      .adverts()
      .filter((a) => a.src === srcOld && a.t < first!.t)
      .at(-1)!;
    if (s.event === "sigterm" && !(last.decoded.ok && last.decoded.packet.priority === 0)) throw new Error("no priority-0 advert before the new master");
    return (first!.t - last.t) * 1000;
  } finally {
    await wire?.stop().catch(() => undefined);
    await cleanupPeers(peers);
    await lab.cleanup();
  }
}

const results = new Map<string, number[]>();
const started = performance.now();
for (const s of scenarios) {
  const reps = s.v2 ? V2_REPS : REPS;
  for (const key of pairKeys) {
    const [a, b] = PAIRS[key]!;
    const xs: number[] = [];
    for (let i = 0; i < reps; i++) {
      try {
        xs.push(await once(s, a, b));
      } catch (e) {
        console.error(`${s.name} ${key} #${i + 1}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    results.set(`${s.name}|${key}`, xs);
    process.stderr.write(`${s.name} ${a}→${b}: ${xs.map((x) => fmt(x, 0)).join(" ")} ms\n`);
  }
}

const cell = (xs: number[] | undefined) => (xs && xs.length ? `${fmt(median(xs), 0)} (${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)})` : "–");
const label: Record<string, string> = { kk: "keepalived→keepalived", vk: "vigil→keepalived", kv: "keepalived→vigil", vv: "vigil→vigil" };
console.log(`\nFailover on the wire (ms; median (min–max) of ${REPS} runs, v2 ${V2_REPS}): last advert of the old master → first advert of the new one`);
console.log(
  table(
    ["scenario", "RFC", ...pairKeys.map((k) => label[k]!)],
    scenarios.map((s) => [s.name, fmt(s.formulaMs, 0), ...pairKeys.map((k) => cell(results.get(`${s.name}|${k}`)))]),
  ),
);
console.log(`\nkeepalived: ${KA_BIN ?? "/usr/sbin/keepalived"}; load average ${await loadAvg()}; ${fmt((performance.now() - started) / 1000, 0)} s`);
