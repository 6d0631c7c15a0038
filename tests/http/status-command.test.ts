// `vigil status` against a real server started here, and its table formatting.
import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { Registry } from "../../src/http/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { createMetrics } from "../../src/http/metrics.ts";
import { type HttpServer, startHttp } from "../../src/http/server.ts";
import { formatAge, formatStatus, statusCommand } from "../../src/cli/status.ts";
import { FakeStatus, instance, T0 } from "./fake-status.ts";

function fixture(): FakeStatus {
  const now = Date.now();
  const s = FakeStatus.of(
    instance({
      name: "VI_1",
      state: "master",
      basePriority: 150,
      effectivePriority: 130,
      masterAddress: "192.168.0.1",
      virtualIps: ["192.168.0.254/24"],
      lastTransition: { atWallMs: now - 192_000, from: "backup", to: "master", reason: "master-down-timeout" },
    }),
    instance({
      name: "VI_WEB_long_name",
      interface: "bond0.100",
      vrid: 7,
      version: 2,
      state: "fault",
      faults: ["link bond0.100 down"],
      masterAddress: null,
      virtualIps: ["10.0.0.1/24", "10.0.0.2/24", "10.0.0.3/24", "10.0.0.4/24", "10.0.0.5/24"],
      lastTransition: null,
    }),
  );
  s.snapshot.startedAtWallMs = now - 2 * 3_600_000 - 5 * 60_000;
  return s;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  const error = spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  try {
    const code = await statusCommand.run(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe("vigil status against a running server", () => {
  let server: HttpServer;
  const status = fixture();
  beforeAll(() => {
    const metrics = createMetrics(new Registry(), { keepalivedExporterNames: false, version: "0.1.0", commit: "t" });
    server = startHttp("127.0.0.1:0", createApp({ status, metrics }));
  });
  afterAll(() => server.stop());

  test("prints an aligned table of every instance", async () => {
    const { code, out, err } = await run(["--url", server.url]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toBe("vigil 0.1.0, router r1, up 2h05m, config /etc/vigil/vigil.toml");
    const header = lines.find((l) => l.startsWith("INSTANCE"))!;
    const row1 = lines.find((l) => l.startsWith("VI_1 "))!;
    const row2 = lines.find((l) => l.startsWith("VI_WEB_long_name"))!;
    // Columns line up: each header title starts where its cells start.
    for (
      const [title, cell1, cell2] of [
        ["STATE", "MASTER", "FAULT"],
        ["PRIO EFF/BASE", "130/150", "100/100"],
        ["MASTER ", "192.168.0.1", "- "],
        ["VIPS", "192.168.0.254/24", "10.0.0.1/24,10.0.0.2/24,10.0.0.3/24 +2"],
        ["LAST TRANSITION", "backup→master (master-down-timeout) 3m12s ago", "-"],
      ] as const
    ) {
      const col = header.indexOf(title);
      expect(col).toBeGreaterThan(0);
      expect(row1.indexOf(cell1, col - 1)).toBe(col);
      expect(row2.indexOf(cell2, col - 1)).toBe(col);
    }
    expect(row2).toContain("bond0.100");
    expect(row2).toMatch(/ 7 +v2 /);
    expect(lines.at(-1)).toBe("VI_WEB_long_name: FAULT: link bond0.100 down");
  });

  test("--json prints the status document", async () => {
    const { code, out } = await run([`--url=${server.url}/`, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(status.snapshot);
  });

  test("a URL without scheme is taken as http", async () => {
    const { code } = await run(["--url", server.url.replace("http://", "")]);
    expect(code).toBe(0);
  });
});

describe("vigil status failures", () => {
  let other: ReturnType<typeof Bun.serve> | null = null;
  afterEach(() => {
    other?.stop(true);
    other = null;
  });

  test("unreachable daemon: exit 1 with the address and a hint", async () => {
    const s = startHttp("127.0.0.1:0", { fetch: () => new Response("") });
    const url = s.url;
    s.stop(); // now nothing listens there
    const { code, out, err } = await run(["--url", url]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toContain(`cannot reach vigil at ${url}: connection refused`);
    expect(err).toContain("--url");
  });

  test("something else on the port: exit 1 naming the answer", async () => {
    other = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("nope", { status: 404 }) });
    const { code, err } = await run(["--url", `http://127.0.0.1:${other.port}`]);
    expect(code).toBe(1);
    expect(err).toContain(`http://127.0.0.1:${other.port}/status answered 404`);
  });

  test("a non-vigil JSON answer: exit 1", async () => {
    other = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ hello: 1 }) });
    const { code, err } = await run(["--url", `http://127.0.0.1:${other.port}`]);
    expect(code).toBe(1);
    expect(err).toContain("did not answer a vigil status document");
  });

  test("usage errors exit 2; --help exits 0", async () => {
    expect((await run(["--bogus"])).code).toBe(64);
    expect((await run(["--url"])).code).toBe(64);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("vigil status [--url URL] [--json]");
  });
});

describe("formatting", () => {
  test("ages", () => {
    expect(formatAge(0)).toBe("0s");
    expect(formatAge(59_999)).toBe("59s");
    expect(formatAge(192_000)).toBe("3m12s");
    expect(formatAge(2 * 3_600_000 + 5 * 60_000)).toBe("2h05m");
    expect(formatAge(3 * 86_400_000 + 4 * 3_600_000)).toBe("3d04h");
    expect(formatAge(-5)).toBe("0s");
  });

  test("a failed reload and no instances", () => {
    const s = FakeStatus.of().snapshot;
    s.routerId = null;
    s.lastReload = { atWallMs: T0 - 60_000, ok: false, errors: ["vigil.toml:4:3: unknown key 'prio'"] };
    expect(formatStatus(s, T0)).toBe(
      [
        "vigil 0.1.0, up 1h00m, config /etc/vigil/vigil.toml, last reload 1m00s ago FAILED",
        "  reload error: vigil.toml:4:3: unknown key 'prio'",
        "",
        "no instances configured",
      ].join("\n"),
    );
  });
});
