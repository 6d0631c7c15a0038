// keepalived.conf syntax: comments, quotes, braces, includes (globs, positions in the included
// file), conditional lines and parameters.
import { afterAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { brief, errors, load, ok, TempDir } from "./helpers.ts";

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

const INSTANCE = (name: string, vrid: number, extra = "") =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  virtual_ipaddress {\n    10.0.${vrid}.1/24\n  }\n${extra}}\n`;

describe("keepalived syntax", () => {
  test("# and ! comments anywhere outside quotes; quotes keep # and spaces", () => {
    const c = ok(
      load(
        `! header\nvrrp_instance VI_1 { # trailing\n interface eth0 ! why\n virtual_router_id 9 #x\n notify_master "/bin/echo #not a comment  !"\n virtual_ipaddress {\n 10.0.0.1 ! vip\n }\n}\n`,
      ),
    );
    expect(c.instances[0]!.notify.master).toBe("/bin/echo #not a comment  !");
    expect(c.instances[0]!.vrid).toBe(9);
  });

  test('quoted pieces glue to their word (abcd" efg "mnop is one word), escapes work', () => {
    const c = ok(load(INSTANCE("VI_1", 1, `  notify abc" d e "f\n  notify_stop "tab\\there \\"q\\""\n`)));
    expect(c.instances[0]!.notify.any).toBe("abc d e f");
    expect(c.instances[0]!.notify.stop).toBe('tab\there "q"');
  });

  test("'{' on the next line, blocks on one line, CRLF line endings and a BOM", () => {
    const text =
      "\uFEFFvrrp_instance VI_1\r\n{\r\n interface eth0\r\n virtual_router_id 3\r\n virtual_ipaddress { 10.0.0.1/24 dev eth0 }\r\n track_interface { eth1 weight 5 }\r\n}\r\n";
    const c = ok(load(text));
    const i = c.instances[0]!;
    expect(i.virtualIps.map((v) => `${v.address} ${v.dev}`)).toEqual(["10.0.0.1 eth0"]);
    expect(i.trackInterfaces.map((t) => [t.name, t.weight])).toEqual([["eth1", 5]]);
  });

  test("include with a glob, relative to the including file; messages point into the included file", () => {
    const main = tmp.write("a/keepalived.conf", `global_defs {\n router_id r1\n}\ninclude conf.d/*.conf\n`);
    tmp.write("a/conf.d/10-vi1.conf", INSTANCE("VI_1", 1));
    tmp.write("a/conf.d/20-vi2.conf", `include ../more/{x,y}.conf\n`);
    tmp.write("a/more/x.conf", INSTANCE("VI_2", 2));
    const y = tmp.write(
      "a/more/y.conf",
      `vrrp_instance VI_3 {\n  interface eth0\n  virtual_router_id 3\n  priority 999\n  virtual_ipaddress {\n    10.0.3.1\n  }\n}\n`,
    );
    const r = loadConfig(main);
    expect(r.warnings.map((e) => `${e.pos.file}:${e.pos.line}:${e.pos.col}: ${e.message}`)).toEqual([
      `${y}:4:12: priority 999 is out of range (1–255); 100 used (as keepalived)`,
    ]);
    tmp.write("a/more/y.conf", INSTANCE("VI_3", 3));
    const c = ok(loadConfig(main));
    expect(c.instances.map((i) => i.name)).toEqual(["VI_1", "VI_2", "VI_3"]);
    expect(c.instances[1]!.pos.file).toBe(`${tmp.path}/a/more/x.conf`);
  });

  test("include of a missing file: a warning for include, an error for includea; loops are errors", () => {
    const main = tmp.write("b/k.conf", `${INSTANCE("VI_1", 1)}include /nonexistent/*.conf\nincludea missing.conf\ninclude loop.conf\n`);
    tmp.write("b/loop.conf", "include k.conf\n");
    const r = loadConfig(main);
    expect(brief(errors(r))).toEqual([
      "9:10: includea 'missing.conf': no such file (keepalived refuses this with 'includea')",
      "1:9: include loop: '" + main + "' is already being read",
    ]);
    expect(brief(r.warnings)).toContain("8:9: include '/nonexistent/*.conf': no file matches; nothing included (as keepalived with 'include')");
  });

  test("@id conditional lines, @^id negation, $PARAM and ${PARAM} substitution", () => {
    const text =
      `$PRIO=150\n$NET=10.9\n@r1 $ME=r1\n@^r1 $ME=other\nvrrp_instance VI_\${ME} {\n interface eth0\n virtual_router_id 4\n @r1 priority $PRIO\n @^r1 priority 50\n virtual_ipaddress {\n  \${NET}.0.1/16\n }\n}\n`;
    const r1 = ok(load(text, "/v/k.conf", { configId: "r1" }));
    expect(r1.instances[0]).toMatchObject({ name: "VI_r1", priority: 150 });
    expect(r1.instances[0]!.virtualIps[0]!.address).toBe("10.9.0.1");
    const r2 = load(text, "/v/k.conf", { configId: "r2" });
    expect(ok(r2).instances[0]).toMatchObject({ name: "VI_other", priority: 50 });
    expect(brief(r2.warnings)).toEqual(["3:1: lines starting '@r1' skipped: config id is 'r2' (set it with --config-id)"]);
  });

  test("multi-line parameters are refused with a clear error", () => {
    const r = load(`$X= \\\n  a \\\n  b\n${INSTANCE("VI_1", 1)}`);
    expect(brief(errors(r))).toContain("1:1: multi-line parameter definition $X is not supported by vigil");
  });

  test("~SEQ and ~LST lines expand as keepalived's (missing ~LST values are blank, variables stay set)", () => {
    const text =
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  ~SEQ(N, 1, 3) 10.0.0.${N}/24\n  ~LST({A, B}, {1, 2}, {3}) 10.1.${A}.${B}0\n  ~SEQx(H, 9, 11) fd00::${H}\n  10.2.0.${N}\n }\n}\n";
    const r = load(text);
    expect(ok(r).instances[0]!.virtualIps.map((v) => v.address)).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.1.1.20", "10.1.3.0", "10.2.0.3"]);
    expect(brief(r.warnings)).toEqual([
      "7:3: fd00::9 is IPv6 but the instance is IPv4 (its first address); ignored (as keepalived)",
      "7:3: fd00::a is IPv6 but the instance is IPv4 (its first address); ignored (as keepalived)",
      "7:3: fd00::b is IPv6 but the instance is IPv4 (its first address); ignored (as keepalived)",
    ]);
  });

  test("a keyword given twice warns that the last one wins", () => {
    const r = load(INSTANCE("VI_1", 1, "  priority 10\n  priority 20\n"));
    expect(ok(r).instances[0]!.priority).toBe(20);
    expect(brief(r.warnings)).toEqual(["8:3: priority given again (first at line 7); the last one wins"]);
  });

  test("keepalived defaults: version from global_defs, IPv6 switches to v3, garp globals fold in", () => {
    const c = ok(
      load(
        `global_defs {\n vrrp_version 3\n vrrp_garp_master_delay 2\n vrrp_garp_master_refresh 30\n v3_checksum_as_v2\n vrrp_rt_priority 20\n vrrp_no_swap\n}\n${
          INSTANCE("V4", 1, "  advert_int 0.05\n")
        }vrrp_instance V6 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  fe80::1/64\n  2001:DB8:0::1/64\n }\n}\n`,
      ),
    );
    const [v4, v6] = c.instances;
    expect(v4).toMatchObject({ version: 3, advertIntervalCs: 5, garpMasterDelayMs: 2000, garpMasterRefreshMs: 30000, v3Ipv4Checksum: "vrrp-only" });
    expect(v6).toMatchObject({ version: 3, family: 6 });
    expect(v6!.virtualIps.map((v) => v.address)).toEqual(["fe80::1", "2001:db8::1"]);
    expect(c.global).toMatchObject({ realtimePriority: 20, noSwap: true });
  });

  test("every vrrp_instance keyword a user writes is read into the model", () => {
    const c = ok(load(`vrrp_instance FULL {
  state MASTER
  interface eth0
  virtual_router_id 200
  priority 150
  advert_int 2
  version 2
  preempt_delay 12.5
  unicast_src_ip 10.1.0.1
  unicast_peer {
    10.1.0.2
    10.1.0.3 min_ttl 250
  }
  authentication {
    auth_type PASS
    auth_pass pw
  }
  virtual_ipaddress {
    10.1.0.254/24 brd + dev eth0 scope global label eth0:vip
  }
  virtual_ipaddress_excluded {
    2001:db8::254/64 dev eth1
  }
  virtual_routes {
    default via 10.1.0.9 dev eth0 metric 5 table main
  }
  garp_master_delay 1
  garp_master_repeat 3
  garp_master_refresh 10
  garp_master_refresh_repeat 2
  no_accept
  use_vmac vrrp200
  vmac_xmit_base
  v3_checksum_as_v2
  dont_track_primary
  mcast_src_ip 10.1.0.1
}
`));
    const { pos: _p, virtualIps, excludedVips, virtualRoutes, ...rest } = c.instances[0]!;
    expect(rest).toStrictEqual({
      name: "FULL",
      interface: "eth0",
      vrid: 200,
      priority: 150,
      advertIntervalCs: 200,
      version: 2,
      family: 4,
      initialState: "master",
      preempt: true,
      preemptDelayMs: 0, /* keepalived clears it under state MASTER */
      authPass: "pw",
      unicastSrcIp: "10.1.0.1",
      unicastPeers: ["10.1.0.2", "10.1.0.3"],
      trackInterfaces: [],
      trackScripts: [],
      trackFiles: [],
      notify: {},
      garpMasterDelayMs: 1000,
      garpMasterRepeat: 3,
      garpMasterRefreshMs: 10000,
      garpMasterRefreshRepeat: 2,
      garpIntervalMs: 0,
      gnaIntervalMs: 0,
      garpLowerPrioRepeat: 5,
      garpLowerPrioDelayMs: 5000,
      lowerPrioNoAdvert: false,
      accept: false,
      useVmac: "vrrp200",
      vmacXmitBase: true,
      v3Ipv4Checksum: "vrrp-only",
      dontTrackPrimary: true,
      mcastSrcIp: "10.1.0.1",
    } as never);
    expect(virtualIps.map(({ pos: _, ...v }) => v)).toStrictEqual(
      [{ address: "10.1.0.254", prefixLength: 24, family: 4, dev: "eth0", scope: "global", label: "eth0:vip", broadcast: "10.1.0.255" }] as never,
    );
    expect(excludedVips.map(({ pos: _, ...v }) => v)).toStrictEqual([{ address: "2001:db8::254", prefixLength: 64, family: 6, dev: "eth1" }] as never);
    expect(virtualRoutes.map(({ pos: _, ...v }) => v)).toStrictEqual([{ to: "default", via: "10.1.0.9", dev: "eth0", metric: 5, table: 254 }] as never);
  });
});
