// A backup's steady state on the io thread (src/os/linux/advert-watch.ts, src/runtime/repeat-watch.ts):
// repeats of the master's advert move Master_Down there and are only counted on the main thread.
// What must hold, on the compiled binary and a real kernel: the repeats are counted in full
// (received counter = adverts on the wire), the io thread really handled them
// (vigil_rx_repeats_total), Master_Down still expires when the master dies, and anything else that
// happens to the backup (here a reload that raises its priority above the master's: RFC 5798
// §6.4.2 then discards the master's adverts) ends the watch, so the backup preempts although
// the master's adverts never changed. Counts, not times.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
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
  const cap = await lab.capture("r2", "ip proto 112 and src 10.99.0.1");
  const before = sum(scrape(lab, "r2"), RECEIVED);
  const beforeRepeats = sum(scrape(lab, "r2"), REPEATS);
  // 40 adverts from the master, counted on the wire as the backup's kernel saw them.
  const advert = /VRRPv3, Advertisement, vrid 51, prio 200/;
  for (let i = 0; i < 600 && cap.lines.filter((l) => advert.test(l)).length < 40; i++) await Bun.sleep(50);
  const onWire = (await cap.stop()).filter((l) => advert.test(l)).length;
  expect(onWire).toBeGreaterThanOrEqual(40);
  const received = (await waitCounter(lab, "r2", RECEIVED, before + onWire)) - before;
  const repeats = sum(scrape(lab, "r2"), REPEATS) - beforeRepeats;
  // Every advert counted once: the scrapes and the capture's ends are up to ~3 adverts apart
  // (a scrape's own time).
  expect(Math.abs(received - onWire)).toBeLessThanOrEqual(3);
  // And nearly all of them never reached the main thread as datagrams.
  expect(repeats).toBeGreaterThanOrEqual(onWire - 4);
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
  // read first settles what it reported. The capture runs from before the master started, and
  // stops before the scrapes: each advert it saw had been sent, and received, before them.
  lab = createLab({ nodes: ["r1", "r2"], prefix: "vgr" });
  const cap = await lab.capture("r2", "ip proto 112 and src 10.99.0.1");
  await startPair(lab, conf, nodes);
  const receivedBefore = sum(scrape(lab, "r2"), RECEIVED);
  const advert = /VRRPv3, Advertisement, vrid 51, prio 200/;
  const seen = () => cap.lines.filter((l) => advert.test(l)).length;
  const seenBefore = seen();
  for (let i = 0; i < 600 && seen() < seenBefore + 30; i++) await Bun.sleep(50);
  const onWire = (await cap.stop()).filter((l) => advert.test(l)).length;
  const sent = sum(scrape(lab, "r1"), SENT);
  const received = sum(scrape(lab, "r2"), RECEIVED) - receivedBefore;
  expect(onWire).toBeGreaterThanOrEqual(seenBefore + 30);
  // Every advert the master ever sent was captured: its counter holds them all at the scrape.
  expect(sent).toBeGreaterThanOrEqual(onWire);
  // The backup's first scrape ran after the capture's count: one advert of slack at that end.
  expect(received).toBeGreaterThanOrEqual(onWire - seenBefore - 1);
}, 60_000);
