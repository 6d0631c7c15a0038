// `vigil demo` end to end with the compiled binary: the story (takeover, VIP moved, preemption),
// cleanup on success and on Ctrl-C / SIGTERM, non-root refusal, and the binary running alone in an
// empty directory. Timings are printed, never asserted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SEED_R1_CONF, SEED_R2_CONF } from "../../src/demo/seed.ts";
import { demoNamespaces, ensureBinary, IS_ROOT, ROOT, runSync } from "./binary.ts";

let bin = "";
beforeAll(() => {
  bin = ensureBinary();
});

const TIMEOUT_MS = 60_000;
const demoPids: number[] = [];
afterAll(() => {
  // Belt and braces: no namespace of any demo this file ran is left.
  expect(demoPids.flatMap((pid) => demoNamespaces(pid))).toEqual([]);
});

/** The facts an operator would check in the story, independent of timing. */
function expectStory(out: string): void {
  expect(out).toMatch(/r1 is MASTER \(address-owner\).*r2 is BACKUP/);
  expect(out).toMatch(/r1 dies: vigil SIGKILLed/);
  expect(out).toMatch(/r2 is MASTER \(master-down-timeout\)/);
  expect(out).toMatch(/failover: \d+\.\d{3} s from r1's last advert to r2's first/);
  expect(out).toContain("VIP moved: 192.168.0.254 is on r2");
  expect(out).toContain("vigil removed the stale 192.168.0.254");
  expect(out).toMatch(/r1 is FAULT/);
  expect(out).toMatch(/r1 is MASTER again.*r2 is BACKUP \(higher-priority-advert\)/);
  expect(out).toContain("VIP moved back: 192.168.0.254 is on r1");
  expect(out).toMatch(/r2 is MASTER [\d.]+ ms after r1's priority-0 advert/);
  expect(out).toContain("VIP 192.168.0.254: r1 → r2 → r1 → r2");
  expect(out).toMatch(/Cleaned up: 4 namespaces removed/);
  expect(out).not.toContain("\x1b["); // not a terminal: no colour
}

function figures(out: string): string {
  return out.split("\n").filter((l) => /failover|outage|preemption|hand-over|measured/.test(l)).map((l) => l.trim()).join("\n");
}

/** Runs the demo, returning its output; the pid tells which namespaces were its own. */
async function demo(cmd: string[], cwd: string): Promise<{ code: number; out: string; pid: number }> {
  const p = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  demoPids.push(p.pid);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) console.error(out, err);
  return { code, out: out + err, pid: p.pid };
}

describe("vigil demo", () => {
  test("seed configs embedded in the demo are the examples byte for byte", () => {
    expect(SEED_R1_CONF).toBe(readFileSync(join(ROOT, "packaging/examples/seed-r1.conf"), "utf8"));
    expect(SEED_R2_CONF).toBe(readFileSync(join(ROOT, "packaging/examples/seed-r2.conf"), "utf8"));
  });

  test("as a non-root user: a clear message and exit 2, nothing created", () => {
    const r = runSync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, "demo"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("needs root");
    expect(r.out).toBe("");
  });

  test("--help and a bad option", () => {
    const h = runSync([bin, "demo", "--help"]);
    expect(h.code).toBe(0);
    expect(h.out).toContain("--keep");
    expect(runSync([bin, "demo", "--nope"]).code).toBe(64);
  });
});

describe.skipIf(!IS_ROOT)("vigil demo as root (network namespaces)", () => {
  test("compiled binary: the backup takes over, the VIP moves and comes back, the lab is removed", async () => {
    const r = await demo([bin, "demo"], ROOT);
    console.log(`demo (dist/vigil):\n${figures(r.out)}`);
    expect(r.code).toBe(0);
    expectStory(r.out);
    expect(r.out).toContain("compiled binary");
    expect(demoNamespaces(r.pid)).toEqual([]);
  }, TIMEOUT_MS);

  test("from source (bun main.ts demo) the engines are started the same way", async () => {
    const r = await demo([process.execPath, join(ROOT, "main.ts"), "demo"], ROOT);
    expect(r.code).toBe(0);
    expectStory(r.out);
    expect(r.out).toContain("from source");
    expect(demoNamespaces(r.pid)).toEqual([]);
  }, TIMEOUT_MS);

  test.each(
    [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const,
  )("%s in the middle of the story removes every namespace and process", async (sig, want) => {
    const p = Bun.spawn([bin, "demo"], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    demoPids.push(p.pid);
    try {
      const reader = p.stdout.getReader();
      let seen = "";
      while (!seen.includes("r1 dies")) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      expect(seen).toContain("r1 dies");
      expect(demoNamespaces(p.pid)).toHaveLength(4);
      p.kill(sig);
      expect(await p.exited).toBe(want);
      expect(demoNamespaces(p.pid)).toEqual([]);
      // Nothing of this demo runs any more: no engine or probe from its temp dir.
      const left = runSync(["pgrep", "-f", `vigil-demo-${p.pid}-`]);
      expect(left.out.trim()).toBe("");
    } finally {
      p.kill("SIGKILL");
    }
  }, TIMEOUT_MS);
});

describe("dist/vigil alone in an empty directory (no node_modules, no sources)", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vigil-alone-"));
    chmodSync(dir, 0o755);
    copyFileSync(bin, join(dir, "vigil"));
    chmodSync(join(dir, "vigil"), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("version and check", () => {
    const v = runSync(["./vigil", "version"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^vigil \d+\.\d+\.\d+ \(commit \S+, target linux-/);
    writeFileSync(join(dir, "seed-r1.conf"), SEED_R1_CONF);
    const c = runSync(["./vigil", "check", "--config", "seed-r1.conf"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
    expect(c.code).toBe(0);
    expect(c.out).toContain("VI_1: interface eth0, vrid 51");
  });

  test.skipIf(!IS_ROOT)("demo", async () => {
    const r = await demo([join(dir, "vigil"), "demo"], dir);
    expect(r.code).toBe(0);
    expectStory(r.out);
    expect(r.out).toContain(`engine: ${join(dir, "vigil")} (`);
    expect(demoNamespaces(r.pid)).toEqual([]);
  }, TIMEOUT_MS);
});
