// The errors the runtime survived (src/runtime/error-counts.ts), as Prometheus counters. Read at
// scrape time from the in-memory counts: the failing paths only bump a map entry.
import { Counter, type Registry } from "./registry.ts";
import type { ErrorCounts, ErrorKind } from "../runtime/error-counts.ts";

/** Optional sources the OS port counts itself. */
export interface OsCounters {
  /** VRRP datagrams the receive thread dropped because the queue to the main thread was full. */
  rxQueueOverflows(): number;
  /** Adverts the receive thread handled alone: a backup's repeats of the advert its FSM last handled. */
  rxRepeats?(): number;
}

export function registerErrorMetrics(registry: Registry, errors: ErrorCounts, os?: OsCounters): void {
  const registers = [registry];
  const byLabel = (name: string, help: string, kind: ErrorKind, label: string) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        for (const [l, n] of errors.byLabel(kind)) this.inc({ [label]: l }, n);
      },
    });
  byLabel("vigil_state_write_errors_total", "State journal writes that failed (VIPs stay recorded in memory), by errno.", "state_write", "errno");
  new Counter({
    name: "vigil_netlink_errors_total",
    help: "Netlink requests that failed (handled: retried, or the instance went to Fault), by operation and errno.",
    labelNames: ["op", "errno"],
    registers,
    collect() {
      this.reset();
      for (const [l, n] of errors.byLabel("netlink")) {
        const [op, errno] = l.split("/");
        this.inc({ op: op ?? l, errno: errno ?? "" }, n);
      }
    },
  });
  byLabel("vigil_http_listen_errors_total", "HTTP listener binds that failed (retried), by errno.", "http_listen", "errno");
  new Counter({
    name: "vigil_vrrp_send_errors_total",
    help: "Adverts that could not be sent, by instance and errno; 3 in a row put a master in Fault.",
    labelNames: ["instance", "errno"],
    registers,
    collect() {
      this.reset();
      for (const [instance, errno, n] of errors.sendErrors()) this.inc({ instance, errno }, n);
    },
  });
  if (os) {
    new Counter({
      name: "vigil_rx_queue_overflow_total",
      help: "VRRP datagrams dropped by the receive thread because the bounded queue to the main thread was full (a flood).",
      registers,
      collect() {
        this.reset();
        this.inc(os.rxQueueOverflows());
      },
    });
    const repeats = os.rxRepeats;
    if (repeats) {
      new Counter({
        name: "vigil_rx_repeats_total",
        help:
          "VRRP adverts a backup received that the receive thread handled alone (repeats of the last one its FSM handled); the per-instance received counters include them.",
        registers,
        collect() {
          this.reset();
          this.inc(repeats());
        },
      });
    }
  }
}
