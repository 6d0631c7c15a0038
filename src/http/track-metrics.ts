// vigil_track_status: one series per tracker of each instance (1 good, 0 bad, absent while
// unknown), read from the status at scrape time — the alert that says which check failed.
// With keepalived-exporter names, keepalived_script_status{name} too (that exporter's series for
// vrrp_script results), so existing dashboards keep their script panel.
import { Gauge, type Registry } from "./registry.ts";
import type { StatusSource } from "../runtime/ports.ts";

export function registerTrackMetrics(registry: Registry, status: StatusSource, keepalivedNames: boolean): void {
  const read = () => status.status().instances.flatMap((i) => (i.trackers ?? []).map((t) => ({ i, t })));
  new Gauge({
    name: "vigil_track_status",
    help: "Tracker verdict per instance: 1 good, 0 bad (weight 0 → the instance is in Fault).",
    labelNames: ["instance", "kind", "name", "weight"],
    registers: [registry],
    collect() {
      this.reset();
      for (const { i, t } of read()) if (t.ok !== null) this.set({ instance: i.name, kind: t.kind, name: t.name, weight: String(t.weight) }, t.ok ? 1 : 0);
    },
  });
  if (!keepalivedNames) return;
  new Gauge({
    name: "keepalived_script_status",
    help: "vrrp_script result as keepalived-exporter reports it: 1 good, 0 bad.",
    labelNames: ["name"],
    registers: [registry],
    collect() {
      this.reset();
      for (const { t } of read()) if (t.kind === "track_script" && t.ok !== null) this.set({ name: t.name }, t.ok ? 1 : 0);
    },
  });
}
