// `vigil check` / `vigil convert` end to end through `bun main.ts`: exit codes, stdout/stderr shape,
// and never a stack trace.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO, SAMPLES_DIR, TempDir } from "./helpers.ts";

const tmp = new TempDir();
afterAll(() => tmp.cleanup());
const BUN = join(REPO, "node_modules/.bin/bun");

function vigil(...args: string[]): { code: number; out: string; err: string } {
  const p = Bun.spawnSync([BUN, "main.ts", ...args], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  const r = { code: p.exitCode ?? -1, out: p.stdout.toString(), err: p.stderr.toString() };
  // No stack traces, ever: operators see messages, not "    at foo (file.ts:1:2)".
  expect(r.err).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
  expect(r.err).not.toContain("TypeError");
  return r;
}

const lines = (s: string) => s.split("\n").filter((l) => l !== "");

describe("vigil check", () => {
  test("seed config: exit 0, one summary line, nothing on stderr", () => {
    const r = vigil("check", "--config", "packaging/examples/seed-r1.conf");
    expect(r).toEqual({ code: 0, out: "VI_1: interface eth0, vrid 51, VRRPv2, priority 255, VIPs 192.168.0.254/24\n", err: "" });
    expect(vigil("check", "--config=packaging/examples/seed-r2.conf").out).toBe("VI_1: interface eth0, vrid 51, VRRPv2, priority 254, VIPs 192.168.0.254/24\n");
  });

  test("config with warnings: exit 0, one line per instance, warnings on stderr with positions", () => {
    const f = join(SAMPLES_DIR, "keepalived.conf.vrrp");
    const r = vigil("check", "-c", f);
    expect(r.code).toBe(0);
    expect(lines(r.out)).toEqual([
      "VI_1: interface eth0, vrid 51, VRRPv2, priority 100, VIPs 192.168.200.16/32 192.168.200.17/32 192.168.200.18/32 192.168.200.18/32",
      "VI_2: interface eth0, vrid 50, VRRPv2, priority 50, VIPs 192.168.200.13/32 192.168.200.14/32 192.168.200.15/32",
      "VI_3: interface eth1, vrid 52, VRRPv2, priority 100, VIPs 192.168.201.13/32 192.168.201.14/32 192.168.201.15/32",
      "VI_4: interface eth1, vrid 53, VRRPv2, priority 50, VIPs 192.168.201.16/32 192.168.201.17/32 192.168.201.18/32",
    ]);
    for (const l of lines(r.err)) expect(l).toMatch(new RegExp(`^${f.replace(/\./g, "\\.")}:\\d+:\\d+: warning: `));
    expect(r.err).toContain(`${f}:4:4: warning: SMTP settings skipped`);
  });

  test("errors: exit 2, every error as file:line:col: message on stderr, nothing on stdout", () => {
    const f = tmp.write(
      "bad.conf",
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 300\n priorty 10\n virtual_ipaddress {\n  10.0.0.1/40\n }\n}\nvrrp_instance VI_2 {\n virtual_router_id 2\n}\n",
    );
    const r = vigil("check", "--config", f);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(lines(r.err)).toEqual([
      `${f}:1:1: warning: vrrp_instance VI_1: no virtual_ipaddress configured; it runs without VIPs, as keepalived ("at least one is sensible")`,
      `${f}:4:2: warning: unknown keyword 'priorty' in vrrp_instance VI_1, ignored (as keepalived); did you mean priority?`,
      `${f}:6:3: warning: bad virtual address: prefix length '/40' is out of range for IPv4 (0–32); skipped (as keepalived)`,
      `${f}:9:1: warning: vrrp_instance VI_2: no virtual_ipaddress configured; it runs without VIPs, as keepalived ("at least one is sensible")`,
      `${f}:3:20: virtual_router_id 300 is out of range (1–255)`,
      `${f}:9:1: vrrp_instance VI_2: missing interface (keepalived refuses this too: "Unknown interface!")`,
    ]);
  });

  test("TOML errors carry positions too", () => {
    const f = tmp.write(
      "bad.toml",
      `[global]\nlog = "loud"\n\n[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = "x"\nvirtual_ipaddress = ["10.0.0.1/24"]\n`,
    );
    const r = vigil("check", "--config", f);
    expect(r.code).toBe(2);
    expect(lines(r.err)).toEqual([
      `${f}:2:7: log 'loud' is not one of debug, info, warn, error`,
      `${f}:4:1: vrrp_instance A: missing virtual_router_id`,
      `${f}:7:21: virtual_router_id: expected an integer, got a string`,
    ]);
  });

  test("missing, empty and binary files: exit 2 with one clear line", () => {
    expect(vigil("check", "--config", "/nonexistent/k.conf")).toEqual({ code: 2, out: "", err: "/nonexistent/k.conf:1:1: cannot read config: no such file\n" });
    const empty = tmp.write("empty.conf", "");
    expect(vigil("check", "--config", empty).err).toBe(`${empty}:1:1: config file is empty\n`);
    const bin = tmp.write("bin.conf", new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    const r = vigil("check", "--config", bin);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${bin}:1:5: binary data (NUL byte): this is not a text config file\n`);
  });

  test("--help exits 0 and documents the exit codes; a bad option is a usage error (64), not a config error (2)", () => {
    const h = vigil("check", "--help");
    expect(h.code).toBe(0);
    expect(h.out).toContain("Usage: vigil check [--config PATH]");
    expect(h.out).toContain("Exit 2:");
    expect(h.out).toContain("Exit 64: usage error");
    const bad = vigil("check", "--cofig", "x");
    expect(bad.code).toBe(64);
    expect(bad.err).toContain("unknown option '--cofig'");
    expect(vigil("check", "--config").code).toBe(64);
    expect(vigil("check", "a.conf", "b.conf").code).toBe(64);
  });

  test("keepalived habits: -f FILE, --use-file FILE, -t as a no-op", () => {
    const want = "VI_1: interface eth0, vrid 51, VRRPv2, priority 255, VIPs 192.168.0.254/24\n";
    expect(vigil("check", "-f", "packaging/examples/seed-r1.conf").out).toBe(want);
    expect(vigil("check", "--use-file", "packaging/examples/seed-r1.conf").out).toBe(want);
    expect(vigil("check", "-t", "-f", "packaging/examples/seed-r1.conf")).toEqual({ code: 0, out: want, err: "" });
  });

  test("--strict: a warning about an ignored part becomes an error (exit 2)", () => {
    const f = tmp.write(
      "lenient.conf",
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priorty 10\n virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n",
    );
    const lenient = vigil("check", "-f", f);
    expect(lenient.code).toBe(0);
    expect(lenient.err).toBe(`${f}:4:2: warning: unknown keyword 'priorty' in vrrp_instance VI_1, ignored (as keepalived); did you mean priority?\n`);
    const strict = vigil("check", "--strict", "-f", f);
    expect(strict.code).toBe(2);
    expect(strict.err).toBe(
      `${f}:4:2: unknown keyword 'priorty' in vrrp_instance VI_1, ignored (as keepalived); did you mean priority? (error under --strict)\n`,
    );
  });

  test("--config-id selects keepalived '@id' lines", () => {
    const f = join(SAMPLES_DIR, "keepalived.conf.conditional_conf");
    expect(vigil("check", "-c", f, "--config-id", "nobody").code).toBe(2);
    const r = vigil("check", "-c", f, "--config-id", "low");
    expect(r.code).toBe(0);
    expect(r.out).toBe("VI_0: interface eth0, vrid 1, VRRPv3, priority 85, VIPs 10.1.0.254/32\n");
  });
});

describe("vigil convert", () => {
  test("prints TOML that `vigil check` accepts", () => {
    const r = vigil("convert", "packaging/examples/seed-r1.conf");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toContain('[[instance]]\nname = "VI_1"\ninterface = "eth0"\nvirtual_router_id = 51\npriority = 255\n');
    const f = tmp.write("converted.toml", r.out);
    expect(vigil("check", "--config", f).out).toBe("VI_1: interface eth0, vrid 51, VRRPv2, priority 255, VIPs 192.168.0.254/24\n");
  });

  test("errors exit 2 with positions; no file is a usage error", () => {
    const f = tmp.write("bad2.conf", "vrrp_instance VI_1 {\n interface eth0\n");
    const r = vigil("convert", f);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain(`${f}:1:1: vrrp_instance VI_1: missing virtual_router_id`);
    const u = vigil("convert");
    expect(u.code).toBe(64);
    expect(u.err).toContain("missing FILE");
    expect(vigil("convert", "--help").code).toBe(0);
  });

  test("--to keepalived goes back: the TOML converts to a keepalived.conf that `vigil check` reads the same", () => {
    const toml = tmp.write("back.toml", vigil("convert", "packaging/examples/seed-r2.conf").out);
    const r = vigil("convert", "--to", "keepalived", toml);
    expect(r.code).toBe(0);
    expect(r.out).toContain("vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priority 254\n");
    const conf = tmp.write("back.conf", r.out);
    expect(vigil("check", conf).out).toBe("VI_1: interface eth0, vrid 51, VRRPv2, priority 254, VIPs 192.168.0.254/24\n");
    expect(vigil("convert", "--to", "json", toml).code).toBe(64);
  });

  test("--keywords prints the keyword table as markdown", () => {
    const r = vigil("convert", "--keywords");
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toBe("| section | keyword | TOML | value | range | default | vigil | keepalived / notes |");
    expect(r.out).toContain("| vrrp_instance | `virtual_router_id` | `instance.virtual_router_id` | int | 1–255 |");
    expect(vigil("convert", "--keywords", "x.conf").code).toBe(64);
  });
});

describe("usage errors and help, every command", () => {
  test("an unknown option or a missing value: one line, then the command's usage line; 64 for check, convert, version", () => {
    for (const argv of [["check", "--cofig", "x"], ["convert", "--to"], ["version", "--json"]]) {
      const r = vigil(...argv);
      expect({ argv, code: r.code, out: r.out }).toEqual({ argv, code: 64, out: "" });
      const [first, second, ...rest] = lines(r.err);
      expect(first).toMatch(new RegExp(`^vigil ${argv[0]}: (unknown option|option '--to' needs a value)`));
      expect(second).toStartWith(`Usage: vigil ${argv[0]}`);
      expect(rest).toEqual([]);
    }
  });

  test("run, status and demo exit 64 for a usage error (2 stays for config errors), as their --help says", () => {
    for (const argv of [["run", "--bogus"], ["run", "--config"], ["run", "--log-level", "loud"], ["status", "--url"], ["demo", "--nope"]]) {
      const r = vigil(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 64 });
      expect(r.err).toContain(`\nUsage: vigil ${argv[0]} [`);
    }
  });

  test("--help and -h print the command's options and exit 0, even beside a bad option", () => {
    for (const cmd of ["run", "check", "convert", "status", "demo", "version"]) {
      const r = vigil(cmd, "--bogus", "-h");
      expect({ cmd, code: r.code, err: r.err }).toEqual({ cmd, code: 0, err: "" });
      expect(r.out).toContain(`Usage: vigil ${cmd}`);
      expect(r.out).toContain("--help, -h");
    }
    expect(vigil("run", "--help").out).toContain("--config, -c, -f, --use-file PATH");
  });

  test("keepalived's `vigil -t -f FILE` at top level is `vigil check`", () => {
    const want = { code: 0, out: "VI_1: interface eth0, vrid 51, VRRPv2, priority 255, VIPs 192.168.0.254/24\n", err: "" };
    expect(vigil("-t", "-f", "packaging/examples/seed-r1.conf")).toEqual(want);
    expect(vigil("-f", "packaging/examples/seed-r1.conf", "--config-test")).toEqual(want);
    expect(vigil("check", "-tf", "packaging/examples/seed-r1.conf")).toEqual(want);
  });
});
