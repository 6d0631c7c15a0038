// Routes through app.request(), no socket: health, master checks, status JSON, metrics, 404/405.
import { describe, expect, test } from "bun:test";
import { Registry } from "../../src/http/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { createMetrics } from "../../src/http/metrics.ts";
import { FakeStatus, instance } from "./fake-status.ts";
import { parseExposition } from "./prom-text.ts";

function setup(status: FakeStatus) {
  const registry = new Registry();
  const metrics = createMetrics(registry, { keepalivedExporterNames: false, version: "0.1.0", commit: "abc" });
  return { app: createApp({ status, metrics }), metrics, registry };
}

describe("GET /health", () => {
  test("200 ok while no instance is in fault", async () => {
    const { app } = setup(FakeStatus.of(instance({ name: "VI_1", state: "master" }), instance({ name: "VI_2" })));
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ status: "ok" });
  });

  test("503 with each faulty instance and its reasons", async () => {
    const { app } = setup(
      FakeStatus.of(
        instance({ name: "VI_1", state: "master" }),
        instance({ name: "VI_2", state: "fault", faults: ["link eth1 down", "track_script chk_nginx"] }),
        instance({ name: "VI_3", state: "fault", faults: [] }),
      ),
    );
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: "fault",
      faults: [
        { instance: "VI_2", reasons: ["link eth1 down", "track_script chk_nginx"] },
        { instance: "VI_3", reasons: ["fault"] },
      ],
    });
  });

  test("a degraded (non-fault) instance with fault reasons stays healthy", async () => {
    const { app } = setup(FakeStatus.of(instance({ name: "VI_1", state: "backup", faults: ["chk weight -20"] })));
    expect((await app.request("/health")).status).toBe(200);
  });

  test("HEAD answers the status code without a body", async () => {
    const { app } = setup(FakeStatus.of(instance({ name: "VI_1", state: "fault", faults: ["x"] })));
    const res = await app.request("/health", { method: "HEAD" });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("");
  });
});

describe("GET /health/master", () => {
  const status = () =>
    FakeStatus.of(
      instance({ name: "VI_1", state: "master" }),
      instance({ name: "VI_2", state: "backup" }),
      instance({ name: "VI_3", state: "fault", faults: ["link"] }),
    );

  test("200 for an instance this node is master of", async () => {
    const res = await setup(status()).app.request("/health/master?instance=VI_1");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "master", instance: "VI_1" });
  });

  test("503 for backup and fault, with the state", async () => {
    const { app } = setup(status());
    const b = await app.request("/health/master?instance=VI_2");
    expect(b.status).toBe(503);
    expect(await b.json()).toEqual({ status: "backup", instance: "VI_2" });
    const f = await app.request("/health/master?instance=VI_3");
    expect(f.status).toBe(503);
    expect(((await f.json()) as { status: string }).status).toBe("fault");
  });

  test("404 for an unknown instance name", async () => {
    const res = await setup(status()).app.request("/health/master?instance=nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ status: "unknown-instance", instance: "nope" });
  });

  test("no name: 503 unless master of every instance, listing the others", async () => {
    const res = await setup(status()).app.request("/health/master");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: "not-master",
      instances: [
        { instance: "VI_2", state: "backup" },
        { instance: "VI_3", state: "fault" },
      ],
    });
  });

  test("no name: 200 when master of all", async () => {
    const { app } = setup(FakeStatus.of(instance({ name: "A", state: "master" }), instance({ name: "B", state: "master" })));
    const res = await app.request("/health/master");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "master" });
  });

  test("no name and no instances: 503 (nothing to route here)", async () => {
    const res = await setup(FakeStatus.of()).app.request("/health/master");
    expect(res.status).toBe(503);
    expect(((await res.json()) as { status: string }).status).toBe("no-instances");
  });

  test("names are matched exactly (URL-decoded)", async () => {
    const { app } = setup(FakeStatus.of(instance({ name: "VI 1/a", state: "master" })));
    expect((await app.request("/health/master?instance=VI%201%2Fa")).status).toBe(200);
    expect((await app.request("/health/master?instance=vi%201%2Fa")).status).toBe(404);
  });
});

describe("GET /status", () => {
  test("returns the DaemonStatus document as JSON", async () => {
    const fake = FakeStatus.of(
      instance({ name: "VI_1", state: "master", virtualIps: ["192.0.2.254/24", "2001:db8::1/64"] }),
    );
    fake.snapshot.lastReload = { atWallMs: 1, ok: false, errors: ["vigil.toml:3:1: bad key"] };
    const res = await setup(fake).app.request("/status");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as typeof fake.snapshot;
    expect(body).toEqual(fake.snapshot);
    expect(body.instances[0]!.virtualIps).toEqual(["192.0.2.254/24", "2001:db8::1/64"]);
    expect(body.lastReload?.errors).toEqual(["vigil.toml:3:1: bad key"]);
  });
});

describe("GET /metrics", () => {
  test("Prometheus text with its content type, vigil and registry families", async () => {
    const { app, metrics } = setup(FakeStatus.of());
    metrics.state({ instance: "VI_1", interface: "eth0", vrid: "51" }, "master");
    const res = await app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const exp = parseExposition(await res.text());
    expect(exp.value("vigil_vrrp_state", { instance: "VI_1" })).toBe(2);
    expect(exp.value("vigil_build_info", { version: "0.1.0", commit: "abc" })).toBe(1);
    expect(exp.value("process_resident_memory_bytes")).toBeGreaterThan(1_000_000);
  });

  test("a response keeps its bytes when the next scrape reuses the buffer", async () => {
    const { app, metrics } = setup(FakeStatus.of());
    const l = { instance: "VI_1", interface: "eth0", vrid: "51" };
    metrics.advertSent(l, 100);
    const first = await app.request("/metrics");
    for (let i = 0; i < 41; i++) metrics.advertSent(l, 100);
    metrics.state({ instance: "VI_2_with_a_longer_name", interface: "eth1", vrid: "52" }, "backup");
    const second = await app.request("/metrics");
    const a = parseExposition(await first.text());
    const b = parseExposition(await second.text());
    expect(a.value("vigil_vrrp_adverts_sent_total", { instance: "VI_1" })).toBe(1);
    expect(a.find("vigil_vrrp_state", { instance: "VI_2_with_a_longer_name" })).toHaveLength(0);
    expect(b.value("vigil_vrrp_adverts_sent_total", { instance: "VI_1" })).toBe(42);
  });

  test("concurrent scrapes each get a whole, valid document", async () => {
    const { app, metrics } = setup(FakeStatus.of());
    for (let i = 0; i < 300; i++) metrics.advertGap({ instance: `VI_${i}`, interface: "eth0", vrid: String(i % 255 + 1) }, "sent", 1);
    const texts = await Promise.all([1, 2, 3, 4].map(async () => (await app.request("/metrics")).text()));
    const vrrpPart = (t: string) => t.slice(0, t.indexOf("# HELP process_"));
    for (const t of texts) {
      const e = parseExposition(t);
      expect(e.find("vigil_vrrp_advert_interval_seconds_count")).toHaveLength(300);
      expect(vrrpPart(t)).toBe(vrrpPart(texts[0]!));
    }
  });
});

describe("errors", () => {
  test("unknown path: 404 JSON", async () => {
    const res = await setup(FakeStatus.of()).app.request("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not found", path: "/nope" });
  });

  test("wrong method on a known path: 405 with Allow", async () => {
    const { app } = setup(FakeStatus.of());
    for (
      const [method, path] of [
        ["POST", "/health"],
        ["DELETE", "/status"],
        ["PUT", "/metrics"],
        ["POST", "/health/master"],
      ] as const
    ) {
      const res = await app.request(path, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("GET, HEAD");
      expect(((await res.json()) as { error: string }).error).toBe("method not allowed");
    }
  });

  test("a throwing status source gives 500 JSON, not a crash", async () => {
    const app = createApp({
      status: {
        status() {
          throw new Error("boom");
        },
      },
      metrics: setup(FakeStatus.of()).metrics,
    });
    const res = await app.request("/status");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "internal error", message: "boom" });
  });
});
