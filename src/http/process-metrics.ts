// process_* metrics by hand. prom-client's collectDefaultMetrics costs 7–12 ms per scrape in Bun and
// reports zeros for the heap, so we export the three series dashboards use, read at scrape time.

import { Counter, Gauge, type Registry } from "./registry.ts";

export function registerProcessMetrics(registry: Registry): void {
  // performance.timeOrigin is the wall time at which this process started (ms).
  const startSeconds = performance.timeOrigin / 1000;

  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    registers: [registry],
    collect() {
      this.set(startSeconds);
    },
  });

  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });

  new Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers: [registry],
    collect() {
      // cpuUsage() is cumulative µs since start; a counter only goes up, so reset then set.
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
}
