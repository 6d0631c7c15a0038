// SIGHUP reload on a real kernel, observed from outside: tcpdump in a third namespace, an address
// monitor on the master (`ip monitor all-nsid address` from the observer), /status and /metrics.
//   unchanged instance (only a comment added)  no advert gap > 1.5 × interval, no address event,
//                                              no transition
//   instance added / removed                   the new VIP appears (master after master-down);
//                                              the removed one resigns (priority 0 on the wire)
//                                              and its VIP goes; the untouched one is untouched
//   broken file                                refused: old config keeps running, metric 0, the
//                                              error with file:line:col in the log and /status
//   priority 200 → 100 (peer 150)              updated in place: the peer preempts, no restart
import { afterEach, expect, test } from "bun:test";
import type { DaemonStatus, InstanceStatus } from "../../src/runtime/ports.ts";
import { type Capture, createLab, type Lab } from "./lab.ts";
import { type AddressWatch, eth0Addrs, holds, parseMetrics, type Sample, sum, v3Conf, watchAddresses } from "./scenario-kit.ts";
import { removeDirs, startVigil, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
let watch: AddressWatch | undefined;

afterEach(async () => {
  await watch?.stop().catch(() => {});
  await lab?.cleanup();
  removeDirs(nodes);
  lab = undefined;
  nodes = [];
  watch = undefined;
});

const ADVERT_S = 0.1;
const VIP1 = "10.99.0.100/24";
const VIP2 = "10.99.0.101/24";
const VIP3 = "10.99.0.102/24";
const inst = (name: string, vrid: number, priority: number, vip: string) => v3Conf({ name, vrid, priority, vips: [vip], advertInt: ADVERT_S });

function scrape(l: Lab, node: string): Sample[] {
  return parseMetrics(l.exec(node, ["curl", "-sS", "--max-time", "5", "http://127.0.0.1:9650/metrics"]).stdout);
}

/** Sends SIGHUP and waits until /status reports a reload newer than the last one; returns it. */
async function hup(n: VigilNode): Promise<NonNullable<DaemonStatus["lastReload"]>> {
  const before = (await n.status()).lastReload?.atWallMs ?? 0;
  n.signal("SIGHUP");
  for (let i = 0; i < 100; i++) {
    const r = (await n.status()).lastReload;
    if (r && r.atWallMs > before) return r;
    await Bun.sleep(50);
  }
  throw new Error(`${n.node}: SIGHUP not applied within 5 s\n${n.log()}`);
}

/** Adverts in a `tcpdump -tt` capture: epoch seconds, source, vrid and priority. */
function adverts(lines: string[]): { t: number; src: string; vrid: number; prio: number }[] {
  const out: { t: number; src: string; vrid: number; prio: number }[] = [];
  for (const l of lines) {
    const m = /^(\d+\.\d+) .*?(\S+) > 224\.0\.0\.18: VRRPv3, Advertisement, vrid (\d+), prio (\d+)/.exec(l);
    if (m) out.push({ t: Number(m[1]), src: m[2]!, vrid: Number(m[3]), prio: Number(m[4]) });
  }
  return out;
}

/** The log is read from a pipe: a line may land a moment after /status already shows its effect. */
async function waitLog(n: VigilNode, re: RegExp, timeoutMs = 5000): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const m = re.exec(n.log());
    if (m) return m[0];
    if (performance.now() > deadline) throw new Error(`${n.node}: no log line matched ${re}:\n${n.log()}`);
    await Bun.sleep(50);
  }
}

const find = (s: DaemonStatus, name: string): InstanceStatus | undefined => s.instances.find((i) => i.name === name);

async function capture(l: Lab): Promise<Capture> {
  return l.capture("c", "proto 112", { extraArgs: ["-tt"] });
}

test("unchanged instance (file rewritten with only a comment): adverts without a gap, no address event, no transition", async () => {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgr" });
  const conf = (p: number) => inst("VI_1", 51, p, VIP1);
  const r1 = startVigil(lab, "r1", conf(200));
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(lab, "r2", conf(100));
  nodes.push(r2);
  await r2.waitState("backup");
  const cap = await capture(lab);
  watch = await watchAddresses(lab, "c", ["r1", "r2"]);
  const before1 = await r1.instance();
  const before2 = await r2.instance();
  const transitionsBefore = sum(scrape(lab, "r1"), "vigil_vrrp_transitions_total");

  await Bun.sleep(1000);
  // The comment goes first, so every line of the instance moves down: positions are not config.
  r1.rewriteConfig(`# reloaded by the test: nothing but this comment is new\n${conf(200)}`);
  const tHup = Date.now() / 1000;
  const reload = await hup(r1);
  expect(reload).toEqual({ atWallMs: expect.any(Number), ok: true, errors: [] });
  await Bun.sleep(1000);
  const lines = await cap.stop();
  const events = await watch.stop();

  const ads = adverts(lines).filter((a) => a.src === "10.99.0.1");
  expect(adverts(lines).filter((a) => a.src !== "10.99.0.1")).toEqual([]); // the backup stays silent
  expect(ads.every((a) => a.vrid === 51 && a.prio === 200)).toBe(true); // no priority 0: no resign
  expect(ads[0]!.t).toBeLessThan(tHup - 0.5);
  expect(ads.at(-1)!.t).toBeGreaterThan(tHup + 0.5);
  const gaps = ads.slice(1).map((a, i) => a.t - ads[i]!.t);
  const worst = Math.max(...gaps);
  expect({ worst, ok: worst <= 1.5 * ADVERT_S }).toMatchObject({ ok: true });

  expect(events.filter((e) => e.node === "r1" || e.node === "r2")).toEqual([]);
  const after1 = await r1.instance();
  expect(after1?.lastTransition).toEqual(before1!.lastTransition);
  expect(after1?.state).toBe("master");
  expect((await r2.instance())?.lastTransition).toEqual(before2!.lastTransition);
  expect(sum(scrape(lab, "r1"), "vigil_vrrp_transitions_total")).toBe(transitionsBefore);
  expect(sum(scrape(lab, "r1"), "vigil_config_last_reload_successful")).toBe(1);
  await waitLog(r1, /configuration reloaded unchanged=1 updated=0 added=0 removed=0 recreated=0/);
  expect(holds(lab, "r1", VIP1)).toBe(true);
}, 40_000);

test("instance added and one removed: new VIP after master-down, removed one resigns with priority 0 and drops its VIP", async () => {
  lab = createLab({ nodes: ["r1", "c"], prefix: "vgr" });
  const vi1 = inst("VI_1", 51, 200, VIP1);
  const r1 = startVigil(lab, "r1", vi1 + inst("VI_2", 52, 200, VIP2));
  nodes.push(r1);
  await r1.waitState("master", { instance: "VI_1" });
  await r1.waitState("master", { instance: "VI_2" });
  expect(holds(lab, "r1", VIP1) && holds(lab, "r1", VIP2)).toBe(true);
  const cap = await capture(lab);
  watch = await watchAddresses(lab, "c", ["r1"]);
  const before1 = await r1.instance("VI_1");

  r1.rewriteConfig(vi1 + inst("VI_3", 53, 150, VIP3));
  const reload = await hup(r1);
  expect(reload.ok).toBe(true);
  await r1.waitState("master", { instance: "VI_3", timeoutMs: 5000 });
  const resign = await cap.waitFor(/10\.99\.0\.1 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 52, prio 0,/, 5000);
  expect(resign).toContain("addrs: 10.99.0.101");
  await watch.waitFor((e) => e.node === "r1" && e.op === "del" && e.cidr === VIP2, 5000);
  await watch.waitFor((e) => e.node === "r1" && e.op === "add" && e.cidr === VIP3, 5000);
  await cap.waitFor(/10\.99\.0\.1 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 53, prio 150,/, 5000);
  await Bun.sleep(500);
  const lines = await cap.stop();
  const events = await watch.stop();

  // What the operator sees on the host.
  const addrs = eth0Addrs(lab, "r1");
  expect(addrs).toContain(VIP1);
  expect(addrs).toContain(VIP3);
  expect(addrs).not.toContain(VIP2);
  expect(events.filter((e) => e.node === "r1")).toEqual([
    { node: "r1", op: "del", cidr: VIP2 },
    { node: "r1", op: "add", cidr: VIP3 },
  ]);
  // On the wire: vrid 52 ends with exactly one priority 0 and nothing after it; VI_1 never paused.
  const ads = adverts(lines);
  const v52 = ads.filter((a) => a.vrid === 52);
  expect(v52.at(-1)?.prio).toBe(0);
  expect(v52.filter((a) => a.prio === 0)).toHaveLength(1);
  const v51 = ads.filter((a) => a.vrid === 51);
  expect(v51.every((a) => a.prio === 200)).toBe(true);
  expect(Math.max(...v51.slice(1).map((a, i) => a.t - v51[i]!.t))).toBeLessThanOrEqual(1.5 * ADVERT_S);
  // The instance added: Backup at start, Master once Master_Down_Interval passed in silence.
  const s = await r1.status();
  expect(s.instances.map((i) => i.name).sort()).toEqual(["VI_1", "VI_3"]);
  expect(find(s, "VI_3")).toMatchObject({ state: "master", vrid: 53, virtualIps: [VIP3] });
  expect(find(s, "VI_3")!.lastTransition).toMatchObject({ from: "backup", to: "master", reason: "master-down-timeout" });
  expect(find(s, "VI_1")!.lastTransition).toEqual(before1!.lastTransition);
  // /metrics: VI_2's series are gone, VI_3's are there.
  const m = scrape(lab, "r1");
  expect(m.filter((x) => x.labels.instance === "VI_2")).toEqual([]);
  expect(sum(m, "vigil_vrrp_state", { instance: "VI_3", vrid: "53" })).toBe(2);
  expect(sum(m, "vigil_vrrp_state", { instance: "VI_1", vrid: "51" })).toBe(2);
  await waitLog(r1, /configuration reloaded unchanged=1 updated=0 added=1 removed=1 recreated=0/);
}, 40_000);

test("broken file (no interface): refused with file:line:col, old config keeps running, metric 0; a fixed file reloads again", async () => {
  lab = createLab({ nodes: ["r1", "c"], prefix: "vgr" });
  const conf = inst("VI_1", 51, 200, VIP1);
  const r1 = startVigil(lab, "r1", conf);
  nodes.push(r1);
  await r1.waitState("master");
  const before = await r1.instance();
  const cap = await capture(lab);
  watch = await watchAddresses(lab, "c", ["r1"]);
  const path = `${r1.dir}/vigil.conf`;

  // An instance without its interface: keepalived refuses it too ("Unknown interface!"). A stray
  // '}' no longer is a refusal: keepalived reports "Extra '}' found" and carries on, as vigil now.
  r1.rewriteConfig(conf.replace(/^ {4}interface eth0\n/m, ""));
  const tHup = Date.now() / 1000;
  const reload = await hup(r1);
  const expected = `${path}:1:1: vrrp_instance VI_1: missing interface (keepalived refuses this too: "Unknown interface!")`;
  expect(reload).toEqual({ atWallMs: expect.any(Number), ok: false, errors: [expected] });
  const line = await waitLog(r1, /^.* ERROR reload refused: .*$/m);
  expect(line).toEndWith(`ERROR reload refused: ${expected}`);
  expect(sum(scrape(lab, "r1"), "vigil_config_last_reload_successful")).toBe(0);
  await Bun.sleep(700);

  // Still running the old config: master, VIP held, adverts flowing, nothing touched.
  const now = await r1.instance();
  expect(now?.state).toBe("master");
  expect(now?.lastTransition).toEqual(before!.lastTransition);
  expect(holds(lab, "r1", VIP1)).toBe(true);
  const table = r1.cli(["status"]).stdout;
  expect(table).toMatch(/last reload \S+ ago FAILED/);
  expect(table).toContain(`reload error: ${expected}`);

  // Fix the file: the next SIGHUP succeeds and the metric says so.
  r1.rewriteConfig(`# fixed\n${conf}`);
  expect((await hup(r1)).ok).toBe(true);
  expect(sum(scrape(lab, "r1"), "vigil_config_last_reload_successful")).toBe(1);
  await Bun.sleep(300);
  const lines = await cap.stop();
  const events = await watch.stop();
  const ads = adverts(lines);
  expect(ads.filter((a) => a.t > tHup + 0.5).length).toBeGreaterThan(3);
  expect(ads.every((a) => a.src === "10.99.0.1" && a.prio === 200)).toBe(true);
  expect(Math.max(...ads.slice(1).map((a, i) => a.t - ads[i]!.t))).toBeLessThanOrEqual(1.5 * ADVERT_S);
  expect(events.filter((e) => e.node === "r1")).toEqual([]);
  expect((await r1.instance())?.lastTransition).toEqual(before!.lastTransition);
}, 40_000);

test("priority 200 → 100 in place while the peer has 150: the peer preempts after master-down; no restart, no resign", async () => {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgr" });
  const r1 = startVigil(lab, "r1", inst("VI_1", 51, 200, VIP1));
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(lab, "r2", inst("VI_1", 51, 150, VIP1));
  nodes.push(r2);
  await r2.waitState("backup");
  const cap = await capture(lab);
  const sentBefore = (await r1.instance())!.advertsSent;

  r1.rewriteConfig(inst("VI_1", 51, 100, VIP1));
  expect((await hup(r1)).ok).toBe(true);
  await r2.waitState("master", { timeoutMs: 5000 });
  await r1.waitState("backup", { timeoutMs: 5000 });
  // r1 kept mastering at 100 until r2 (150) stopped accepting it and took over after master-down.
  await cap.waitFor(/10\.99\.0\.1 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 51, prio 100,/, 3000);
  await cap.waitFor(/10\.99\.0\.2 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 51, prio 150,/, 3000);
  await Bun.sleep(300);
  const lines = await cap.stop();

  const s1 = (await r1.instance())!;
  expect(s1).toMatchObject({ state: "backup", basePriority: 100, effectivePriority: 100, masterAddress: "10.99.0.2" });
  expect(s1.lastTransition).toMatchObject({ from: "master", to: "backup", reason: "higher-priority-advert" });
  expect(s1.advertsSent).toBeGreaterThan(sentBefore); // the same instance: its counters did not restart
  expect((await r2.instance())!.lastTransition).toMatchObject({ from: "backup", to: "master", reason: "preempt" });
  expect(holds(lab, "r2", VIP1)).toBe(true);
  expect(holds(lab, "r1", VIP1)).toBe(false);
  // No resign (priority 0) and no second start: one init→backup in the log and in the metrics.
  expect(adverts(lines).filter((a) => a.prio === 0)).toEqual([]);
  expect(r1.log().match(/VI_1: init -> backup/g)).toHaveLength(1);
  const m = scrape(lab, "r1");
  expect(sum(m, "vigil_vrrp_transitions_total", { from: "init" })).toBe(1);
  expect(sum(m, "vigil_vrrp_transitions_total", { from: "master", to: "backup", reason: "higher-priority-advert" })).toBe(1);
  expect(sum(m, "vigil_vrrp_base_priority", { instance: "VI_1" })).toBe(100);
  await waitLog(r1, /configuration reloaded unchanged=0 updated=1 added=0 removed=0 recreated=0/);
}, 40_000);

test("no vrrp_instance: runs idle (a warning, /status and /metrics answer), SIGHUP adds one → master, SIGTERM exits 0", async () => {
  lab = createLab({ nodes: ["r1"], prefix: "vgr" });
  const r1 = startVigil(lab, "r1", "global_defs {\n    router_id idle\n}\n");
  nodes.push(r1);
  await waitLog(r1, /vigil started/);
  expect(r1.log()).toContain("no VRRP instance configured; vigil runs idle until a reload adds one (as keepalived)");
  expect((await r1.status()).instances).toEqual([]);
  expect(scrape(lab, "r1").length).toBeGreaterThan(0);
  expect(holds(lab, "r1", VIP1)).toBe(false);

  r1.rewriteConfig(inst("VI_1", 51, 200, VIP1));
  expect((await hup(r1)).ok).toBe(true);
  await r1.waitState("master", { timeoutMs: 10_000 });
  expect(holds(lab, "r1", VIP1)).toBe(true);

  r1.signal("SIGTERM");
  expect(await r1.exited(10_000)).toBe(0);
  expect(holds(lab, "r1", VIP1)).toBe(false);
}, 40_000);
