// Prometheus metrics: the MetricsSink the runtime reports to, and the /metrics text.
// The Registry (registry.ts, prom-client's API subset; no global registry) is passed in and holds
// the few process-wide families (build info, config reload, process_*); the per-instance
// vigil_vrrp_* families live in InstanceSeries records and are rendered by scrape() as bytes,
// because prom-client took ~40 ms to format them at 255 instances and a scrape must not stall adverts.
// Every sink call is a map lookup and a field update: it runs on the thread that paces adverts.

import { Gauge, type Registry } from "./registry.ts";
import type { InstanceLabels, MetricsSink, StatusSource } from "../runtime/ports.ts";
import { ADVERT_INTERVAL_BUCKETS_S, DROP_INDEX, InstanceSeries, seriesKey } from "./series.ts";
import { ByteOut, type Family, VRRP_FAMILIES } from "./exposition.ts";
import { keepalivedFamilies } from "./keepalived-compat.ts";
import { registerProcessMetrics } from "./process-metrics.ts";

export { ADVERT_INTERVAL_BUCKETS_S, STATE_CODE } from "./series.ts";

export interface MetricsOptions {
  /** Also emit mehdy/keepalived-exporter names so existing dashboards and alerts keep working. */
  keepalivedExporterNames: boolean;
  version: string;
  commit: string;
  /** Override advert_interval_seconds bucket bounds (seconds, ascending). */
  advertIntervalBuckets?: readonly number[];
}

/** What GET /metrics needs. */
export interface MetricsExposition {
  readonly contentType: string;
  /**
   * The whole exposition (UTF-8): vigil_vrrp_* (and keepalived_*) families, then the registry's.
   * The bytes are borrowed — valid until the next scrape starts, at least one macrotask after this
   * one resolves. Hand them straight to `new Response()` (it copies; tests/http check it) or copy.
   */
  scrape(): Promise<Uint8Array<ArrayBuffer>>;
}

export interface Metrics extends MetricsSink, MetricsExposition {
  readonly registry: Registry;
  /**
   * keepalived_vrrp_state has one series per VIP, which the sink never sees: the VIP lists are read
   * from the status at scrape time. Unbound, each instance gets one series with ip_address="".
   */
  bindStatus(source: StatusSource): void;
}

/** Longest stretch scrape() renders before letting timers run (an advert may be due). */
const YIELD_AFTER_MS = 0.5;

export function createMetrics(registry: Registry, opts: MetricsOptions): Metrics {
  const bounds = opts.advertIntervalBuckets ?? ADVERT_INTERVAL_BUCKETS_S;
  if (bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) {
    throw new RangeError("advertIntervalBuckets must be finite and strictly ascending");
  }
  const reg = [registry];
  registerProcessMetrics(registry);
  new Gauge({
    name: "vigil_build_info",
    help: "vigil build; constant 1.",
    labelNames: ["version", "commit"],
    registers: reg,
  }).set({ version: opts.version, commit: opts.commit }, 1);
  const reloadOk = new Gauge({
    name: "vigil_config_last_reload_successful",
    help: "Whether the last configuration reload succeeded (1) or failed (0).",
    registers: reg,
  });
  const reloadTs = new Gauge({
    name: "vigil_config_last_reload_timestamp_seconds",
    help: "Unix time of the last successful configuration load or reload.",
    registers: reg,
  });
  // The daemon only runs with a valid config: until a reload, the one loaded at start counts.
  reloadOk.set(1);
  reloadTs.set(Math.round(performance.timeOrigin) / 1000);

  let status: StatusSource | null = null;
  const families: Family[] = [...VRRP_FAMILIES];
  if (opts.keepalivedExporterNames) families.push(...keepalivedFamilies(() => status));

  const recs = new Map<string, InstanceSeries>();
  // Rebuilt only when instances come or go, so a scrape does not copy the map.
  let list: InstanceSeries[] | null = null;
  // The runtime passes the same labels object on every call: identity first, then the key.
  const byObject = new WeakMap<InstanceLabels, InstanceSeries>();
  const rec = (l: InstanceLabels): InstanceSeries => {
    const known = byObject.get(l);
    if (known && !known.forgotten && known.matches(l)) return known;
    const key = seriesKey(l);
    let r = recs.get(key);
    if (!r) {
      r = new InstanceSeries({ instance: l.instance, interface: l.interface, vrid: l.vrid });
      recs.set(key, r);
      list = null;
    }
    byObject.set(l, r);
    return r;
  };

  const out = new ByteOut();
  let queue: Promise<unknown> = Promise.resolve();
  async function render(): Promise<Uint8Array<ArrayBuffer>> {
    out.reset();
    let sliceStart = performance.now();
    const pause = async () => {
      if (performance.now() - sliceStart < YIELD_AFTER_MS) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    };
    for (const family of families) {
      family.head(out);
      if (!family.each) continue;
      // A snapshot of the records: forget() may run while we yield; the family stays contiguous.
      const rs = (list ??= [...recs.values()]);
      for (let i = 0; i < rs.length; i++) {
        family.each(out, rs[i]!);
        if ((i & 15) === 15) await pause();
      }
      await pause();
    }
    out.text(await registry.metrics());
    await pause();
    return out.view();
  }

  return {
    registry,
    contentType: registry.contentType,
    bindStatus(source) {
      status = source;
    },
    state(l, s) {
      rec(l).state = s;
    },
    transition(l, from, to, reason, wallMs) {
      const r = rec(l);
      r.transition(from, to, reason);
      r.lastTransitionS = wallMs / 1000;
    },
    priority(l, base, effective) {
      const r = rec(l);
      r.basePriority = base;
      r.priority = effective;
    },
    advertSent(l, priority) {
      const r = rec(l);
      r.sent++;
      if (priority === 0) r.pzSent++;
    },
    advertReceived(l, priority) {
      const r = rec(l);
      r.received++;
      if (priority === 0) r.pzReceived++;
    },
    advertGap(l, direction, seconds) {
      // A negative or non-finite gap is a caller bug; one bad value must not poison _sum.
      if (!Number.isFinite(seconds) || seconds < 0) return;
      rec(l).gap(direction, bounds).observe(seconds);
    },
    dropped(l, reason) {
      const i = DROP_INDEX.get(reason);
      if (i !== undefined) rec(l).drops[i]!++;
    },
    garpSent(l, count) {
      rec(l).garp += count;
    },
    masterInfo(l, address) {
      rec(l).setMaster(address);
    },
    checksumForm(l, form) {
      rec(l).checksumForm(form);
    },
    reload(ok, wallMs) {
      reloadOk.set(ok ? 1 : 0);
      if (ok) reloadTs.set(wallMs / 1000);
    },
    forget(l) {
      const key = seriesKey(l);
      const r = recs.get(key);
      if (!r) return;
      r.forgotten = true;
      recs.delete(key);
      list = null;
    },
    scrape() {
      // One scrape at a time: they share the buffer and may yield half-way. The next one starts a
      // macrotask later, so this caller's continuation has consumed the borrowed bytes by then.
      const run = queue.then(render);
      const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
      queue = run.then(macrotask, macrotask);
      return run;
    },
  };
}
