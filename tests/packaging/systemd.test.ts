// packaging/systemd/vigil.service: systemd's own verifier accepts it (pointed at the built binary,
// since /usr/local/bin/vigil is not installed here), the same verifier rejects a broken copy (so the
// check has teeth), its sandbox scores well in `systemd-analyze security`, and the lines that make
// vigil work as an unprivileged user are there.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, requireTool, ROOT, runSync } from "./binary.ts";

const UNIT = readFileSync(join(ROOT, "packaging/systemd/vigil.service"), "utf8");
let dir = "";
let bin = "";

/** A copy of the unit whose commands point at the built binary. */
function unitCopy(name: string, edit: (s: string) => string = (s) => s): string {
  const path = join(dir, name);
  writeFileSync(path, edit(UNIT.replaceAll("/usr/local/bin/vigil", bin)));
  return path;
}

function directives(key: string): string[] {
  return UNIT.split("\n").filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

beforeAll(() => {
  bin = ensureBinary();
  dir = mkdtempSync(join(tmpdir(), "vigil-unit-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("packaging/systemd/vigil.service", () => {
  test("systemd-analyze verify: no complaint", () => {
    const sa = requireTool("systemd-analyze", "systemd");
    const r = runSync([sa, "verify", unitCopy("vigil.service")]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  test("systemd-analyze verify catches a broken copy (the check is real)", () => {
    const sa = requireTool("systemd-analyze", "systemd");
    const bad = unitCopy("vigil.service", (s) => s.replace("AF_UNIX", "AF_UNIX AF_NOPE").replace(`ExecStart=${bin}`, "ExecStart=/nonexistent/vigil"));
    const r = runSync([sa, "verify", bad]);
    expect(r.err).toContain("AF_NOPE");
    expect(r.err).toContain("/nonexistent/vigil");
  });

  test("systemd-analyze security: exposure 3.0 or better", () => {
    const sa = requireTool("systemd-analyze", "systemd");
    const r = runSync([sa, "security", "--offline=true", "--no-pager", unitCopy("vigil.service")]);
    const m = /Overall exposure level for vigil\.service: ([\d.]+)/.exec(r.out + r.err);
    expect(m).not.toBeNull();
    console.log(`systemd-analyze security: ${m![1]}`);
    expect(Number(m![1])).toBeLessThanOrEqual(3.0);
  });

  test("unprivileged user with exactly CAP_NET_RAW and CAP_NET_ADMIN", () => {
    expect(directives("User")).toEqual(["vigil"]);
    expect(directives("AmbientCapabilities")).toEqual(["CAP_NET_RAW CAP_NET_ADMIN"]);
    expect(directives("CapabilityBoundingSet")).toEqual(["CAP_NET_RAW CAP_NET_ADMIN"]);
    expect(directives("NoNewPrivileges")).toEqual(["yes"]);
    expect(UNIT).toContain("useradd --system");
    // Realtime and memory locking by rlimits, not by CAP_SYS_NICE / CAP_IPC_LOCK.
    expect(directives("LimitRTPRIO")).toEqual(["10"]);
    expect(directives("LimitMEMLOCK")).toEqual(["infinity"]);
    expect(directives("RestrictRealtime")).toEqual([]);
    // Bun's JIT needs W+X pages; capabilities inside a user namespace would not reach the host.
    expect(directives("MemoryDenyWriteExecute")).toEqual([]);
    expect(directives("PrivateUsers")).toEqual([]);
  });

  test("sockets vigil opens are allowed; state dir kept across restarts", () => {
    const families = directives("RestrictAddressFamilies")[0]!.split(/\s+/).sort();
    expect(families).toEqual(["AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET", "AF_UNIX"]);
    expect(directives("ProtectSystem")).toEqual(["strict"]);
    expect(directives("RuntimeDirectory")).toEqual(["vigil"]);
    expect(directives("RuntimeDirectoryPreserve")).toEqual(["yes"]);
    expect(directives("ExecStart")[0]).toContain("--state-dir /run/vigil");
  });

  test("check before start and reload, SIGHUP to reload, restart on failure", () => {
    expect(directives("ExecStartPre")).toEqual(["/usr/local/bin/vigil check --config ${VIGIL_CONFIG}"]);
    expect(directives("ExecReload")).toEqual(["/usr/local/bin/vigil check --config ${VIGIL_CONFIG}", "/bin/kill -HUP $MAINPID"]);
    expect(directives("Restart")).toEqual(["on-failure"]);
  });

  test("Type=notify with a watchdog (vigil speaks the notify protocol), restarts never rate-limited away", () => {
    expect(directives("Type")).toEqual(["notify"]);
    expect(directives("NotifyAccess")).toEqual(["main"]);
    expect(directives("WatchdogSec")).toEqual(["10s"]);
    expect(directives("StartLimitIntervalSec")).toEqual(["0"]);
    // The stop bound (min(3 × advert_int, 10 s)) fits inside systemd's stop timeout.
    expect(Number(directives("TimeoutStopSec")[0]!.replace("s", ""))).toBeGreaterThan(10);
  });

  test("the ExecStartPre command accepts the seed config", () => {
    const r = runSync([bin, "check", "--config", join(ROOT, "packaging/examples/seed-r1.conf")]);
    expect(r.code).toBe(0);
  });
});
