// The listener with the clients operators script health checks with (curl, wget) and with a
// response bigger than one socket write (a /metrics of many instances): every byte arrives.
import { afterEach, expect, test } from "bun:test";
import { Registry } from "../../src/http/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { createMetrics } from "../../src/http/metrics.ts";
import { type HttpServer, startHttp } from "../../src/http/server.ts";
import { FakeStatus, instance } from "./fake-status.ts";
import { rawRequest } from "./raw-http.ts";

const started: HttpServer[] = [];
afterEach(() => {
  while (started.length) started.pop()!.stop();
});

function serveMaster(): HttpServer {
  const metrics = createMetrics(new Registry(), { keepalivedExporterNames: false, version: "0.1.0", commit: "t" });
  const s = startHttp("127.0.0.1:0", createApp({ status: FakeStatus.of(instance({ name: "VI_1", state: "master" })), metrics }));
  started.push(s);
  return s;
}

/** Async: the server runs on this process's event loop, which spawnSync would block. */
async function run(cmd: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

test.each([
  ["curl (HTTP/1.1)", []],
  ["curl --http1.0", ["--http1.0"]],
  ["curl without Host", ["-H", "Host:"]],
  ["curl HEAD", ["-I"]],
])("%s: 200 from /health/master", async (_name, extra) => {
  const s = serveMaster();
  const r = await run(["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", ...extra, `${s.url}/health/master`]);
  expect(r.err).toBe("");
  expect(r.out).toBe("200");
});

test("wget -S: 200 and the body", async () => {
  const s = serveMaster();
  const r = await run(["wget", "-S", "-q", "-T", "5", "-t", "1", "-O", "-", `${s.url}/health/master`]);
  expect(r.code).toBe(0);
  expect(r.err).toContain("HTTP/1.1 200 OK");
  expect(JSON.parse(r.out)).toEqual({ status: "master" });
});

test("wget on a backup exits 8 (server error), as a check script sees it", async () => {
  const metrics = createMetrics(new Registry(), { keepalivedExporterNames: false, version: "0.1.0", commit: "t" });
  const s = startHttp("127.0.0.1:0", createApp({ status: FakeStatus.of(instance({ name: "VI_1", state: "backup" })), metrics }));
  started.push(s);
  const r = await run(["wget", "-q", "-T", "5", "-t", "1", "-O", "/dev/null", `${s.url}/health/master`]);
  expect(r.code).toBe(8);
});

test("a response larger than a socket write arrives whole (8 MiB)", async () => {
  const big = "x".repeat(8 * 1024 * 1024);
  const s = startHttp("127.0.0.1:0", { fetch: () => new Response(big, { headers: { "content-type": "text/plain" } }) });
  started.push(s);
  const r = await rawRequest(s.port, "GET /metrics HTTP/1.0\r\n\r\n");
  expect(r.status).toBe(200);
  expect(r.headers["content-length"]).toBe(String(big.length));
  expect(r.body.length).toBe(big.length);
  const viaCurl = await run(["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{size_download}", `${s.url}/metrics`]);
  expect(viaCurl.out).toBe(String(big.length));
});

test("a handler that throws is a 500, and the listener keeps serving", async () => {
  let calls = 0;
  const s = startHttp("127.0.0.1:0", {
    fetch: () => {
      if (calls++ === 0) throw new Error("boom");
      return new Response("ok");
    },
  });
  started.push(s);
  expect((await rawRequest(s.port, "GET / HTTP/1.0\r\n\r\n")).status).toBe(500);
  expect((await rawRequest(s.port, "GET / HTTP/1.0\r\n\r\n")).body).toBe("ok");
});

test("stop() closes a connection that never sent a whole request", async () => {
  const s = serveMaster();
  let closed = false;
  await Bun.connect({ hostname: "127.0.0.1", port: s.port, socket: { data() {}, close: () => void (closed = true) } }).then((c) =>
    c.write("GET /health HTTP/1.1\r\n")
  );
  for (let i = 0; i < 50 && !closed; i++) {
    if (i === 5) s.stop();
    await Bun.sleep(10);
  }
  expect(closed).toBe(true);
});
