// Metric names a PromQL expression reads, and the names a real vigil /metrics exposes: the rules
// and the dashboard must only ask for series vigil exports.
import { Registry } from "../../src/http/registry.ts";
import { registerErrorMetrics } from "../../src/http/error-metrics.ts";
import { createMetrics } from "../../src/http/metrics.ts";
import { DROP_REASONS } from "../../src/protocol/reasons.ts";
import { ErrorCounts } from "../../src/runtime/error-counts.ts";
import { FakeStatus, instance } from "../http/fake-status.ts";

const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "atan2"]);

/** Every metric name in `expr` (selectors without a name, label lists, strings and ranges removed). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\{?\w+\}?/g, " ");
  const ids = bare.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()/g) ?? [];
  return [...new Set(ids.filter((id) => !KEYWORDS.has(id.toLowerCase())))];
}

/** Sample names of a /metrics from createMetrics with every family populated (keepalived names on). */
export async function exportedNames(): Promise<Set<string>> {
  const registry = new Registry();
  const errors = new ErrorCounts();
  errors.bump("state_write", "EROFS");
  errors.bump("netlink", "addr-add/EEXIST");
  errors.bump("http_listen", "EADDRINUSE");
  errors.sendError("VI_1", "ENOBUFS");
  registerErrorMetrics(registry, errors);
  const m = createMetrics(registry, { keepalivedExporterNames: true, version: "0.1.0", commit: "t" });
  m.bindStatus(FakeStatus.of(instance({ name: "VI_1", state: "master" })));
  const L = { instance: "VI_1", interface: "eth0", vrid: "51" };
  m.state(L, "master");
  m.transition(L, "backup", "master", "master-down-timeout", 1_790_000_000_000);
  m.priority(L, 100, 90);
  m.advertSent(L, 0);
  m.advertReceived(L, 0);
  m.advertGap(L, "sent", 1);
  m.advertGap(L, "received", 1);
  for (const r of DROP_REASONS) m.dropped(L, r);
  m.garpSent(L, 5);
  m.masterInfo(L, "192.0.2.1");
  m.checksumForm(L, "vrrp-only");
  const text = new TextDecoder().decode(await m.scrape());
  const names = new Set<string>();
  for (const line of text.split("\n")) if (/^[a-zA-Z_:]/.test(line)) names.add(line.split(/[{ ]/)[0]!);
  return names;
}

/** Series Prometheus makes itself for every target. */
export const SCRAPE_SERIES = new Set(["up", "scrape_duration_seconds", "scrape_samples_scraped"]);
