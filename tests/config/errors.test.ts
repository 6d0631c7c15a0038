// A table of bad inputs: each must give a clear message at the right line:col, all problems at once,
// no exception and no hang.
import { afterAll, describe, expect, test } from "bun:test";
import { loadConfig, loadConfigText, MAX_CONFIG_BYTES } from "../../src/config/load.ts";
import { MAX_ERRORS, MAX_WARNINGS } from "../../src/config/diagnostics.ts";
import { brief, errors, load, ok, TempDir } from "./helpers.ts";
import type { VigilConfig } from "../../src/config/schema.ts";

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

const vi = (body: string) => `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n${body} virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n`;

// [name, config text, expected "line:col: message" that must be among the errors]
const KEEPALIVED_CASES: [string, string, string][] = [
  [
    "vrid out of range",
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 256\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n",
    "3:20: virtual_router_id 256 is out of range (1–255)",
  ],
  ["missing value", vi(" priority\n"), "4:2: priority: missing value (priority NUMBER)"],
  [
    "multicast VIP",
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  224.0.0.18\n }\n}\n",
    "5:3: virtual address 224.0.0.18 must be a unicast address",
  ],
  [
    "IPv6 with version 2",
    "vrrp_instance V6 {\n interface eth0\n virtual_router_id 1\n version 2\n virtual_ipaddress {\n  fe80::1/64\n }\n}\n",
    "4:10: vrrp_instance V6: VRRPv2 over IPv6 is not supported by vigil (keepalived runs it when 'version 2' precedes the IPv6 addresses; use version 3)",
  ],
  [
    "missing interface",
    "vrrp_instance VI_1 {\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n",
    '1:1: vrrp_instance VI_1: missing interface (keepalived refuses this too: "Unknown interface!")',
  ],
  [
    "missing VIPs in VRRPv3 (keepalived refuses)",
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n version 3\n}\n",
    "1:1: vrrp_instance VI_1: no virtual_ipaddress configured (keepalived refuses this too with VRRPv3 or vrrp_strict)",
  ],
  ["missing value (keepalived: fatal 'missing a parameter')", vi(" priority\n"), "4:2: priority: missing value (priority NUMBER)"],
  ["missing vrid", "vrrp_instance VI_1 {\n interface eth0\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n", "1:1: vrrp_instance VI_1: missing virtual_router_id"],
  [
    "interface name too long",
    "vrrp_instance VI_1 {\n interface averyveryverylongname0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n",
    "2:12: interface 'averyveryverylongname0' is not a valid interface name (1–15 characters, no '/', ':' or spaces)",
  ],
  [
    "duplicate vrid",
    `${vi("")}vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.2/24\n }\n}\n`,
    "10:20: virtual_router_id 1 on eth0 (IPv4) is already used by vrrp_instance VI_1 (line 1)",
  ],
  [
    "duplicate instance name",
    `${vi("")}vrrp_instance VI_1 {\n interface eth1\n virtual_router_id 2\n virtual_ipaddress {\n  10.0.1.2/24\n }\n}\n`,
    "8:15: vrrp_instance 'VI_1' is defined twice (first at line 1)",
  ],
  ["unterminated quote", vi(' notify_master "/bin/true\n'), '4:16: unterminated " quote'],
  ["block where a value belongs", vi(" priority {\n }\n"), "4:11: priority does not take a { … } block"],
  ["track weight out of range", vi(" track_interface {\n  eth1 weight 300\n }\n"), "5:15: track_interface weight 300 is out of range (-253–253)"],
  ["empty file", "", "1:1: config file is empty"],
  ["only whitespace", "  \n\t\n", "1:1: config file is empty"],
  ["binary garbage", "vrrp_instance VI_1 {\n\x00\x01\x02\xff\xfe\n}\n", "2:1: binary data (NUL byte): this is not a text config file"],
];

// What keepalived warns about and runs anyway: a warning at the place, and keepalived's fallback in
// the model. [name, config text, expected "line:col: warning", model probe, keepalived's value]
type Probe = (c: VigilConfig) => unknown;
const inst0: (f: (i: VigilConfig["instances"][number]) => unknown) => Probe = (f) => (c) => f(c.instances[0]!);
const KEEPALIVED_TOLERATED: [string, string, string, Probe, unknown][] = [
  ["integer expected", vi(" priority high\n"), "4:11: priority: expected an integer, got 'high'; ignored (as keepalived)", inst0((i) => i.priority), 100],
  ["priority out of range", vi(" priority 256\n"), "4:11: priority 256 is out of range (1–255); 100 used (as keepalived)", inst0((i) => i.priority), 100],
  [
    "priority with a trailing comment",
    vi(" priority 100,primary\n"),
    "4:11: priority: expected an integer, got '100,primary'; ignored (as keepalived)",
    inst0((i) => i.priority),
    100,
  ],
  [
    "state MASTER without priority is the owner",
    vi(" state MASTER\n"),
    "4:8: vrrp_instance VI_1: state MASTER without priority advertises priority 255 (as keepalived)",
    inst0((i) => i.priority),
    255,
  ],
  [
    "v2 fractional advert rounds",
    vi(" advert_int 1.5\n"),
    "4:13: advert_int 1.5: VRRPv2 counts whole seconds; rounded to 2 s (as keepalived)",
    inst0((i) => i.advertIntervalCs),
    200,
  ],
  [
    "v2 advert below a second rounds up to 1 s",
    vi(" advert_int 0.4\n"),
    "4:13: advert_int 0.4: VRRPv2 counts whole seconds; rounded to 1 s (as keepalived)",
    inst0((i) => i.advertIntervalCs),
    100,
  ],
  [
    "v2 advert too long",
    vi(" advert_int 256\n"),
    "4:13: advert_int 256 is outside 0.01–255 s; ignored, 1 s used (as keepalived)",
    inst0((i) => i.advertIntervalCs),
    100,
  ],
  [
    "v3 advert 77 s clamps to 40.95 s",
    vi(" version 3\n advert_int 77\n"),
    "5:13: advert_int 77 is above the VRRPv3 maximum; set to 40.95 s (as keepalived)",
    inst0((i) => i.advertIntervalCs),
    4095,
  ],
  [
    "v3 advert too short",
    vi(" version 3\n advert_int 0.001\n"),
    "5:13: advert_int 0.001 is outside 0.01–255 s; ignored, 1 s used (as keepalived)",
    inst0((i) => i.advertIntervalCs),
    100,
  ],
  ["bad version", vi(" version 4\n"), "4:10: version 4 is not 2 or 3; ignored (as keepalived)", inst0((i) => i.version), 2],
  ["bad state", vi(" state PRIMARY\n"), "4:8: state 'PRIMARY' is not MASTER or BACKUP; BACKUP used (as keepalived)", inst0((i) => i.initialState), "backup"],
  ["extra value", vi(" priority 100 200\n"), "4:15: priority: unexpected '200' after the value; ignored (as keepalived)", inst0((i) => i.priority), 100],
  [
    "unknown keyword",
    vi(" priorty 90\n"),
    "4:2: unknown keyword 'priorty' in vrrp_instance VI_1, ignored (as keepalived); did you mean priority?",
    inst0((i) => i.priority),
    100,
  ],
  [
    "unknown top-level",
    `vrrp_instanse VI_0 {\n}\n${vi("")}`,
    "1:1: unknown top-level keyword 'vrrp_instanse', skipped (as keepalived); did you mean vrrp_instance?",
    (c) => c.instances.length,
    1,
  ],
  [
    "unknown global (garp_master_delay)",
    `global_defs {\n garp_master_delay 3\n}\n${vi("")}`,
    "2:2: unknown keyword 'garp_master_delay' in global_defs, ignored (as keepalived); did you mean vrrp_garp_master_delay?",
    inst0((i) => i.garpMasterDelayMs),
    5000,
  ],
  [
    "bad IPv4 skipped",
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  192.168.0.256/24\n  10.0.0.1\n }\n}\n",
    "5:3: bad virtual address: '192.168.0.256' is not an IPv4 or IPv6 address; skipped (as keepalived)",
    inst0((i) => i.virtualIps.map((v) => v.address)),
    ["10.0.0.1"],
  ],
  [
    "VIP option typo",
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1/24 dve eth0\n }\n}\n",
    "5:15: unknown virtual address option 'dve', ignored (as keepalived); did you mean dev?",
    inst0((i) => i.virtualIps[0]!.dev),
    undefined,
  ],
  [
    "other-family VIP ignored",
    "vrrp_instance M {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1/24\n  2001:db8::1/64\n }\n}\n",
    "6:3: 2001:db8::1 is IPv6 but the instance is IPv4 (its first address); ignored (as keepalived)",
    inst0((i) => i.virtualIps.length),
    1,
  ],
  [
    "unicast peer family",
    vi(" unicast_peer {\n  2001:db8::2\n  10.0.0.2\n }\n"),
    "5:3: unicast_peer 2001:db8::2 is IPv6 but the instance's VIPs are IPv4; skipped (as keepalived)",
    inst0((i) => i.unicastPeers),
    ["10.0.0.2"],
  ],
  [
    "unicast addresses with a prefix",
    vi(" unicast_src_ip 10.0.0.5/24\n unicast_peer {\n  10.0.0.6/24\n }\n"),
    "4:17: unicast_src_ip '10.0.0.5/24': '/24' ignored, 10.0.0.5 used (as keepalived)",
    inst0((i) => [i.unicastSrcIp, i.unicastPeers]),
    ["10.0.0.5", ["10.0.0.6"]],
  ],
  [
    "unicast src not an IP",
    vi(" unicast_src_ip eth0\n"),
    "4:17: unicast_src_ip 'eth0' is not an IP address; skipped (as keepalived)",
    inst0((i) => i.unicastSrcIp),
    undefined,
  ],
  [
    "no VIPs in VRRPv2 runs",
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n}\n",
    '1:1: vrrp_instance VI_1: no virtual_ipaddress configured; it runs without VIPs, as keepalived ("at least one is sensible")',
    inst0((i) => i.virtualIps),
    [],
  ],
  [
    "unknown track_script dropped",
    `vrrp_script chk_web {\n script /bin/true\n}\n${vi(" track_script {\n  chk_wbe\n }\n")}`,
    "8:3: track_script 'chk_wbe' in vrrp_instance VI_1: no vrrp_script with that name; ignored (as keepalived); did you mean chk_web?",
    inst0((i) => i.trackScripts),
    [],
  ],
  [
    "missing script file disables it",
    `vrrp_script chk {\n script "/nonexistent/check.sh arg"\n weight -20\n}\n${vi(" track_script {\n  chk\n }\n")}`,
    "2:9: vrrp_script chk disabled: '/nonexistent/check.sh' does not exist or is not executable; instances tracking it run without it (as keepalived)",
    (c) => [c.scripts, c.instances[0]!.trackScripts],
    [[], []],
  ],
  [
    "script user missing disables it",
    `vrrp_script chk {\n script /bin/true\n user no-such-user-here\n}\n${vi(" track_script {\n  chk\n }\n")}`,
    "2:9: vrrp_script chk disabled: user 'no-such-user-here' does not exist; instances tracking it run without it (as keepalived)",
    (c) => c.scripts.length,
    0,
  ],
  [
    "owner drops weighted track_script",
    `vrrp_script chk {\n script /bin/true\n weight 10\n}\n${vi(" priority 255\n track_script {\n  chk\n }\n")}`,
    "10:3: vrrp_instance VI_1: weighted track_script chk (weight 10) not tracked: it is the address owner (priority 255) (as keepalived)",
    inst0((i) => i.trackScripts),
    [],
  ],
  [
    "sync group unknown instance",
    `${vi("")}vrrp_sync_group G {\n group {\n  VI_1\n  VI_9\n }\n}\n`,
    "11:3: vrrp_sync_group G: unknown vrrp_instance 'VI_9', ignored (as keepalived); did you mean VI_1?",
    (c) => c.syncGroups[0]!.instances,
    ["VI_1"],
  ],
  [
    "old sync group form: members without group {}",
    `${vi("")}vrrp_sync_group G {\n VI_1\n}\n`,
    "9:2: unknown keyword 'VI_1' in vrrp_sync_group G, ignored (as keepalived) (member instances go inside group { … })",
    (c) => c.syncGroups,
    [],
  ],
  [
    "auth_type unknown",
    vi(" authentication {\n  auth_type PASS;\n  auth_pass x\n }\n"),
    "5:13: auth_type 'PASS;' is not PASS or AH; the instance runs without authentication (as keepalived)",
    inst0((i) => i.authPass),
    undefined,
  ],
  [
    "vrrp_strict sends no authentication",
    `global_defs {\n vrrp_strict\n}\n${vi(" authentication {\n  auth_type PASS\n  auth_pass secret\n }\n")}`,
    "8:13: vrrp_instance VI_1: vrrp_strict sends no authentication; auth_type PASS ignored (as keepalived)",
    inst0((i) => i.authPass),
    undefined,
  ],
  [
    "a repeated VIP counts twice",
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n  10.0.0.1\n }\n}\n",
    "6:3: virtual address 10.0.0.1 is listed again; kept, as keepalived does (adverts carry it each time)",
    inst0((i) => i.virtualIps.length),
    2,
  ],
  [
    "notify_master given twice: the first wins",
    vi(' notify_master "/bin/a m"\n notify_master "/bin/b"\n'),
    "5:2: notify_master already given at line 4; '/bin/b' ignored (keepalived keeps the first)",
    inst0((i) => i.notify.master),
    "/bin/a m",
  ],
  [
    "extra '}' (keepalived: \"Extra '}' found\", carries on)",
    `${vi("")}}\n`,
    "8:1: extra '}' with no open block; ignored (as keepalived)",
    inst0((i) => i.vrid),
    1,
  ],
  [
    "unclosed '{' (keepalived: \"There are 2 missing '}'s\", closes them at the end)",
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n  10.0.0.1/24\n",
    "1:20: '{' of 'vrrp_instance' is never closed (missing '}'); closed at the end of the file (as keepalived: 2 missing '}')",
    inst0((i) => [i.vrid, i.virtualIps.map((v) => v.address)]),
    [7, ["10.0.0.1"]],
  ],
  [
    "comments only: no VRRP instance (keepalived runs idle)",
    "! nothing\n# here\n",
    "1:1: no VRRP instance configured; vigil runs idle until a reload adds one (as keepalived)",
    (c) => c.instances.length,
    0,
  ],
];

describe("keepalived tolerates it: a warning and keepalived's fallback", () => {
  for (const [name, text, warning, probe, expected] of KEEPALIVED_TOLERATED) {
    test(name, () => {
      const r = load(text);
      expect(brief(r.warnings)).toContain(warning);
      expect(probe(ok(r))).toEqual(expected);
    });
  }

  test("--strict makes each of them an error at the same place (advice that changes nothing stays a warning)", () => {
    const advice = new Set(["state MASTER without priority is the owner", "a repeated VIP counts twice"]);
    for (const [name, text, warning] of KEEPALIVED_TOLERATED) {
      if (advice.has(name)) {
        expect(brief(load(text, undefined, { strict: true }).warnings)).toContain(warning);
        continue;
      }
      const r = load(text, undefined, { strict: true });
      expect(brief(errors(r))).toContain(`${warning} (error under --strict)`);
    }
  });
});

describe("bad keepalived inputs", () => {
  for (const [name, text, expected] of KEEPALIVED_CASES) {
    test(name, () => {
      expect(brief(errors(load(text)))).toContain(expected);
    });
  }

  test("every problem is reported at once, in file order", () => {
    const r = load(
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 300\n priority 0\n advert_int abc\n virtual_ipaddress {\n  10.0.0.300\n }\n}\nvrrp_instance VI_2 {\n interface eth0\n}\n",
    );
    expect(brief(errors(r))).toEqual([
      "3:20: virtual_router_id 300 is out of range (1–255)",
      "10:1: vrrp_instance VI_2: missing virtual_router_id",
    ]);
    expect(brief(r.warnings)).toEqual([
      '1:1: vrrp_instance VI_1: no virtual_ipaddress configured; it runs without VIPs, as keepalived ("at least one is sensible")',
      "4:11: priority 0 is out of range (1–255); 100 used (as keepalived)",
      "5:13: advert_int: expected a number, got 'abc'; ignored (as keepalived)",
      "7:3: bad virtual address: '10.0.0.300' is not an IPv4 or IPv6 address; skipped (as keepalived)",
      '10:1: vrrp_instance VI_2: no virtual_ipaddress configured; it runs without VIPs, as keepalived ("at least one is sensible")',
    ]);
  });

  test("auth_pass over 8 characters is a warning and truncated, as keepalived", () => {
    const r = load(vi(" authentication {\n  auth_type PASS\n  auth_pass 0123456789\n }\n"));
    expect(ok(r).instances[0]!.authPass).toBe("01234567");
    expect(brief(r.warnings)).toEqual(["6:13: auth_pass is longer than 8 characters; only '01234567' is used (as keepalived)"]);
  });
});

const TOML_OK = `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = ["10.0.0.1/24"]\n`;

const TOML_CASES: [string, string, string][] = [
  ["syntax error (smol-toml position)", `[global]\nrouter_id = "r1\n${TOML_OK}`, "2:16: TOML syntax error: control characters are not allowed in strings"],
  ["duplicate key", `${TOML_OK}priority = 1\npriority = 2\n`, "7:1: TOML syntax error: trying to redefine an already defined table or value"],
  ["string instead of integer", `${TOML_OK}priority = "high"\n`, "6:12: priority: expected an integer, got a string"],
  ["float instead of integer", `${TOML_OK}priority = 1.5\n`, "6:12: priority: expected an integer, got 1.5"],
  ["unknown key", `${TOML_OK}priorty = 100\n`, "6:1: unknown key 'priorty' in [[instance]]; did you mean priority?"],
  ["unknown table", `[globl]\nlog = "info"\n${TOML_OK}`, "1:1: unknown table 'globl'; did you mean global?"],
  ["bool instead of string", `[global]\nhttp = false\n${TOML_OK}`, "2:8: http: expected a string, got a boolean"],
  ["bad log level", `[global]\nlog = "verbose"\n${TOML_OK}`, "2:7: log 'verbose' is not one of debug, info, warn, error"],
  ["bad http listen", `[global]\nhttp = "localhost"\n${TOML_OK}`, `2:8: http 'localhost' is not "host:port" ("[::1]:9650" for IPv6, "" to disable)`],
  [
    "range error in the second instance",
    `${TOML_OK}\n[[instance]]\nname = "B"\ninterface = "eth0"\nvirtual_router_id = 0\nvirtual_ipaddress = ["10.0.0.2/24"]\n`,
    "10:21: virtual_router_id 0 is out of range (1–255)",
  ],
  [
    "bad address in a multi-line array",
    `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = [\n  "10.0.0.1/24",\n  "10.0.0.x/24",\n]\n`,
    "7:4: bad virtual address: '10.0.0.x' is not an IPv4 or IPv6 address",
  ],
  [
    "bad option inside a string item",
    `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = ["10.0.0.1/24 dev eth0 lable x"]\n`,
    "5:44: unknown virtual address option 'lable'; did you mean label?",
  ],
  [
    "table item without address",
    `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = [{ dev = "eth0" }]\n`,
    "5:22: virtual_ipaddress: a table item needs a string 'address'",
  ],
  [
    "instance without name",
    `[[instance]]\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = ["10.0.0.1/24"]\n`,
    '1:1: [[instance]] needs name = "…"',
  ],
  ["instance is not an array of tables", `[instance]\nname = "A"\n`, "1:1: instance must be an array of tables ([[instance]]), got a table"],
];

describe("bad TOML inputs", () => {
  for (const [name, text, expected] of TOML_CASES) {
    test(name, () => {
      expect(brief(errors(load(text, "/virtual/vigil.toml")))).toContain(expected);
    });
  }
});

describe("files that are not configs", () => {
  test("missing file, directory, empty file", () => {
    expect(brief(errors(loadConfig("/nonexistent/vigil.toml")))).toEqual(["1:1: cannot read config: no such file"]);
    expect(brief(errors(loadConfig(tmp.path)))).toEqual(["1:1: is a directory, not a config file"]);
    expect(brief(errors(loadConfig(tmp.write("empty.conf", ""))))).toEqual(["1:1: config file is empty"]);
  });

  test("random binary bytes: one clear error", () => {
    const bytes = new Uint8Array(64 * 1024);
    let x = 7;
    for (let i = 0; i < bytes.length; i++) bytes[i] = x = (x * 1103515245 + 12345) & 0xff;
    bytes[100] = 0;
    const r = loadConfig(tmp.write("garbage.bin", bytes));
    expect(errors(r)).toHaveLength(1);
    expect(errors(r)[0]!.message).toBe("binary data (NUL byte): this is not a text config file");
  });

  test("a 10 MB file is refused quickly, from disk and from text", () => {
    const big = "# a long comment line that makes the file big, repeated many times\n".repeat(160000);
    expect(big.length).toBeGreaterThan(10_000_000);
    // Refused on its size alone: one error, nothing parsed (bench/check-bombs.ts times it).
    expect(brief(errors(loadConfig(tmp.write("big.conf", big))))).toEqual([
      `1:1: config is ${big.length} bytes; vigil reads at most ${MAX_CONFIG_BYTES} (is this the right file?)`,
    ]);
    expect(errors(loadConfigText(big, "/x/big.conf"))).toHaveLength(1);
  });

  test("a config just under the size limit (thousands of instances): every instance read, errors capped", () => {
    let s = "";
    let n = 0;
    while (s.length < MAX_CONFIG_BYTES - 200) {
      const block = `vrrp_instance VI_${n} {\n interface eth${n >> 8}\n virtual_router_id ${(n & 255) || 256}\n virtual_ipaddress {\n  10.${n >> 8}.${
        n & 255
      }.1/24\n }\n}\n`;
      if (s.length + block.length > MAX_CONFIG_BYTES - 200) break;
      s += block;
      n++;
    }
    const r = load(s);
    // vrid 256 every 256th instance: errors are reported, and capped
    expect(r.ok).toBe(false);
    expect(errors(r).length).toBeLessThanOrEqual(201);
  });

  test("pathological nesting and garbage text finish with a capped diagnostic list", () => {
    for (const text of ["{".repeat(1_000_000), "}".repeat(100_000), "a { b { c { ".repeat(50_000), `"${"x".repeat(1_000_000)}`]) {
      const r = load(text);
      // Only stray '}'s: keepalived's "Extra '}' found" each, and no instance: idle (warnings).
      if (text[0] === "}") expect(r.ok).toBe(true);
      else expect(errors(r).length).toBeLessThanOrEqual(MAX_ERRORS + 1);
      expect(r.warnings.length).toBeLessThanOrEqual(MAX_WARNINGS);
    }
  });
});
