// Every file of Debian's keepalived samples is read: VRRP parts into the model or into the expected
// errors, the rest as warnings; nothing throws. CI installs keepalived; missing samples fail the test.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { HostProbe } from "../../src/config/host.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { LoadResult, VigilConfig } from "../../src/config/schema.ts";
import { brief, errors, ok, SAMPLES_DIR } from "./helpers.ts";

const LVS_ONLY = [
  "HTTP_GET.port",
  "IPv6",
  "PING_CHECK",
  "SMTP_CHECK",
  "UDP_CHECK",
  "fwmark",
  "inhibit",
  "misc_check",
  "misc_check_arg",
  "quorum",
  "status_code",
  "virtual_server_group",
  "virtualhost",
].map((s) => `keepalived.conf.${s}`);

/** The samples name scripts under /etc/keepalived: a host where every script and user exists. */
const EVERYTHING: HostProbe = { executable: () => true, userExists: () => true, path: () => ["/bin"] };
const read = (name: string, configId = "testhost"): LoadResult => loadConfig(join(SAMPLES_DIR, name), { configId, host: EVERYTHING });
const inst = (c: VigilConfig, name: string) => c.instances.find((i) => i.name === name)!;
const addrs = (c: VigilConfig, name: string) => inst(c, name).virtualIps.map((v) => `${v.address}/${v.prefixLength}${v.dev ? " dev " + v.dev : ""}`);
const warned = (r: LoadResult, text: string) => r.warnings.some((w) => w.message.includes(text));

describe("keepalived samples", () => {
  test("the samples directory exists", () => {
    if (!existsSync(SAMPLES_DIR)) throw new Error(`${SAMPLES_DIR} is missing: apt-get install keepalived`);
    expect(readdirSync(SAMPLES_DIR).length).toBeGreaterThan(20);
  });

  const files = existsSync(SAMPLES_DIR) ? readdirSync(SAMPLES_DIR).sort() : [];
  for (const f of files) {
    test(`${f}: loads without throwing; every diagnostic has a position in the file`, () => {
      const r = read(f);
      const all = [...(r.ok ? [] : r.errors), ...r.warnings];
      for (const d of all) {
        expect(d.pos.file).toBe(join(SAMPLES_DIR, f));
        expect(d.pos.line).toBeGreaterThanOrEqual(1);
        expect(d.pos.col).toBeGreaterThanOrEqual(1);
        expect(d.message).not.toContain("internal error");
      }
    });
  }

  for (const f of LVS_ONLY) {
    test(`${f}: LVS only → skipped sections as warnings; no VRRP instance: runs idle with a warning (as keepalived)`, () => {
      const r = read(f);
      expect(r.ok).toBe(true);
      expect(brief(r.warnings)).toContain(`1:1: no VRRP instance configured; vigil runs idle until a reload adds one (as keepalived)`);
      expect(r.warnings.some((w) => /^section 'virtual_server.*' skipped: LVS is not part of vigil$/.test(w.message))).toBe(true);
    });
  }

  test("SMTP settings are one warning per global_defs, naming them", () => {
    const r = read("keepalived.conf.sample");
    const smtp = r.warnings.filter((w) => w.message.startsWith("SMTP settings skipped"));
    expect(brief(smtp)).toEqual([
      "4:4: SMTP settings skipped (notification_email, notification_email_from, smtp_server, smtp_connect_timeout): vigil sends no mail; use notify scripts",
    ]);
  });

  test("keepalived.conf.sample: nopreempt, host VIPs", () => {
    const c = ok(read("keepalived.conf.sample"));
    expect(c.global.routerId).toBe("LVS_DEVEL");
    expect(inst(c, "VI_1")).toMatchObject({ vrid: 50, priority: 100, preempt: false, initialState: "backup", advertIntervalCs: 100 });
    expect(addrs(c, "VI_1")).toEqual(["192.168.200.11/32", "192.168.200.12/32", "192.168.200.13/32"]);
  });

  test("keepalived.conf.SSL_GET: auth_type AH is warned and not used", () => {
    const r = read("keepalived.conf.SSL_GET");
    const c = ok(r);
    expect(inst(c, "VI_1").authPass).toBeUndefined();
    expect(inst(c, "VI_1").initialState).toBe("master");
    expect(brief(r.warnings)).toContain(
      "20:19: vrrp_instance VI_1: 'authentication AH' is read but not acted on by vigil yet; the instance runs without authentication",
    );
  });

  test("keepalived.conf.vrrp: four instances, PASS auth, garp delay, duplicate VIP warned", () => {
    const r = read("keepalived.conf.vrrp");
    const c = ok(r);
    expect(c.instances.map((i) => `${i.name}/${i.interface}/${i.vrid}/${i.priority}`)).toEqual([
      "VI_1/eth0/51/100",
      "VI_2/eth0/50/50",
      "VI_3/eth1/52/100",
      "VI_4/eth1/53/50",
    ]);
    expect(inst(c, "VI_1")).toMatchObject({ authPass: "1111", garpMasterDelayMs: 10000, initialState: "master" });
    expect(inst(c, "VI_2").authPass).toBeUndefined();
    // The sample lists 192.168.200.18 twice: keepalived keeps both (and advertises both).
    expect(addrs(c, "VI_1")).toEqual(["192.168.200.16/32", "192.168.200.17/32", "192.168.200.18/32", "192.168.200.18/32"]);
    expect(brief(r.warnings)).toContain("32:9: virtual address 192.168.200.18 is listed again; kept, as keepalived does (adverts carry it each time)");
    expect(r.warnings.filter((w) => w.message.includes("'smtp_alert'"))).toHaveLength(4);
  });

  test("keepalived.conf.vrrp.localcheck: scripts with defaults, weighted tracking", () => {
    const c = ok(read("keepalived.conf.vrrp.localcheck"));
    expect(c.instances).toHaveLength(9);
    expect(c.scripts.map((s) => [s.name, s.script, s.intervalMs, s.timeoutMs, s.weight, s.rise, s.fall])).toEqual([
      ["chk_sshd", "killall -0 sshd", 2000, 2000, -4, 2, 2],
      ["chk_haproxy", "killall -0 haproxy", 2000, 2000, 0, 1, 1],
      ["chk_http_port", "</dev/tcp/127.0.0.1/80", 1000, 1000, -2, 1, 1],
      ["chk_https_port", "</dev/tcp/127.0.0.1/443", 1000, 1000, -2, 1, 1],
      ["chk_smtp_port", "</dev/tcp/127.0.0.1/25", 1000, 1000, -2, 1, 1],
    ]);
    const vi1 = inst(c, "VI_1");
    expect(vi1.trackInterfaces.map((t) => [t.name, t.weight])).toEqual([["eth1", 2], ["eth2", -2], ["eth3", 0]]);
    expect(vi1.trackScripts.map((t) => [t.name, t.weight])).toEqual([["chk_sshd", undefined], ["chk_haproxy", 2], ["chk_http_port", undefined], [
      "chk_https_port",
      undefined,
    ], ["chk_smtp_port", undefined]]);
    expect(addrs(c, "VI_2")).toEqual(["192.168.201.18/26"]);
  });

  test("keepalived.conf.vrrp.sync: two sync groups, members know their group", () => {
    const c = ok(read("keepalived.conf.vrrp.sync"));
    expect(c.syncGroups.map((g) => [g.name, g.instances])).toEqual([
      ["G1", ["VI_1", "VI_2", "VI_5", "VI_6", "VI_7", "VI_8", "VI_9"]],
      ["G2", ["VI_3", "VI_4"]],
    ]);
    expect(c.syncGroups[0]!.notify).toEqual({
      backup: "/usr/local/bin/vrrp.back arg1 arg2",
      master: "/usr/local/bin/vrrp.mast arg1 arg2",
      fault: "/usr/local/bin/vrrp.fault arg1 arg2",
    });
    expect(inst(c, "VI_4").syncGroup).toBe("G2");
  });

  test("keepalived.conf.vrrp.scripts: quoted notify scripts keep their inner spacing", () => {
    const c = ok(read("keepalived.conf.vrrp.scripts"));
    expect(inst(c, "VI_1").notify).toEqual({
      backup: "/usr/local/bin/vrrp.sh  BACKUP   VI_1",
      master: "/usr/local/bin/vrrp.sh  MASTER  VI_1",
      fault: "/usr/local/bin/vrrp.sh  FAULT  VI_1",
    });
    expect(inst(c, "VI_2").syncGroup).toBe("G1");
  });

  test("keepalived.conf.vrrp.lvs_syncd: old sync-group syntax warns with a hint and the empty group is removed, as keepalived", () => {
    const r = read("keepalived.conf.vrrp.lvs_syncd");
    expect(brief(r.warnings)).toEqual(expect.arrayContaining([
      "3:1: vrrp_sync_group VG1 lists no instances (group { … } is missing or empty); the group is removed (as keepalived)",
      "4:3: unknown keyword 'VI_2' in vrrp_sync_group VG1, ignored (as keepalived) (member instances go inside group { … })",
      "5:3: unknown keyword 'VI_3' in vrrp_sync_group VG1, ignored (as keepalived) (member instances go inside group { … })",
    ]));
    expect(ok(r).syncGroups).toEqual([]);
    expect(warned(r, "'lvs_sync_daemon_interface' is read but not acted on")).toBe(true);
  });

  test("keepalived.conf.vrrp.routes: static_routes, src/via/gw/table, 'or' as multipath, blackhole", () => {
    const r = read("keepalived.conf.vrrp.routes");
    const c = ok(r);
    const routes = inst(c, "VI_1").virtualRoutes.map(({ pos: _p, ...x }) => x);
    expect(routes).toEqual([
      { to: "192.168.109.0/24", src: "192.168.100.1", via: "192.168.200.254", dev: "eth1" },
      { to: "192.168.110.0/24", via: "192.168.200.254", dev: "eth1" },
      { to: "192.168.111.0/24", dev: "eth2" },
      { to: "192.168.112.0/24", via: "192.168.100.254" },
      { to: "192.168.113.0/24", nexthops: [{ via: "192.168.100.252" }, { via: "192.168.100.253" }] },
      { to: "192.168.113.1/32", type: "blackhole" },
      { to: "0.0.0.0/0", via: "192.168.0.1", table: 100 },
    ]);
    expect(c.staticRoutes!.map(({ pos: _p, ...x }) => x)).toEqual([
      { to: "192.168.209.0/24", src: "192.168.100.1", via: "192.168.200.254", dev: "eth0" },
      { to: "192.168.210.0/24", via: "192.168.200.254", dev: "eth0" },
      { to: "192.168.211.0/24", via: "192.168.200.254", dev: "eth0" },
      { to: "192.168.212.0/24", dev: "eth3", options: { scope: 200 } },
      { to: "192.168.213.0/24", dev: "eth1", options: { scope: 253 } },
    ]);
    expect(brief(r.warnings)).toEqual([
      "30:46: 'or' for routes is deprecated (as keepalived says): read as 'nexthop via … nexthop via 192.168.100.253'",
    ]);
  });

  test("keepalived.conf.track_interface: VLAN interface, per-VIP dev, inline # comments", () => {
    const c = ok(read("keepalived.conf.track_interface"));
    const vi = inst(c, "VI_1");
    expect(vi.interface).toBe("eth0.1");
    expect(vi.trackInterfaces.map((t) => t.name)).toEqual(["eth0", "eth1"]);
    expect(addrs(c, "VI_1")).toEqual(["192.168.200.16/32", "192.168.200.17/32 dev eth1", "192.168.200.18/32 dev eth2"]);
  });

  test("keepalived.conf.vrrp.rules and .static_ipaddress: static sections and virtual_rules read as keepalived (the '192.168.100./24' typo skipped)", () => {
    const rules = read("keepalived.conf.vrrp.rules");
    const c = ok(rules);
    // keepalived 2.2.7: "Rule has no preference specified - setting to 16384", then 16383; the
    // typo lines "VRRP parsed invalid IP … / Invalid rule to address" and skipped.
    expect(c.staticRules!.map(({ pos: _p, ...x }) => x)).toEqual([{ family: 4, from: "192.168.100.0/24", table: 1, priority: 16384 }]);
    expect(inst(c, "VI_1").virtualRules!.map(({ pos: _p, ...x }) => x)).toEqual([{ family: 4, from: "192.168.200.0/24", table: 2, priority: 16383 }]);
    expect(brief(rules.warnings)).toEqual([
      "10:5: rule has no preference: 16384, as keepalived sets it (probably not what you want)",
      "11:8: invalid rule to address '192.168.100./24'; rule skipped (as keepalived)",
      "25:9: rule has no preference: 16383, as keepalived sets it (probably not what you want)",
      "26:12: invalid rule to address '192.168.200./24'; rule skipped (as keepalived)",
    ]);
    const st = read("keepalived.conf.vrrp.static_ipaddress");
    const sc = ok(st);
    expect(addrs(sc, "VI_1")).toEqual(["192.168.200.20/32"]);
    expect(sc.staticIps!.map((v) => `${v.address}/${v.prefixLength} ${v.dev} ${v.scope ?? ""}`.trim())).toEqual([
      "192.168.200.16/32 eth0 link",
      "192.168.200.17/32 eth1 link",
      "192.168.200.18/32 eth2",
    ]);
    expect(st.warnings).toEqual([]);
  });

  test("keepalived.conf.conditional_conf: '@high'/'@low' lines follow the config id", () => {
    const none = read("keepalived.conf.conditional_conf", "testhost");
    expect(brief(errors(none))).toEqual(["6:1: vrrp_script check_VI_0: missing script"]);
    expect(warned(none, "lines starting '@high' skipped: config id is 'testhost'")).toBe(true);
    for (const [id, prio] of [["high", 170], ["low", 85]] as const) {
      const r = read("keepalived.conf.conditional_conf", id);
      const c = ok(r);
      const vi = inst(c, "VI_0");
      expect(vi).toMatchObject({ priority: prio, version: 3, advertIntervalCs: 1200, useVmac: "vrrp.1", vrid: 1 });
      expect(vi.trackInterfaces.map((t) => [t.name, t.weight])).toEqual([["eth3", 0], ["eth2", 20]]);
      expect(c.scripts[0]).toMatchObject({ name: "check_VI_0", script: `/etc/keepalived/scripts/check_${id}_VI_0.sh`, timeoutMs: 10000, rise: 3, fall: 3 });
      expect(warned(r, "'net_namespace' is not supported")).toBe(true);
      expect(warned(r, "'use_vmac' is read but not acted on")).toBe(false); // acted on: a macvlan
    }
  });

  test("shell script and gzip files in the samples directory are clear errors", () => {
    expect(brief(errors(read("sample_notify_fifo.sh.gz")))[0]).toMatch(/^1:\d+: binary data \(NUL byte\): this is not a text config file$/);
    // keepalived would run it idle too; every line of it is a warning (and an error under --strict).
    const sh = read("sample.misccheck.smbcheck.sh").warnings;
    expect(sh.some((e) => e.message.startsWith("no VRRP instance configured"))).toBe(true);
    expect(read("sample.misccheck.smbcheck.sh").warnings.some((e) => e.message.startsWith("unknown top-level keyword 'if'"))).toBe(true);
  });
});
