// The real listener: serves the app on a socket, stops, and fails clearly on bad or busy addresses.
import { afterEach, describe, expect, test } from "bun:test";
import { Registry } from "../../src/http/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { createMetrics } from "../../src/http/metrics.ts";
import { HttpListenError, type HttpServer, parseListen, startHttp } from "../../src/http/server.ts";
import { FakeStatus, instance } from "./fake-status.ts";

const started: HttpServer[] = [];
afterEach(() => {
  while (started.length) started.pop()!.stop();
});

function app() {
  const metrics = createMetrics(new Registry(), { keepalivedExporterNames: false, version: "0.1.0", commit: "t" });
  return createApp({ status: FakeStatus.of(instance({ name: "VI_1", state: "master" })), metrics });
}
function start(listen: string): HttpServer {
  const s = startHttp(listen, app());
  started.push(s);
  return s;
}
function listenError(fn: () => unknown): HttpListenError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpListenError) return e;
    throw e;
  }
  throw new Error("expected an HttpListenError");
}

describe("parseListen", () => {
  test.each([
    ["127.0.0.1:9650", "127.0.0.1", 9650],
    ["0.0.0.0:80", "0.0.0.0", 80],
    ["localhost:0", "localhost", 0],
    ["[::1]:9650", "::1", 9650],
    ["[::]:9650", "::", 9650],
    ["[fe80::1%eth0]:9650", "fe80::1%eth0", 9650],
  ])("%s", (listen, hostname, port) => {
    expect(parseListen(listen)).toEqual({ hostname, port });
  });

  test.each([
    ["", "host:port"],
    [":9650", "host missing"],
    ["9650", "host:port"],
    ["127.0.0.1", "host:port"],
    ["127.0.0.1:70000", "not 0–65535"],
    ["127.0.0.1:-1", "not 0–65535"],
    ["127.0.0.1:", "not 0–65535"],
    ["::1:9650", "brackets"],
    ["[::1]9650", "[IPv6]:port"],
    ["[127.0.0.1]:80", "not an IPv6"],
    ["999.1.1.1:80", "not an IPv4"],
    ["bad host:80", "not an IPv4"],
  ])("%p is refused: %s", (listen, why) => {
    const e = listenError(() => parseListen(listen));
    expect(e.code).toBe("EINVAL");
    expect(e.listen).toBe(listen);
    expect(e.message).toContain(JSON.stringify(listen));
    expect(e.message).toContain(why);
  });
});

describe("startHttp", () => {
  test("serves on 127.0.0.1 with port 0, reports the real URL, then stops", async () => {
    const s = start("127.0.0.1:0");
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    const health = await fetch(`${s.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const master = await fetch(`${s.url}/health/master?instance=VI_1`);
    expect(master.status).toBe(200);
    const metrics = await fetch(`${s.url}/metrics`);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await metrics.text()).toContain('vigil_build_info{version="0.1.0",commit="t"} 1');
    s.stop();
    s.stop(); // idempotent
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
  });

  test("IPv6 loopback in brackets", async () => {
    const s = start("[::1]:0");
    expect(s.url).toBe(`http://[::1]:${s.port}`);
    expect((await fetch(`${s.url}/status`)).status).toBe(200);
  });

  test("a port in use is a typed error naming the address", () => {
    const first = start("127.0.0.1:0");
    const listen = `127.0.0.1:${first.port}`;
    const e = listenError(() => start(listen));
    expect(e.code).toBe("EADDRINUSE");
    expect(e.message).toBe(`http: cannot listen on "${listen}": address already in use (another vigil or service on that port?)`);
  });

  test("an address this host does not have is a typed error", () => {
    const e = listenError(() => start("192.0.2.77:9650")); // TEST-NET-1, never local here
    expect(e.code).toBe("EADDRNOTAVAIL");
    expect(e.message).toContain('"192.0.2.77:9650"');
  });

  test("an invalid address never reaches Bun.serve", () => {
    expect(listenError(() => start(":9650")).code).toBe("EINVAL");
  });
});
