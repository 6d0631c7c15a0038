// GET /metrics on a real kernel (VRRPv3 pair at 100 ms): the text passes `promtool check metrics`
// (Debian's prometheus package), the counters move as the wire does, the state gauge uses the
// keepalived-exporter encoding, transitions carry their reason, and the advert interval histogram
// measures what the config says: the mean of many observed gaps is advert_int.
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { createLab, type Lab } from "./lab.ts";
import { parseMetrics, type Sample, sum, v3Conf } from "./scenario-kit.ts";
import { startPair, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];

afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const VIP = "10.99.0.100/24";
const ADVERT_S = 0.1;
const conf = (priority: number) => v3Conf({ priority, vips: [VIP], advertInt: ADVERT_S });
const L = { instance: "VI_1", interface: "eth0", vrid: "51" };

function metricsText(l: Lab, node: string): string {
  const r = l.exec(node, ["curl", "-sS", "--max-time", "5", "-w", "\n%{http_code} %{content_type}", "http://127.0.0.1:9650/metrics"]);
  const nl = r.stdout.lastIndexOf("\n");
  expect(r.stdout.slice(nl + 1)).toBe("200 text/plain; version=0.0.4; charset=utf-8");
  return r.stdout.slice(0, nl);
}

const scrape = (l: Lab, node: string): Sample[] => parseMetrics(metricsText(l, node));

/**
 * `promtool check metrics` reads the exposition on stdin. It exits non-zero on a parse error and
 * prints lint problems (naming, HELP/TYPE, counters without _total…) as lines of output. Both count:
 * the text must parse and lint clean.
 */
function promtool(text: string): { code: number; output: string } {
  if (!existsSync("/usr/bin/promtool")) throw new Error("promtool not found: apt-get install prometheus");
  const r = Bun.spawnSync(["/usr/bin/promtool", "check", "metrics"], { stdin: Buffer.from(text), stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? -1, output: (r.stdout.toString() + r.stderr.toString()).trim() };
}

async function pair(): Promise<[VigilNode, VigilNode]> {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgm" });
  return startPair(lab, conf, nodes);
}

/** Polls /metrics until pred holds; returns that scrape. */
async function until(l: Lab, node: string, pred: (s: Sample[]) => boolean, what: string, timeoutMs = 10_000): Promise<Sample[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = scrape(l, node);
    if (pred(s)) return s;
    if (performance.now() > deadline) throw new Error(`${node}: ${what} not seen within ${timeoutMs} ms:\n${metricsText(l, node)}`);
    await Bun.sleep(100);
  }
}

test("promtool accepts /metrics of master and backup; state 2/1; adverts counters move; failover adds the backup→master transition", async () => {
  const [r1, r2] = await pair();
  const l = lab!;
  await until(l, "r2", (s) => sum(s, "vigil_vrrp_adverts_received_total", L) > 0, "a received advert");

  for (const node of ["r1", "r2"]) {
    const text = metricsText(l, node);
    const p = promtool(text);
    expect({ node, ...p }).toEqual({ node, code: 0, output: "" });
    // Every family the design names is there.
    for (
      const fam of [
        "vigil_vrrp_state",
        "vigil_vrrp_transitions_total",
        "vigil_vrrp_adverts_sent_total",
        "vigil_vrrp_adverts_received_total",
        "vigil_vrrp_advert_interval_seconds",
        "vigil_vrrp_packets_dropped_total",
        "vigil_vrrp_priority",
        "vigil_vrrp_base_priority",
        "vigil_vrrp_last_transition_timestamp_seconds",
        "vigil_vrrp_garp_sent_total",
        "vigil_vrrp_priority_zero_sent_total",
        "vigil_vrrp_priority_zero_received_total",
        "vigil_vrrp_master_info",
        "vigil_build_info",
        "vigil_config_last_reload_successful",
      ]
    ) expect(text).toContain(`# TYPE ${fam} `);
  }

  const m1 = scrape(l, "r1");
  const b1 = scrape(l, "r2");
  expect(sum(m1, "vigil_vrrp_state", L)).toBe(2);
  expect(sum(b1, "vigil_vrrp_state", L)).toBe(1);
  expect(sum(m1, "vigil_vrrp_priority", L)).toBe(200);
  expect(sum(b1, "vigil_vrrp_base_priority", L)).toBe(100);
  expect(sum(m1, "vigil_vrrp_master_info", { ...L, address: "10.99.0.1" })).toBe(1);
  expect(sum(m1, "vigil_vrrp_garp_sent_total", L)).toBeGreaterThan(0);
  expect(sum(m1, "vigil_vrrp_transitions_total", { ...L, from: "backup", to: "master", reason: "master-down-timeout" })).toBe(1);
  expect(sum(b1, "vigil_vrrp_transitions_total", { ...L, from: "init", to: "backup", reason: "startup" })).toBe(1);
  expect(sum(b1, "vigil_vrrp_transitions_total", { ...L, to: "master" })).toBe(0);

  // Counters move between two scrapes: the master sends, the backup receives, neither the other way.
  await Bun.sleep(600);
  const m2 = scrape(l, "r1");
  const b2 = scrape(l, "r2");
  expect(sum(m2, "vigil_vrrp_adverts_sent_total", L)).toBeGreaterThan(sum(m1, "vigil_vrrp_adverts_sent_total", L));
  expect(sum(b2, "vigil_vrrp_adverts_received_total", L)).toBeGreaterThan(sum(b1, "vigil_vrrp_adverts_received_total", L));
  expect(sum(b2, "vigil_vrrp_adverts_sent_total", L)).toBe(0);
  expect(sum(m2, "vigil_vrrp_adverts_received_total", L)).toBe(0);
  expect(sum(b2, "vigil_vrrp_packets_dropped_total", L)).toBe(0);
  // The /status counters are the same numbers as /metrics (one scrape apart, so ≤).
  expect((await r1.instance())!.advertsSent).toBeGreaterThanOrEqual(sum(m2, "vigil_vrrp_adverts_sent_total", L));

  r1.signal("SIGKILL");
  await r1.exited();
  await r2.waitState("master", { timeoutMs: 5000 });
  const b3 = scrape(l, "r2");
  expect(sum(b3, "vigil_vrrp_transitions_total", { ...L, from: "backup", to: "master", reason: "master-down-timeout" })).toBe(1);
  expect(sum(b3, "vigil_vrrp_state", L)).toBe(2);
  expect(sum(b3, "vigil_vrrp_master_info", { ...L, address: "10.99.0.2" })).toBe(1);
  expect(b3.filter((s) => s.name === "vigil_vrrp_master_info")).toHaveLength(1); // the old master's series is gone
  const ts = sum(b3, "vigil_vrrp_last_transition_timestamp_seconds", L);
  expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
  await until(l, "r2", (s) => sum(s, "vigil_vrrp_adverts_sent_total", L) >= 3, "the new master's adverts");
  expect(promtool(metricsText(l, "r2"))).toEqual({ code: 0, output: "" });
}, 40_000);

test("advert_interval_seconds: the mean of the sent (master) and received (backup) gaps is advert_int 0.1 s ± 10 %", async () => {
  await pair();
  const l = lab!;
  // ≥ 30 gaps each. With a drift-free timer the sum telescopes to last − first, so one late advert
  // moves the mean by lateness/count: ±10 % needs a 300 ms stall, yet seconds-for-centiseconds or a
  // missed observation per advert would be far outside it.
  const N = 30;
  const hist = (s: Sample[], direction: string) => ({
    sum: sum(s, "vigil_vrrp_advert_interval_seconds_sum", { ...L, direction }),
    count: sum(s, "vigil_vrrp_advert_interval_seconds_count", { ...L, direction }),
    inf: sum(s, "vigil_vrrp_advert_interval_seconds_bucket", { ...L, direction, le: "+Inf" }),
  });
  const sent = hist(await until(l, "r1", (s) => hist(s, "sent").count >= N, `${N} sent gaps`), "sent");
  const recv = hist(await until(l, "r2", (s) => hist(s, "received").count >= N, `${N} received gaps`), "received");
  for (const [dir, h] of [["sent", sent], ["received", recv]] as const) {
    expect({ dir, inf: h.inf }).toEqual({ dir, inf: h.count });
    const mean = h.sum / h.count;
    expect({ dir, mean, ok: mean > ADVERT_S * 0.9 && mean < ADVERT_S * 1.1 }).toMatchObject({ dir, ok: true });
  }
  // Buckets are cumulative and the bulk sits around 0.1 (le 0.09 → le 0.11 holds most gaps).
  const s1 = scrape(l, "r1").filter((s) => s.name === "vigil_vrrp_advert_interval_seconds_bucket" && s.labels.direction === "sent");
  const values = s1.map((s) => s.value);
  expect(values).toEqual([...values].sort((a, b) => a - b));
  const le = (b: string) => s1.find((s) => s.labels.le === b)!.value;
  expect(le("0.11") - le("0.09")).toBeGreaterThan(le("+Inf") / 2);
  // The master observes no received gaps; the backup no sent ones.
  expect(hist(scrape(l, "r1"), "received").count).toBe(0);
  expect(hist(scrape(l, "r2"), "sent").count).toBe(0);
}, 40_000);

test("master_info on a backup names the master it hears (as /status masterAddress does)", async () => {
  const [, r2] = await pair();
  const l = lab!;
  await until(l, "r2", (s) => sum(s, "vigil_vrrp_adverts_received_total", L) > 0, "a received advert");
  expect((await r2.instance())?.masterAddress).toBe("10.99.0.1");
  const info = scrape(l, "r2").filter((s) => s.name === "vigil_vrrp_master_info");
  expect(info.map((s) => ({ address: s.labels.address, value: s.value }))).toEqual([{ address: "10.99.0.1", value: 1 }]);
}, 30_000);
