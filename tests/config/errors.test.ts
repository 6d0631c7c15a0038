// A table of bad inputs: each must give a clear message at the right line:col, all problems at once,
// no exception and no hang.
import { afterAll, describe, expect, test } from "bun:test";
import { loadConfig, loadConfigText, MAX_CONFIG_BYTES } from "../../src/config/load.ts";
import { TempDir, brief, errors, load, ok } from "./helpers.ts";

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

const vi = (body: string) => `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n${body} virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n`;

// [name, config text, expected "line:col: message" that must be among the errors]
const KEEPALIVED_CASES: [string, string, string][] = [
  ["unclosed brace", "vrrp_instance VI_1 {\n interface eth0\n", "1:20: '{' of 'vrrp_instance' is never closed (missing '}')"],
  ["stray closing brace", `${vi("")}}\n`, "8:1: unexpected '}' with no open block"],
  ["integer expected", vi(" priority high\n"), "4:11: priority: expected an integer, got 'high'"],
  ["priority out of range", vi(" priority 256\n"), "4:11: priority 256 is out of range (1–255)"],
  ["priority zero", vi(" priority 0\n"), "4:11: priority 0 is out of range (1–255)"],
  ["vrid out of range", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 256\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n", "3:20: virtual_router_id 256 is out of range (1–255)"],
  ["v2 fractional advert", vi(" advert_int 0.5\n"), "4:13: advert_int 0.5 is invalid for VRRPv2: whole seconds 1–255 (fractions need version 3)"],
  ["v2 advert too long", vi(" advert_int 256\n"), "4:13: advert_int 256 is invalid for VRRPv2: whole seconds 1–255 (fractions need version 3)"],
  ["v3 advert too long", vi(" version 3\n advert_int 41\n"), "5:13: advert_int 41 is out of range for VRRPv3 (0.01–40.95 s)"],
  ["v3 advert too short", vi(" version 3\n advert_int 0.001\n"), "5:13: advert_int 0.001 is out of range for VRRPv3 (0.01–40.95 s)"],
  ["bad version", vi(" version 4\n"), "4:10: version 4 is not 2 or 3"],
  ["bad state", vi(" state PRIMARY\n"), "4:8: state 'PRIMARY' is not MASTER or BACKUP"],
  ["extra value", vi(" priority 100 200\n"), "4:15: priority: unexpected '200' after the value"],
  ["missing value", vi(" priority\n"), "4:2: priority: missing value (priority NUMBER)"],
  ["unknown keyword", vi(" priorty 100\n"), "4:2: unknown keyword 'priorty' in vrrp_instance VI_1; did you mean priority?"],
  ["unknown top-level", "vrrp_instanse VI_1 {\n}\n", "1:1: unknown top-level keyword 'vrrp_instanse'; did you mean vrrp_instance?"],
  ["unknown global", "global_defs {\n routr_id x\n}\n", "2:2: unknown keyword 'routr_id' in global_defs; did you mean router_id?"],
  ["bad IPv4", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  192.168.0.256/24\n }\n}\n", "5:3: bad virtual address: '192.168.0.256' is not an IPv4 or IPv6 address"],
  ["bad prefix", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1/33\n }\n}\n", "5:3: bad virtual address: prefix length '/33' is out of range for IPv4 (0–32)"],
  ["bad IPv6", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n version 3\n virtual_ipaddress {\n  2001:db8:::1/64\n }\n}\n", "6:3: bad virtual address: '2001:db8:::1' is not an IPv4 or IPv6 address"],
  ["multicast VIP", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  224.0.0.18\n }\n}\n", "5:3: virtual address 224.0.0.18 must be a unicast address"],
  ["VIP option typo", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1/24 dve eth0\n }\n}\n", "5:15: unknown virtual address option 'dve'; did you mean dev?"],
  ["bad scope", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1/24 scope galaxy\n }\n}\n", "5:21: scope 'galaxy' is not one of global, site, link, host, nowhere"],
  ["IPv6 with version 2", "vrrp_instance V6 {\n interface eth0\n virtual_router_id 1\n version 2\n virtual_ipaddress {\n  fe80::1/64\n }\n}\n", "4:10: vrrp_instance V6: IPv6 VIPs require version 3 (VRRPv2 is IPv4 only)"],
  ["mixed families", "vrrp_instance M {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1/24\n  2001:db8::1/64\n }\n}\n", "6:3: vrrp_instance M: 2001:db8::1 is IPv6 but the first VIP is IPv4; put other-family addresses in virtual_ipaddress_excluded"],
  ["unicast peer family", vi(" unicast_peer {\n  2001:db8::2\n }\n"), "5:3: unicast_peer 2001:db8::2 is IPv6 but the instance's VIPs are IPv4"],
  ["unicast src not an IP", vi(" unicast_src_ip eth0\n"), "4:17: unicast_src_ip 'eth0' is not an IP address"],
  ["missing interface", "vrrp_instance VI_1 {\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n", "1:1: vrrp_instance VI_1: missing interface"],
  ["missing VIPs", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n}\n", "1:1: vrrp_instance VI_1: no virtual_ipaddress configured"],
  ["missing vrid", "vrrp_instance VI_1 {\n interface eth0\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n", "1:1: vrrp_instance VI_1: missing virtual_router_id"],
  ["interface name too long", "vrrp_instance VI_1 {\n interface averyveryverylongname0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n", "2:12: interface 'averyveryverylongname0' is not a valid interface name (1–15 characters, no '/', ':' or spaces)"],
  ["duplicate vrid", `${vi("")}vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.2/24\n }\n}\n`, "10:20: virtual_router_id 1 on eth0 (IPv4) is already used by vrrp_instance VI_1 (line 1)"],
  ["duplicate instance name", `${vi("")}vrrp_instance VI_1 {\n interface eth1\n virtual_router_id 2\n virtual_ipaddress {\n  10.0.1.2/24\n }\n}\n`, "8:15: vrrp_instance 'VI_1' is defined twice (first at line 1)"],
  ["unknown track_script", `vrrp_script chk_web {\n script /bin/true\n}\n${vi(" track_script {\n  chk_wbe\n }\n")}`, "8:3: track_script 'chk_wbe' in vrrp_instance VI_1: no vrrp_script with that name; did you mean chk_web?"],
  ["sync group unknown instance", `${vi("")}vrrp_sync_group G {\n group {\n  VI_1\n  VI_9\n }\n}\n`, "11:3: vrrp_sync_group G: unknown vrrp_instance 'VI_9'; did you mean VI_1?"],
  ["auth_type unknown", vi(" authentication {\n  auth_type MD5\n  auth_pass x\n }\n"), "5:13: auth_type 'MD5' is not PASS or AH"],
  ["unterminated quote", vi(' notify_master "/bin/true\n'), "4:16: unterminated \" quote"],
  ["block where a value belongs", vi(" priority {\n }\n"), "4:11: priority does not take a { … } block"],
  ["track weight out of range", vi(" track_interface {\n  eth1 weight 300\n }\n"), "5:15: track_interface weight 300 is out of range (-253–253)"],
  ["empty file", "", "1:1: config file is empty"],
  ["only whitespace", "  \n\t\n", "1:1: config file is empty"],
  ["comments only", "! nothing\n# here\n", "1:1: no VRRP instance configured (vrrp_instance); nothing for vigil to run"],
  ["binary garbage", "vrrp_instance VI_1 {\n\x00\x01\x02\xff\xfe\n}\n", "2:1: binary data (NUL byte): this is not a text config file"],
];

describe("bad keepalived inputs", () => {
  for (const [name, text, expected] of KEEPALIVED_CASES) {
    test(name, () => {
      expect(brief(errors(load(text)))).toContain(expected);
    });
  }

  test("every problem is reported at once, in file order", () => {
    const r = load("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 300\n priority 0\n advert_int abc\n virtual_ipaddress {\n  10.0.0.300\n }\n}\n");
    expect(brief(errors(r))).toEqual([
      "3:20: virtual_router_id 300 is out of range (1–255)",
      "4:11: priority 0 is out of range (1–255)",
      "5:13: advert_int: expected a number, got 'abc'",
      "7:3: bad virtual address: '10.0.0.300' is not an IPv4 or IPv6 address",
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
  ["range error in the second instance", `${TOML_OK}\n[[instance]]\nname = "B"\ninterface = "eth0"\nvirtual_router_id = 0\nvirtual_ipaddress = ["10.0.0.2/24"]\n`, "10:21: virtual_router_id 0 is out of range (1–255)"],
  ["bad address in a multi-line array", `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = [\n  "10.0.0.1/24",\n  "10.0.0.x/24",\n]\n`, "7:4: bad virtual address: '10.0.0.x' is not an IPv4 or IPv6 address"],
  ["bad option inside a string item", `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = ["10.0.0.1/24 dev eth0 lable x"]\n`, "5:44: unknown virtual address option 'lable'; did you mean label?"],
  ["table item without address", `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = [{ dev = "eth0" }]\n`, "5:22: virtual_ipaddress: a table item needs a string 'address'"],
  ["v2 fractional advert", `${TOML_OK}advert_int = 0.5\n`, "6:14: advert_int 0.5 is invalid for VRRPv2: whole seconds 1–255 (fractions need version 3)"],
  ["instance without name", `[[instance]]\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = ["10.0.0.1/24"]\n`, '1:1: [[instance]] needs name = "…"'],
  ["instance is not an array of tables", `[instance]\nname = "A"\n`, "1:1: instance must be an array of tables ([[instance]]), got a table"],
  ["unknown track_script", `${TOML_OK}track_script = ["chk"]\n\n[[vrrp_script]]\nname = "chk_x"\nscript = "/bin/true"\n`, "6:18: track_script 'chk' in vrrp_instance A: no vrrp_script with that name; did you mean chk_x?"],
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
    const t0 = performance.now();
    expect(brief(errors(loadConfig(tmp.write("big.conf", big))))).toEqual([`1:1: config is ${big.length} bytes; vigil reads at most ${MAX_CONFIG_BYTES} (is this the right file?)`]);
    expect(errors(loadConfigText(big, "/x/big.conf"))).toHaveLength(1);
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  test("a config just under the size limit (thousands of instances) loads in seconds", () => {
    let s = "";
    let n = 0;
    while (s.length < MAX_CONFIG_BYTES - 200) {
      const block = `vrrp_instance VI_${n} {\n interface eth${n >> 8}\n virtual_router_id ${(n & 255) || 256}\n virtual_ipaddress {\n  10.${n >> 8}.${n & 255}.1/24\n }\n}\n`;
      if (s.length + block.length > MAX_CONFIG_BYTES - 200) break;
      s += block;
      n++;
    }
    const t0 = performance.now();
    const r = load(s);
    expect(performance.now() - t0).toBeLessThan(5000);
    // vrid 256 every 256th instance: errors are reported, and capped
    expect(r.ok).toBe(false);
    expect(errors(r).length).toBeLessThanOrEqual(201);
  });

  test("pathological nesting and garbage text finish fast with a capped error list", () => {
    for (const text of ["{".repeat(1_000_000), "}".repeat(100_000), "a { b { c { ".repeat(50_000), `"${"x".repeat(1_000_000)}`]) {
      const t0 = performance.now();
      const r = load(text);
      expect(r.ok).toBe(false);
      expect(errors(r).length).toBeLessThanOrEqual(201);
      expect(performance.now() - t0).toBeLessThan(3000);
    }
  });
});
