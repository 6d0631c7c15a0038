// Every request form a health checker sends, over a real socket against startHttp: HAProxy's
// `option httpchk` (HTTP/1.0, no Host), keepalived's HTTP_GET (HTTP/1.0 with Host), curl/wget and
// probes (HTTP/1.1 with Host), proxies (absolute-form URI), and HEAD. A path misread as "/master"
// (the Host-less request once was) is a 404 a load balancer takes for "server down".
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Registry } from "../../src/http/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { createMetrics } from "../../src/http/metrics.ts";
import { type HttpServer, startHttp } from "../../src/http/server.ts";
import { FakeStatus, instance } from "./fake-status.ts";
import { rawRequest } from "./raw-http.ts";

function serve(state: "master" | "backup"): HttpServer {
  const metrics = createMetrics(new Registry(), { keepalivedExporterNames: false, version: "0.1.0", commit: "t" });
  return startHttp("127.0.0.1:0", createApp({ status: FakeStatus.of(instance({ name: "VI_1", state })), metrics }));
}

let master: HttpServer;
let backup: HttpServer;
beforeAll(() => {
  master = serve("master");
  backup = serve("backup");
});
afterAll(() => {
  master.stop();
  backup.stop();
});

const MASTER = { status: "master" };
const FORMS: Array<[string, string, number, unknown]> = [
  ["HTTP/1.0 without Host (HAProxy option httpchk)", "GET /health/master HTTP/1.0\r\n\r\n", 200, MASTER],
  ["HTTP/1.0 without Host, with a query", "GET /health/master?instance=VI_1 HTTP/1.0\r\n\r\n", 200, { status: "master", instance: "VI_1" }],
  ["HTTP/1.0 with Host (keepalived HTTP_GET)", "GET /health/master HTTP/1.0\r\nHost: 10.0.0.1:9650\r\n\r\n", 200, MASTER],
  ["HTTP/1.1 with Host", "GET /health/master HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n", 200, MASTER],
  ["HTTP/1.1 with Host, kept alive", "GET /health/master HTTP/1.1\r\nHost: lb\r\n\r\n", 200, MASTER],
  ["HTTP/1.1 with an empty Host", "GET /health/master HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n", 200, MASTER],
  ["absolute-form, HTTP/1.1 with Host", "GET http://lb.example/health/master HTTP/1.1\r\nHost: lb.example\r\nConnection: close\r\n\r\n", 200, MASTER],
  ["absolute-form, HTTP/1.0 without Host", "GET http://lb.example/health/master HTTP/1.0\r\n\r\n", 200, MASTER],
  ["HTTP/1.0 /health without Host", "GET /health HTTP/1.0\r\n\r\n", 200, { status: "ok" }],
  ["HTTP/1.0 unknown path reports the path asked", "GET /health/nope HTTP/1.0\r\n\r\n", 404, { error: "not found", path: "/health/nope" }],
  ["HTTP/1.0 POST is 405, not 404", "POST /health/master HTTP/1.0\r\nContent-Length: 0\r\n\r\n", 405, {
    error: "method not allowed",
    method: "POST",
    allow: "GET, HEAD",
  }],
];

describe("request forms against the master", () => {
  test.each(FORMS)("%s", async (_name, request, status, body) => {
    const r = await rawRequest(master.port, request);
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body)).toEqual(body);
  });

  test.each([
    ["HEAD, HTTP/1.0 without Host", "HEAD /health/master HTTP/1.0\r\n\r\n"],
    ["HEAD, HTTP/1.1 with Host", "HEAD /health/master HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n"],
    ["HEAD, absolute-form", "HEAD http://lb/health HTTP/1.0\r\n\r\n"],
  ])("%s: status only, no body", async (_name, request) => {
    const r = await rawRequest(master.port, request);
    expect(r.status).toBe(200);
    expect(r.headers["cache-control"]).toBe("no-store");
    expect(r.body).toBe("");
  });

  test("/metrics over HTTP/1.0 without Host", async () => {
    const r = await rawRequest(master.port, "GET /metrics HTTP/1.0\r\n\r\n");
    expect(r.status).toBe(200);
    expect(r.body).toContain('vigil_build_info{version="0.1.0",commit="t"} 1');
  });

  // RFC 9112 §3.2 tells servers to refuse this with 400, and Bun.serve did, so HAProxy's
  // `option httpchk GET /health/master HTTP/1.1` (it adds no Host) marked every router DOWN.
  // Host names no virtual host here: answered like any other request.
  test("HTTP/1.1 without Host (HAProxy `option httpchk GET /health/master HTTP/1.1`)", async () => {
    const r = await rawRequest(master.port, "GET /health/master HTTP/1.1\r\nconnection: close\r\n\r\n");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(MASTER);
  });

  test("bare LF line ends (RFC 9112 §2.2), as hand-typed checks send", async () => {
    const r = await rawRequest(master.port, "GET /health/master HTTP/1.0\n\n");
    expect(r.status).toBe(200);
  });

  test("the client shuts its sending side after the request (`printf … | nc`): still answered", async () => {
    const r = await rawRequest(master.port, "GET /health/master HTTP/1.0\r\n\r\n", "127.0.0.1", { halfClose: true });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(MASTER);
  });
});

describe("what is refused", () => {
  test.each([
    ["HTTP/0.9 (no version)", "GET /health/master\r\n\r\n", 400],
    ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400],
    ["a target that is no path", "GET health HTTP/1.0\r\n\r\n", 400],
    ["an obsolete folded header", "GET /health HTTP/1.0\r\nX-A: 1\r\n continued\r\n\r\n", 400],
    ["space before the colon", "GET /health HTTP/1.0\r\nHost : x\r\n\r\n", 400],
    ["a head over 16 KiB", `GET /health HTTP/1.0\r\nX-Pad: ${"a".repeat(17 * 1024)}\r\n\r\n`, 431],
  ])("%s: %d", async (_name, request, status) => {
    const r = await rawRequest(master.port, request);
    expect(r.status).toBe(status);
    expect(r.headers["connection"]).toBe("close");
  });
});

describe("the same forms against a backup: 503, never 404", () => {
  test.each(FORMS.filter(([, req, status]) => status === 200 && req.includes("/health/master")))("%s", async (_name, request) => {
    const r = await rawRequest(backup.port, request);
    expect(r.status).toBe(503);
  });
});
