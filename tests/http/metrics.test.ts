// The MetricsSink as Prometheus text: call the sink, parse the scrape, assert values and labels.
import { describe, expect, test } from "bun:test";
import { Registry } from "../../src/http/registry.ts";
import { ADVERT_INTERVAL_BUCKETS_S, createMetrics, type Metrics } from "../../src/http/metrics.ts";
import { DROP_REASONS } from "../../src/protocol/reasons.ts";
import type { InstanceLabels } from "../../src/runtime/ports.ts";
import { FakeStatus, instance } from "./fake-status.ts";
import { type Exposition, parseExposition } from "./prom-text.ts";

const L1: InstanceLabels = { instance: "VI_1", interface: "eth0", vrid: "51" };
const L2: InstanceLabels = { instance: "VI_2", interface: "eth1", vrid: "52" };
const ID1 = { instance: "VI_1", interface: "eth0", vrid: "51" };

function make(keepalived = false): Metrics {
  return createMetrics(new Registry(), { keepalivedExporterNames: keepalived, version: "1.2.3", commit: "c0ffee" });
}
const scrape = async (m: Metrics): Promise<Exposition> => parseExposition(new TextDecoder().decode(await m.scrape()));

describe("vigil_vrrp_* series", () => {
  test("state, priorities, adverts, garp, checksum form", async () => {
    const m = make();
    m.state(L1, "backup");
    m.priority(L1, 100, 80);
    for (let i = 0; i < 3; i++) m.advertSent(L1, 100);
    m.advertReceived(L1, 120);
    m.advertReceived(L1, 120);
    m.garpSent(L1, 5);
    m.garpSent(L1, 5);
    m.checksumForm(L1, "pseudo-header");
    m.checksumForm(L1, "pseudo-header");
    m.checksumForm(L1, "vrrp-only");
    const e = await scrape(m);
    expect(e.value("vigil_vrrp_state", ID1)).toBe(1);
    expect(e.value("vigil_vrrp_base_priority", ID1)).toBe(100);
    expect(e.value("vigil_vrrp_priority", ID1)).toBe(80);
    expect(e.value("vigil_vrrp_adverts_sent_total", ID1)).toBe(3);
    expect(e.value("vigil_vrrp_adverts_received_total", ID1)).toBe(2);
    expect(e.value("vigil_vrrp_garp_sent_total", ID1)).toBe(10);
    expect(e.value("vigil_vrrp_v3_checksum_form_total", { ...ID1, form: "pseudo-header" })).toBe(2);
    expect(e.value("vigil_vrrp_v3_checksum_form_total", { ...ID1, form: "vrrp-only" })).toBe(1);
    expect(e.find("vigil_vrrp_state")[0]!.labels).toEqual(ID1);
  });

  test("each state has the keepalived-exporter code", async () => {
    const m = make();
    for (const [state, code] of [["init", 0], ["backup", 1], ["master", 2], ["fault", 3]] as const) {
      m.state(L1, state);
      expect((await scrape(m)).value("vigil_vrrp_state", ID1)).toBe(code);
    }
  });

  test("transitions by from/to/reason, timestamp, state follows", async () => {
    const m = make();
    m.transition(L1, "init", "backup", "startup", 1_700_000_000_000);
    m.transition(L1, "backup", "master", "master-down-timeout", 1_700_000_003_250);
    m.transition(L1, "master", "backup", "higher-priority-advert", 1_700_000_010_500);
    m.transition(L1, "backup", "master", "master-down-timeout", 1_700_000_020_000);
    const e = await scrape(m);
    const t = (from: string, to: string, reason: string) => e.value("vigil_vrrp_transitions_total", { ...ID1, from, to, reason });
    expect(t("init", "backup", "startup")).toBe(1);
    expect(t("backup", "master", "master-down-timeout")).toBe(2);
    expect(t("master", "backup", "higher-priority-advert")).toBe(1);
    expect(e.find("vigil_vrrp_transitions_total")).toHaveLength(3);
    expect(e.value("vigil_vrrp_last_transition_timestamp_seconds", ID1)).toBe(1_700_000_020);
    expect(e.value("vigil_vrrp_state", ID1)).toBe(2);
  });

  test("priority 0 adverts count in both totals and in priority_zero_*", async () => {
    const m = make();
    m.advertSent(L1, 100);
    m.advertSent(L1, 0);
    m.advertReceived(L1, 0);
    m.advertReceived(L1, 0);
    m.advertReceived(L1, 254);
    const e = await scrape(m);
    expect(e.value("vigil_vrrp_adverts_sent_total", ID1)).toBe(2);
    expect(e.value("vigil_vrrp_priority_zero_sent_total", ID1)).toBe(1);
    expect(e.value("vigil_vrrp_adverts_received_total", ID1)).toBe(3);
    expect(e.value("vigil_vrrp_priority_zero_received_total", ID1)).toBe(2);
  });

  test("counters and every drop reason exist at 0 from the first report", async () => {
    const m = make();
    m.state(L1, "init");
    const e = await scrape(m);
    for (const c of ["adverts_sent", "adverts_received", "priority_zero_sent", "priority_zero_received", "garp_sent"]) {
      expect(e.value(`vigil_vrrp_${c}_total`, ID1)).toBe(0);
    }
    for (const reason of DROP_REASONS) expect(e.value("vigil_vrrp_packets_dropped_total", { ...ID1, reason })).toBe(0);
  });

  test("drops by reason; instance-less drops only show what happened", async () => {
    const m = make();
    m.dropped(L1, "bad-ttl");
    m.dropped(L1, "bad-ttl");
    m.dropped(L1, "bad-auth");
    const foreign = { instance: "", interface: "eth0", vrid: "77" };
    m.dropped(foreign, "bad-vrid");
    const e = await scrape(m);
    expect(e.value("vigil_vrrp_packets_dropped_total", { ...ID1, reason: "bad-ttl" })).toBe(2);
    expect(e.value("vigil_vrrp_packets_dropped_total", { ...ID1, reason: "bad-auth" })).toBe(1);
    // Empty label values are absent labels in Prometheus; the sample stays distinct by vrid.
    expect(e.find("vigil_vrrp_packets_dropped_total", { vrid: "77" })).toEqual([
      { name: "vigil_vrrp_packets_dropped_total", labels: { instance: "", interface: "eth0", vrid: "77", reason: "bad-vrid" }, value: 1 },
    ]);
    expect(e.find("vigil_vrrp_adverts_sent_total", { vrid: "77" })).toHaveLength(0);
  });

  test("master_info keeps one series: the current master's address", async () => {
    const m = make();
    m.masterInfo(L1, "192.0.2.1");
    let e = await scrape(m);
    expect(e.find("vigil_vrrp_master_info", ID1).map((s) => [s.labels.address, s.value])).toEqual([["192.0.2.1", 1]]);
    m.masterInfo(L1, "192.0.2.2");
    e = await scrape(m);
    expect(e.find("vigil_vrrp_master_info", ID1).map((s) => [s.labels.address, s.value])).toEqual([["192.0.2.2", 1]]);
    m.masterInfo(L1, null);
    expect((await scrape(m)).find("vigil_vrrp_master_info")).toHaveLength(0);
  });

  test("forget removes every series of that instance and only those", async () => {
    const m = make(true);
    for (const l of [L1, L2]) {
      m.transition(l, "init", "master", "address-owner", 1e12);
      m.priority(l, 255, 255);
      m.advertSent(l, 255);
      m.advertGap(l, "sent", 1);
      m.advertGap(l, "received", 1);
      m.dropped(l, "short");
      m.masterInfo(l, "192.0.2.9");
      m.checksumForm(l, "vrrp-only");
    }
    m.forget(L1);
    const e = await scrape(m);
    const left = e.samples.filter((s) => s.labels.instance === "VI_1" || s.labels.iname === "VI_1");
    expect(left).toEqual([]);
    const other = e.samples.filter((s) => s.labels.instance === "VI_2");
    expect(other.length).toBeGreaterThan(50);
    expect(e.value("keepalived_advertisements_sent_total", { iname: "VI_2" })).toBe(1);
    // A re-added instance starts from zero.
    m.advertSent(L1, 100);
    expect((await scrape(m)).value("vigil_vrrp_adverts_sent_total", ID1)).toBe(1);
  });

  test("label values are escaped and round-trip", async () => {
    const m = make();
    const odd = { instance: 'we"ird\\name\nx', interface: "eth0", vrid: "1" };
    m.state(odd, "master");
    m.transition(odd, "backup", "master", "preempt", 0);
    const e = await scrape(m);
    expect(e.value("vigil_vrrp_state", { instance: 'we"ird\\name\nx' })).toBe(2);
  });
});

describe("advert_interval_seconds histogram", () => {
  const bucket = (e: Exposition, direction: string, le: string) => e.value("vigil_vrrp_advert_interval_seconds_bucket", { ...ID1, direction, le });

  test("buckets resolve 10 ms, 20 ms and 1 s jitter, and reach 60 s", () => {
    const b = ADVERT_INTERVAL_BUCKETS_S;
    expect([...b].sort((x, y) => x - y)).toEqual([...b]);
    expect(new Set(b).size).toBe(b.length);
    const around = (center: number, maxWidth: number) => b.some((lo, i) => lo < center && (b[i + 1] ?? Infinity) > center && b[i + 1]! - lo <= maxWidth + 1e-9);
    expect(around(0.01, 0.002)).toBe(true); // 10 ms ± 1 ms
    expect(around(0.02, 0.002)).toBe(true); // 20 ms ± 1 ms
    expect(around(1, 0.02)).toBe(true); // 1 s ± 10 ms
    expect(b).toContain(0.04); // one 20 ms advert lost
    expect(b).toContain(2); // one 1 s advert lost
    expect(b).toContain(3); // two lost: about Master_Down
    expect(b[b.length - 1]).toBe(60);
  });

  test("cumulative buckets, +Inf, sum and count, per direction", async () => {
    const m = make();
    for (const v of [0.0201, 0.0199, 0.0205, 0.024, 0.045, 1.003, 75]) m.advertGap(L1, "received", v);
    m.advertGap(L1, "sent", 0.02);
    const e = await scrape(m);
    expect(bucket(e, "received", "0.019")).toBe(0);
    expect(bucket(e, "received", "0.021")).toBe(3); // 19.9, 20.1, 20.5 ms
    expect(bucket(e, "received", "0.025")).toBe(4);
    expect(bucket(e, "received", "0.05")).toBe(5);
    expect(bucket(e, "received", "1.01")).toBe(6);
    expect(bucket(e, "received", "60")).toBe(6);
    expect(bucket(e, "received", "+Inf")).toBe(7);
    expect(e.value("vigil_vrrp_advert_interval_seconds_count", { ...ID1, direction: "received" })).toBe(7);
    expect(e.value("vigil_vrrp_advert_interval_seconds_sum", { ...ID1, direction: "received" })).toBeCloseTo(76.1325, 9);
    expect(bucket(e, "sent", "0.021")).toBe(1);
    expect(e.find("vigil_vrrp_advert_interval_seconds_bucket", { ...ID1, direction: "sent" })).toHaveLength(
      ADVERT_INTERVAL_BUCKETS_S.length + 1,
    );
    expect(e.types.get("vigil_vrrp_advert_interval_seconds")).toBe("histogram");
  });

  test("a bound is inclusive (le); bad values are ignored", async () => {
    const m = make();
    m.advertGap(L1, "sent", 0.021);
    m.advertGap(L1, "sent", -1);
    m.advertGap(L1, "sent", Number.NaN);
    m.advertGap(L1, "sent", Infinity);
    const e = await scrape(m);
    expect(bucket(e, "sent", "0.021")).toBe(1);
    expect(bucket(e, "sent", "0.019")).toBe(0);
    expect(bucket(e, "sent", "+Inf")).toBe(1);
  });

  test("custom buckets are validated", () => {
    const opts = { keepalivedExporterNames: false, version: "x", commit: "y" };
    expect(() => createMetrics(new Registry(), { ...opts, advertIntervalBuckets: [0.1, 0.05] })).toThrow(/ascending/);
  });
});

describe("process-wide series", () => {
  test("build info, reload state, process_* by hand", async () => {
    const m = make();
    let e = await scrape(m);
    expect(e.value("vigil_build_info", { version: "1.2.3", commit: "c0ffee" })).toBe(1);
    expect(e.value("vigil_config_last_reload_successful")).toBe(1);
    const start = e.value("process_start_time_seconds");
    expect(Math.abs(start - Date.now() / 1000)).toBeLessThan(3600);
    expect(e.value("vigil_config_last_reload_timestamp_seconds")).toBeCloseTo(start, 0);
    expect(e.value("process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
    expect(e.value("process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(e.types.get("process_cpu_seconds_total")).toBe("counter");
    m.reload(true, 1_800_000_000_000);
    m.reload(false, 1_800_000_060_000);
    e = await scrape(m);
    expect(e.value("vigil_config_last_reload_successful")).toBe(0);
    expect(e.value("vigil_config_last_reload_timestamp_seconds")).toBe(1_800_000_000); // last success
  });

  test("two daemons' metrics stay apart (no global registry)", async () => {
    const a = make(false);
    make(false).state(L1, "master");
    a.reload(false, 1_800_000_000_000);
    expect((await scrape(a)).value("vigil_config_last_reload_successful")).toBe(0);
  });
});

describe("keepalived-exporter names", () => {
  test("off by default: no keepalived_* family", async () => {
    const m = make(false);
    m.state(L1, "master");
    expect((await scrape(m)).samples.filter((s) => s.name.startsWith("keepalived_"))).toEqual([]);
  });

  test("mehdy/keepalived-exporter names and labels, one state series per VIP", async () => {
    const m = make(true);
    m.bindStatus(
      FakeStatus.of(instance({ name: "VI_1", virtualIps: ["192.0.2.254/24", "2001:db8::1/64", "192.0.2.9/32", "2001:db8::9/128"] })),
    );
    m.transition(L1, "init", "backup", "startup", 0);
    m.transition(L1, "backup", "master", "master-down-timeout", 0);
    m.transition(L1, "master", "backup", "higher-priority-advert", 0);
    m.transition(L1, "backup", "master", "preempt", 0);
    m.advertSent(L1, 100);
    m.advertSent(L1, 0);
    m.advertReceived(L1, 0);
    m.dropped(L1, "short");
    m.dropped(L1, "bad-address-count");
    m.dropped(L1, "bad-ttl");
    m.dropped(L1, "interval-mismatch");
    m.dropped(L1, "bad-auth");
    m.dropped(L1, "address-mismatch");
    m.dropped(L1, "bad-type");
    const e = await scrape(m);
    const K = { iname: "VI_1", intf: "eth0", vrid: "51" };
    expect(e.find("keepalived_vrrp_state").map((s) => [s.labels, s.value])).toEqual([
      [{ ...K, ip_address: "192.0.2.254/24" }, 2],
      [{ ...K, ip_address: "2001:db8::1/64" }, 2],
      // keepalived prints host addresses without /32 or /128.
      [{ ...K, ip_address: "192.0.2.9" }, 2],
      [{ ...K, ip_address: "2001:db8::9" }, 2],
    ]);
    const k = (name: string) => e.value(`keepalived_${name}`, K);
    expect(e.value("keepalived_up")).toBe(1);
    expect(k("advertisements_sent_total")).toBe(2);
    expect(k("advertisements_received_total")).toBe(1);
    expect(k("priority_zero_sent_total")).toBe(1);
    expect(k("priority_zero_received_total")).toBe(1);
    expect(k("become_master_total")).toBe(2);
    expect(k("release_master_total")).toBe(1);
    expect(k("packet_length_errors_total")).toBe(2);
    expect(k("ip_ttl_errors_total")).toBe(1);
    expect(k("advertisements_interval_errors_total")).toBe(1);
    expect(k("authentication_failure_total")).toBe(1);
    expect(k("authentication_invalid_total")).toBe(0);
    expect(k("authentication_mismatch_total")).toBe(0);
    expect(k("address_list_errors_total")).toBe(1);
    expect(k("invalid_type_received_total")).toBe(1);
    expect(e.types.get("keepalived_advertisements_sent_total")).toBe("counter");
    // The exporter's counters carry the state too, spelled as keepalived prints it.
    expect(e.find("keepalived_become_master_total")[0]!.labels).toEqual({ ...K, state: "MASTER" });
  });

  test("the counters' state label follows the state: one series, relabelled", async () => {
    const m = make(true);
    const states = [];
    for (const [s, name] of [["backup", "BACKUP"], ["master", "MASTER"], ["fault", "FAULT"], ["init", "INIT"]] as const) {
      m.state(L1, s);
      const found = (await scrape(m)).find("keepalived_advertisements_sent_total");
      expect(found).toHaveLength(1);
      states.push(found[0]!.labels.state);
      expect(found[0]!.labels.state).toBe(name);
    }
    expect(states).toEqual(["BACKUP", "MASTER", "FAULT", "INIT"]);
  });

  test('without a bound status: one state series with ip_address=""', async () => {
    const m = make(true);
    m.state(L1, "fault");
    const e = await scrape(m);
    expect(e.find("keepalived_vrrp_state").map((s) => [s.labels.ip_address, s.value])).toEqual([["", 3]]);
  });
});

describe("promtool check metrics", () => {
  const promtoolCheck = async (text: Uint8Array | string) => {
    const promtool = Bun.which("promtool");
    if (!promtool) throw new Error("promtool not found: apt-get install prometheus (provides /usr/bin/promtool)");
    const stdin = typeof text === "string" ? new TextEncoder().encode(text) : text;
    const proc = Bun.spawn([promtool, "check", "metrics"], { stdin, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { output: `${out}${err}`.trim(), code };
  };

  test("promtool does catch a bad exposition (the check below is not vacuous)", async () => {
    const r = await promtoolCheck("# HELP x_seconds a\n# TYPE x_seconds counter\nx_seconds 1\n");
    expect(r.output).toContain('counter metrics should have "_total" suffix');
    expect(r.code).not.toBe(0);
  });

  test("the full exposition passes promtool's parser and linter", async () => {
    const m = make(true);
    m.bindStatus(FakeStatus.of(instance({ name: "VI_1" }), instance({ name: "VI_2" })));
    for (const l of [L1, L2]) {
      m.transition(l, "init", "backup", "startup", Date.now());
      m.priority(l, 100, 90);
      m.advertSent(l, 100);
      m.advertReceived(l, 0);
      m.advertGap(l, "sent", 0.02);
      m.advertGap(l, "received", 1.2);
      m.dropped(l, "bad-checksum");
      m.garpSent(l, 5);
      m.masterInfo(l, "192.0.2.1");
      m.checksumForm(l, "pseudo-header");
    }
    m.dropped({ instance: "", interface: "eth0", vrid: "9" }, "bad-vrid");
    m.reload(true, Date.now());
    const r = await promtoolCheck((await m.scrape()).slice());
    expect(r.output).toBe("");
    expect(r.code).toBe(0);
  });
});
