// HTTP routes: /health, /health/master, /status, /metrics. Handlers only read an
// in-memory snapshot and format it — no I/O, no awaiting the runtime — so a request never holds
// the event loop long enough to delay an advert.
//
// /health/master semantics (load balancers, as keepalived users check a VIP per instance):
//   ?instance=NAME  200 when this node is Master for NAME, 503 when it is not, 404 unknown NAME.
//   no instance     200 only when this node is Master for EVERY instance (and has at least one);
//                   503 otherwise, listing the instances that are not Master. "Master of at least
//                   one" would send traffic to a node that does not hold the VIP the LB cares about.
// HEAD is answered like GET (Hono does this), for checkers that only look at the status code.

import { type Context, Hono } from "hono";
import type { InstanceStatus, StatusSource } from "../runtime/ports.ts";
import type { MetricsExposition } from "./metrics.ts";

export interface AppDeps {
  status: StatusSource;
  /** createMetrics(registry, …): its scrape() covers vigil_vrrp_* and the registry's families. */
  metrics: MetricsExposition;
}

const ALLOW = "GET, HEAD";
const NO_STORE = { "Cache-Control": "no-store" };

export interface HealthFault {
  instance: string;
  reasons: string[];
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.get("/health", (c) => {
    const faults: HealthFault[] = deps.status
      .status()
      .instances.filter((i) => i.state === "fault")
      .map((i) => ({ instance: i.name, reasons: i.faults.length > 0 ? [...i.faults] : ["fault"] }));
    if (faults.length === 0) return c.json({ status: "ok" }, 200, NO_STORE);
    return c.json({ status: "fault", faults }, 503, NO_STORE);
  });

  app.get("/health/master", (c) => {
    const instances = deps.status.status().instances;
    const name = c.req.query("instance");
    if (name !== undefined) {
      const inst = instances.find((i) => i.name === name);
      if (!inst) return c.json({ status: "unknown-instance", instance: name }, 404, NO_STORE);
      const master = inst.state === "master";
      return c.json({ status: master ? "master" : inst.state, instance: name }, master ? 200 : 503, NO_STORE);
    }
    const notMaster = instances.filter((i) => i.state !== "master").map(brief);
    if (instances.length > 0 && notMaster.length === 0) return c.json({ status: "master" }, 200, NO_STORE);
    return c.json(
      { status: instances.length === 0 ? "no-instances" : "not-master", instances: notMaster },
      503,
      NO_STORE,
    );
  });

  app.get("/status", (c) => c.json(deps.status.status(), 200, NO_STORE));

  app.get("/metrics", async (c) => {
    deps.status.settle?.();
    const body = await deps.metrics.scrape();
    return c.body(body, 200, { "Content-Type": deps.metrics.contentType, ...NO_STORE });
  });

  // Known paths with another method: 405 with Allow (RFC 9110 §15.5.6), not 404.
  for (const path of ["/health", "/health/master", "/status", "/metrics"]) {
    app.all(path, (c) => methodNotAllowed(c));
  }

  app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));
  app.onError((err, c) => c.json({ error: "internal error", message: err.message }, 500));
  return app;
}

function brief(i: InstanceStatus): { instance: string; state: string } {
  return { instance: i.name, state: i.state };
}

function methodNotAllowed(c: Context): Response {
  return c.json({ error: "method not allowed", method: c.req.method, allow: ALLOW }, 405, { Allow: ALLOW });
}
