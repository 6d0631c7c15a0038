// A backup's steady state on the io thread (src/os/linux/advert-watch.ts, src/runtime/repeat-watch.ts):
// repeats of the master's advert move Master_Down there and are only counted on the main thread.
// What must hold, on the compiled binary and a real kernel: the repeats are counted in full
// (received counter = adverts on the wire), the io thread really handled them
// (vigil_rx_repeats_total), Master_Down still expires when the master dies, and anything else that
// happens to the backup (here a reload that raises its priority above the master's: RFC 5798
// §6.4.2 then discards the master's adverts) ends the watch, so the backup preempts although
// the master's adverts never changed. Counts, not times.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab, stopDrained } from "./lab.ts";
import { holds, scrape, sum, v3Conf } from "./scenario-kit.ts";
import { startPair, startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];

afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const VIP = "10.99.0.100/24";
const conf = (priority: number) => v3Conf({ priority, advertInt: 0.1, vips: [VIP] });
const RECEIVED = "vigil_vrrp_adverts_received_total";
const REPEATS = "vigil_rx_repeats_total";
const SENT = "vigil_vrrp_adverts_sent_total";

/** Waits until `node`'s counter reaches `atLeast`. */
async function waitCounter(l: Lab, node: string, name: string, atLeast: number, tries = 200): Promise<number> {
  let n = 0;
  for (let i = 0; i < tries; i++) {
    n = sum(scrape(l, node), name);
    if (n >= atLeast) return n;
    await Bun.sleep(50);
  }
  return n;
}

test("IPv4 backup: repeats handled on the io thread, every one counted; SIGKILL of the master: Master_Down still expires", async () => {
  lab = createLab({ nodes: ["r1", "r2"], prefix: "vgr" });
  const [r1, r2] = await startPair(lab, conf, nodes);
  const cap = await lab.capture("r2", "(ip proto 112 and src 10.99.0.1) or udp port 9", { extraArgs: ["-tt"] });
  const start = Date.now() / 1000;
  const before = sum(scrape(lab, "r2"), RECEIVED);
  const beforeRepeats = sum(scrape(lab, "r2"), REPEATS);
  const counted = Date.now() / 1000;
  // 40 adverts from the master after the first counts, as the backup's kernel saw them.
  const after = () => adverts(cap.lines, counted, Infinity);
  for (let i = 0; i < 600 && after() < 40; i++) await Bun.sleep(50);
  expect(after()).toBeGreaterThanOrEqual(40);
  const end = Date.now() / 1000;
  const received = sum(scrape(lab, "r2"), RECEIVED) - before;
  const repeats = sum(scrape(lab, "r2"), REPEATS) - beforeRepeats;
  const ended = Date.now() / 1000;
  const lines = await stopDrained(lab, cap, "r2", "10.99.0.1");
  // Every advert counted once: at least those between the scrapes, at most those from the start
  // of the first to the end of the last.
  expect(received).toBeGreaterThanOrEqual(adverts(lines, counted, end));
  expect(received).toBeLessThanOrEqual(adverts(lines, start, ended));
  // And nearly all of them never reached the main thread as datagrams.
  expect(repeats).toBeGreaterThanOrEqual(adverts(lines, counted, end) - 2);
  expect((await r2.instance())?.state).toBe("backup");

  r1.signal("SIGKILL");
  await r2.waitState("master", { timeoutMs: 10_000 });
  expect((await r2.instance())?.lastTransition).toMatchObject({ from: "backup", to: "master", reason: "master-down-timeout" });
  expect(holds(lab, "r2", VIP)).toBe(true);
}, 60_000);

test("a reload raising the backup's priority ends the watch: it preempts the unchanged master", async () => {
  lab = createLab({ nodes: ["r1", "r2"], prefix: "vgr" });
  const [r1, r2] = await startPair(lab, conf, nodes);
  expect(await waitCounter(lab, "r2", REPEATS, 10)).toBeGreaterThanOrEqual(10); // watching
  r2.rewriteConfig(conf(250));
  r2.signal("SIGHUP");
  await r2.waitState("master", { timeoutMs: 10_000 });
  await r1.waitState("backup", { timeoutMs: 10_000 });
  expect(holds(lab, "r2", VIP)).toBe(true);
  expect(holds(lab, "r1", VIP)).toBe(false);
}, 60_000);

const v6Conf = (priority: number) => v3Conf({ vrid: 61, priority, vips: ["fe80::100/64", "2001:db8::100/64"] });

test("IPv6 backup: repeats handled on the io thread too; SIGKILL of the master: takeover", async () => {
  lab = createLab({ nodes: ["r1", "r2"], ipv6: true, prefix: "vgr" });
  const r1 = startVigil(lab, "r1", v6Conf(200));
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(lab, "r2", v6Conf(100));
  nodes.push(r2);
  await r2.waitState("backup");
  expect(await waitCounter(lab, "r2", REPEATS, 40)).toBeGreaterThanOrEqual(40);
  expect(sum(scrape(lab, "r2"), RECEIVED)).toBeGreaterThanOrEqual(40);
  r1.signal("SIGKILL");
  await r2.waitState("master", { timeoutMs: 10_000 });
  expect(holds(lab, "r2", "2001:db8::100/64")).toBe(true);
}, 60_000);

test("a scrape sees every advert handled before it: the master's sent and the backup's received counters, with no wait", async () => {
  // The io thread reports paced adverts and watched repeats in batches (up to FLUSH_MS late): a
  // read first settles what it reported. The capture runs from before the master started; each
  // advert it saw before the scrapes began had been sent, and received, before them.
  lab = createLab({ nodes: ["r1", "r2"], prefix: "vgr" });
  const cap = await lab.capture("r2", "(ip proto 112 and src 10.99.0.1) or udp port 9", { extraArgs: ["-tt"] });
  await startPair(lab, conf, nodes);
  const receivedBefore = sum(scrape(lab, "r2"), RECEIVED);
  const counted = Date.now() / 1000;
  for (let i = 0; i < 600 && adverts(cap.lines, counted, Infinity) < 30; i++) await Bun.sleep(50);
  const end = Date.now() / 1000;
  const sent = sum(scrape(lab, "r1"), SENT);
  const received = sum(scrape(lab, "r2"), RECEIVED) - receivedBefore;
  const lines = await stopDrained(lab, cap, "r2", "10.99.0.1");
  expect(adverts(lines, counted, end)).toBeGreaterThanOrEqual(30);
  // Every advert the master sent before the scrapes was captured: its counter holds them all.
  expect(sent).toBeGreaterThanOrEqual(adverts(lines, 0, end));
  // And the backup's, every one it received between its two scrapes.
  expect(received).toBeGreaterThanOrEqual(adverts(lines, counted, end));
}, 60_000);

/**
 * The master's adverts in a capture (tcpdump -tt: each line starts with its epoch time) that the
 * backup's kernel saw after `fromS` and before `toS` (seconds, Date.now() / 1000: the same clock).
 */
function adverts(lines: string[], fromS: number, toS: number): number {
  return lines.filter((l) => {
    if (!/VRRPv3, Advertisement, vrid 51, prio 200/.test(l)) return false;
    const t = Number(l.slice(0, l.indexOf(" ")));
    return t > fromS && t < toS;
  }).length;
}
