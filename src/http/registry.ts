// The few process-wide metric families (build info, reload state, process_*, error and tracker
// counts) in the Prometheus 0.0.4 text format: the subset of prom-client's Registry / Gauge /
// Counter API vigil used, with the same output. prom-client itself cost 3.7 MiB of private memory
// just by being imported into the binary (measured: RssAnon 1.9 → 5.6 MiB for a program that only
// imports it) — more than a third of vigil's goal for one instance — for ten families.
// The per-instance vigil_vrrp_* families do not come through here (exposition.ts renders them).

export type LabelValues = Record<string, string | number>;

export interface MetricOptions<M> {
  name: string;
  help: string;
  labelNames?: readonly string[];
  registers?: readonly Registry[];
  /** Called before every render: refresh the values (read counts, reset then set). */
  collect?: (this: M) => void;
}

interface Sample {
  labels: LabelValues;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Text format escaping: backslash and newline in HELP and label values, '"' in label values too. */
function escape(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  return String(v);
}

abstract class Metric<M> {
  abstract readonly type: "gauge" | "counter";
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly string[];
  private readonly collector: ((this: M) => void) | undefined;
  private samples = new Map<string, Sample>();

  constructor(o: MetricOptions<M>) {
    if (!NAME.test(o.name)) throw new TypeError(`invalid metric name '${o.name}'`);
    for (const l of o.labelNames ?? []) if (!LABEL.test(l)) throw new TypeError(`invalid label name '${l}'`);
    this.name = o.name;
    this.help = o.help;
    this.labelNames = o.labelNames ?? [];
    this.collector = o.collect;
    this.reset();
    for (const r of o.registers ?? []) r.registerMetric(this as unknown as AnyMetric);
  }

  /** Every labelled series gone; an unlabelled metric is back at 0 (as prom-client). */
  reset(): void {
    this.samples.clear();
    if (this.labelNames.length === 0) this.samples.set("", { labels: {}, value: 0 });
  }

  protected sample(labels: LabelValues | undefined): Sample {
    const given = labels ?? {};
    for (const k of Object.keys(given)) {
      if (!this.labelNames.includes(k)) throw new TypeError(`${this.name}: label '${k}' not declared`);
    }
    const key = this.labelNames.map((n) => String(given[n] ?? "")).join("\u0000");
    let s = this.samples.get(key);
    if (!s) this.samples.set(key, s = { labels: { ...given }, value: 0 });
    return s;
  }

  /** HELP, TYPE and one line per series, without the final newline. */
  render(): string {
    this.collector?.call(this as unknown as M);
    const lines = [`# HELP ${this.name} ${escape(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.samples.values()) {
      const ls = Object.entries(labels).map(([k, v]) => `${k}="${escape(String(v)).replace(/"/g, '\\"')}"`);
      lines.push(`${this.name}${ls.length ? `{${ls.join(",")}}` : ""} ${formatValue(value)}`);
    }
    return lines.join("\n");
  }
}

export class Gauge extends Metric<Gauge> {
  readonly type = "gauge";

  set(value: number): void;
  set(labels: LabelValues, value: number): void;
  set(a: LabelValues | number, b?: number): void {
    if (typeof a === "number") this.sample(undefined).value = a;
    else this.sample(a).value = b ?? 0;
  }
}

export class Counter extends Metric<Counter> {
  readonly type = "counter";

  inc(value?: number): void;
  inc(labels: LabelValues, value?: number): void;
  inc(a?: LabelValues | number, b?: number): void {
    const [labels, by] = typeof a === "object" ? [a, b ?? 1] : [undefined, a ?? 1];
    if (!(by >= 0)) throw new RangeError(`${this.name}: a counter only goes up (inc by ${by})`);
    this.sample(labels).value += by;
  }
}

type AnyMetric = Gauge | Counter;

export class Registry {
  static readonly PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  private readonly metricsByName = new Map<string, AnyMetric>();

  registerMetric(m: AnyMetric): void {
    const known = this.metricsByName.get(m.name);
    if (known && known !== m) throw new Error(`A metric with the name ${m.name} has already been registered.`);
    this.metricsByName.set(m.name, m);
  }

  getSingleMetric(name: string): AnyMetric | undefined {
    return this.metricsByName.get(name);
  }

  /** The text of every family, a blank line between them (prom-client's layout), ending in a newline. */
  metrics(): Promise<string> {
    return Promise.resolve(this.metricsText());
  }

  metricsText(): string {
    return `${[...this.metricsByName.values()].map((m) => m.render()).join("\n\n")}\n`;
  }
}
