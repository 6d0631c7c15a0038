// keepalived keywords vigil used to read and ignore, now acted on: higher_prio_send_advert,
// garp_extra_if, garp_group, and the route / rule options. Each: read with keepalived 2.2.7's
// defaults and resets, no warning, and kept by `vigil convert` both ways.
import { describe, expect, test } from "bun:test";
import { toToml } from "../../src/config/convert.ts";
import { toKeepalived } from "../../src/config/convert-keepalived.ts";
import { load, ok } from "./helpers.ts";

const inst = (body: string, name = "A", vrid = 1) =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n${body}  virtual_ipaddress {\n    10.99.0.${vrid}/24\n  }\n}\n`;

const IDLE = /^no VRRP instance configured/;
const warned = (r: ReturnType<typeof load>) => r.warnings.map((w) => w.message).filter((m) => !IDLE.test(m));
const warnings = (text: string) => {
  const r = load(text);
  return r.ok ? warned(r) : r.errors.map((e) => `error: ${e.message}`);
};

/** keepalived.conf → TOML → model, and model → keepalived.conf → model: the same instances. */
function roundTrip(text: string) {
  const cfg = ok(load(text));
  const viaToml = ok(load(toToml(cfg), "/virtual/vigil.toml"));
  const viaKa = ok(load(toKeepalived(cfg)));
  return { cfg, viaToml, viaKa };
}

describe("higher_prio_send_advert", () => {
  test("instance keyword, global default, bare = on; no warning", () => {
    const text = `global_defs {\n  vrrp_higher_prio_send_advert\n}\n` + inst("") + inst("  higher_prio_send_advert off\n", "B", 2);
    expect(warnings(text)).toEqual([]);
    const { cfg, viaToml, viaKa } = roundTrip(text);
    expect(cfg.instances.map((i) => i.higherPrioSendAdvert ?? false)).toEqual([true, false]);
    for (const c of [viaToml, viaKa]) expect(c.instances.map((i) => i.higherPrioSendAdvert ?? false)).toEqual([true, false]);
  });

  test("vrrp_strict resets it, with keepalived's warning for an instance that sets it", () => {
    const text = `global_defs {\n  vrrp_strict\n  vrrp_higher_prio_send_advert\n}\n` + inst("  higher_prio_send_advert\n") + inst("", "B", 2);
    const cfg = ok(load(text));
    expect(cfg.instances.map((i) => i.higherPrioSendAdvert ?? false)).toEqual([false, false]);
    expect(warnings(text).filter((w) => w.includes("higher_prio_send_advert"))).toEqual([
      "higher_prio_send_advert under vrrp_strict; reset (as keepalived)",
    ]);
  });
});

const strip = <T extends { pos?: unknown }>(xs: T[] | undefined) => (xs ?? []).map(({ pos: _p, ...x }) => x);

describe("route options (keepalived 2.2.7's)", () => {
  const text = `static_routes {
  10.99.50.0/24 dev eth0 table 6909 tos 0x04 scope link mtu lock 1000 rtt 2s rttvar 80 rto_min 400 features ecn congctl lock reno quickack 1 realms 3/20
  10.99.51.0/24 via 10.99.0.2 realms 7 protocol bird no_track
  2001:db8:50::/64 dev eth0 pref high expires 30 fastopen_no_cookie 1 append
  10.99.52.0/24 nexthop via 10.99.0.2 dev eth0 onlink weight 1 nexthop via 10.99.0.3 dev eth0 onlink weight 2 realms 5
  10.99.53.0/24 dev eth0 protocol 99
}
`;
  test("read into the model, values in keepalived's units (bare rttvar in 1/4 ms, raised to 200 ms)", () => {
    const r = load(text);
    expect(strip(ok(r).staticRoutes)).toEqual([
      {
        to: "10.99.50.0/24",
        dev: "eth0",
        table: 6909,
        options: {
          tos: 4,
          scope: 253,
          metrics: { mtu: 1000, rtt: 2000, rttvar: 200, rto_min: 400, quickack: 1 },
          locked: ["mtu", "congctl"],
          ecn: true,
          congctl: "reno",
          realms: (3 << 16) | 20,
        },
      },
      { to: "10.99.51.0/24", via: "10.99.0.2", options: { realms: 7, protocol: 12, noTrack: true } },
      { to: "2001:db8:50::/64", dev: "eth0", options: { pref: "high", expires: 30, metrics: { fastopen_no_cookie: 1 }, append: true } },
      {
        to: "10.99.52.0/24",
        nexthops: [{ via: "10.99.0.2", dev: "eth0", onlink: true, weight: 1 }, { via: "10.99.0.3", dev: "eth0", onlink: true, weight: 2, realms: 5 }],
      },
      { to: "10.99.53.0/24", dev: "eth0" },
    ]);
    expect(warned(r)).toEqual([
      "rttvar 80 is below the minimum 200ms: 200ms (as keepalived)",
      "route protocol 99 without no_track: reset to keepalived (18), as keepalived does for a route it tracks",
    ]);
  });

  test("vigil convert keeps them both ways", () => {
    const { cfg, viaToml, viaKa } = roundTrip(text);
    expect(strip(viaToml.staticRoutes)).toEqual(strip(cfg.staticRoutes));
    expect(strip(viaKa.staticRoutes)).toEqual(strip(cfg.staticRoutes));
  });

  test("TOML tables take the flags as `= true`", () => {
    const c = ok(load(`static_routes = [{ to = "10.99.60.0/24", via = "10.99.0.2", onlink = true, no_track = true, protocol = 12 }]\n`, "/t/vigil.toml"));
    expect(strip(c.staticRoutes)).toEqual([{ to: "10.99.60.0/24", via: "10.99.0.2", options: { onlink: true, noTrack: true, protocol: 12 } }]);
  });

  test("what keepalived refuses skips the route, as keepalived (a warning); TOML refuses it", () => {
    const bad = [
      "10.99.1.0/24 dev eth0 hoplimit lock 5",
      "10.99.2.0/24 dev eth0 quickack 2",
      "10.99.3.0/24 dev eth0 pref low",
      "10.99.4.0/24 dev eth0 expires 30",
      "10.99.5.0/24 dev eth0 tos 0x100",
      "10.99.6.0/24 dev eth0 realms 3/",
      "10.99.7.0/24 dev eth0 inet6",
    ];
    const r = load(`static_routes {\n${bad.map((l) => `  ${l}\n`).join("")}}\n`);
    expect(ok(r).staticRoutes ?? []).toEqual([]);
    expect(warned(r)).toHaveLength(bad.length);
    for (const l of bad) expect(load(`static_routes = ["${l}"]\n`, "/t/vigil.toml").ok).toBe(false);
  });

  test("vrf and track_group stay warned: vigil has neither", () => {
    const w = warnings(`static_routes {\n  10.99.1.0/24 dev eth0 vrf blue\n  10.99.2.0/24 dev eth0 track_group G\n}\n`);
    expect(w).toEqual(["route option 'vrf blue' is not supported by vigil; ignored", "route option 'track_group G' is not supported by vigil; ignored"]);
  });
});

describe("rule options (keepalived 2.2.7's)", () => {
  const text = `static_rules {
  from 10.99.28.0/24 to 10.99.29.0/26 table 100 iif eth0 oif eth0 tos 0x10 fwmark 24/12 preference 39 realms 30/20
  from 10.99.30.0/24 preference 38 goto 39
  to 2001:db8:1::/112 from 2001:db8:2::/96 table 6908 uidrange 10000-19999 preference 41
  to 2001:db8:3::/112 from 2001:db8:4::/96 l3mdev ipproto udp sport 10-20 dport 20-30 preference 42
  from 10.99.31.0/24 table 101 suppress_prefixlength 2 suppress_ifgroup 3 preference 43
  from 10.99.33.0/24 preference 45 nop
  from 10.99.34.0/24 preference 46 table 100 protocol 12 no_track
  from 10.99.36.0/24 preference 48 table 100 dport 80
  from 10.99.37.0/24 preference 49 table 100 protocol 12
}
`;
  test("read into the model; a bad dport and a tracked rule's protocol dropped with keepalived's warnings", () => {
    const r = load(text);
    expect(strip(ok(r).staticRules)).toEqual([
      {
        family: 4,
        from: "10.99.28.0/24",
        to: "10.99.29.0/26",
        table: 100,
        iif: "eth0",
        oif: "eth0",
        tos: 16,
        fwmark: 24,
        fwmask: 12,
        priority: 39,
        realms: (30 << 16) | 20,
      },
      { family: 4, from: "10.99.30.0/24", priority: 38, action: "goto", goto: 39 },
      { family: 6, to: "2001:db8:1::/112", from: "2001:db8:2::/96", table: 6908, uidRange: [10000, 19999], priority: 41 },
      { family: 6, to: "2001:db8:3::/112", from: "2001:db8:4::/96", l3mdev: true, ipProto: 17, sportRange: [10, 20], dportRange: [20, 30], priority: 42 },
      { family: 4, from: "10.99.31.0/24", table: 101, suppressPrefixLength: 2, suppressIfgroup: 3, priority: 43 },
      { family: 4, from: "10.99.33.0/24", priority: 45, action: "nop" },
      { family: 4, from: "10.99.34.0/24", priority: 46, table: 100, protocol: 12, noTrack: true },
      { family: 4, from: "10.99.36.0/24", priority: 48, table: 100 },
      { family: 4, from: "10.99.37.0/24", priority: 49, table: 100 },
    ]);
    expect(warned(r)).toEqual([
      "invalid dport range 80 (keepalived wants A-B); option ignored (as keepalived)",
      "rule protocol 12 without no_track: reset to keepalived (18), as keepalived does for a rule it tracks",
    ]);
  });

  test("vigil convert keeps them both ways", () => {
    const { cfg, viaToml, viaKa } = roundTrip(text);
    expect(strip(viaToml.staticRules)).toEqual(strip(cfg.staticRules));
    expect(strip(viaKa.staticRules)).toEqual(strip(cfg.staticRules));
  });

  test("skipped as keepalived skips them: two actions (even two tables), goto backwards, tun_id, a bad uidrange", () => {
    const bad = [
      "from 10.99.1.0/24 preference 60 table 100 goto 80",
      "from 10.99.5.0/24 preference 63 table 100 table 101",
      "from 10.99.6.0/24 preference 64 blackhole table 100",
      "from 10.99.7.0/24 preference 67 table 100 l3mdev",
      "from 10.99.2.0/24 preference 40 goto 39",
      "from 10.99.3.0/24 preference 61 table 100 tun_id 5",
      "from 10.99.4.0/24 preference 62 table 100 uidrange 10",
    ];
    const r = load(`static_rules {\n${bad.map((l) => `  ${l}\n`).join("")}}\n`);
    expect(ok(r).staticRules ?? []).toEqual([]);
    expect(warned(r)).toHaveLength(bad.length);
  });
});

describe("garp_extra_if (and vrrp_garp_extra_if, the deprecated vmac_garp_intvl names)", () => {
  const text = `global_defs {\n  vrrp_garp_extra_if all 100\n}\n` + inst("") + inst("  garp_extra_if 60\n", "B", 2) + inst("  vmac_garp_intvl 0\n", "C", 3);
  test("own value first, else the global's with its `all`; 0 = off", () => {
    const cfg = ok(load(text));
    expect(cfg.instances.map((i) => i.garpExtraIf)).toEqual([{ intervalSec: 100, all: true }, { intervalSec: 60, all: false }, undefined]);
    expect(warnings(text)).toEqual(["'vmac_garp_intvl' is deprecated, use 'garp_extra_if' (as keepalived says)"]);
  });
  test("vigil convert keeps it both ways (TOML garp_extra_if + garp_extra_if_all; keepalived `garp_extra_if 100 all`)", () => {
    const { cfg, viaToml, viaKa } = roundTrip(text);
    expect(toToml(cfg)).toContain("garp_extra_if = 100\ngarp_extra_if_all = true");
    expect(toKeepalived(cfg)).toContain("garp_extra_if 100 all");
    for (const c of [viaToml, viaKa]) expect(c.instances.map((i) => i.garpExtraIf)).toEqual(cfg.instances.map((i) => i.garpExtraIf));
  });
  test("a line keepalived ignores: no time, a bad word", () => {
    const r = load(inst("  garp_extra_if all\n") + inst("  garp_extra_if 10 often\n", "B", 2));
    expect(ok(r).instances.map((i) => i.garpExtraIf)).toEqual([undefined, undefined]);
    expect(warned(r)).toEqual([
      "garp_extra_if specified without time; ignored (as keepalived)",
      "garp_extra_if: 'often' invalid (all, or seconds 0–86400); ignored (as keepalived)",
    ]);
  });
});

describe("garp_group", () => {
  const text = `global_defs {\n  vrrp_garp_interval 0.01\n}
garp_group {
  garp_interval 0.2
  gna_interval 0.3
  interfaces {
    eth1
    eth2
  }
}
garp_group {
  garp_interval 0.05
  interface eth3
}
` + inst("").replace("eth0", "eth1") + inst("", "B", 2).replace("eth0", "eth3") + inst("  garp_interval 0.5\n", "C", 3).replace("eth0", "eth2") +
    inst("", "D", 4).replace("eth0", "eth4");
  test("the group of the instance's interface sets its intervals (over the global; the instance's own wins) and, over several interfaces, one pace", () => {
    const cfg = ok(load(text));
    expect(cfg.instances.map((i) => [i.name, i.garpIntervalMs, i.gnaIntervalMs, i.garpGroup])).toEqual([
      ["A", 200, 300, 0],
      ["B", 50, 0, undefined],
      ["C", 500, 300, 0],
      ["D", 10, 0, undefined],
    ]);
    expect(strip(cfg.garpGroups)).toEqual([
      { garpIntervalMs: 200, gnaIntervalMs: 300, interfaces: ["eth1", "eth2"], list: true },
      { garpIntervalMs: 50, interfaces: ["eth3"] },
    ]);
    expect(warnings(text)).toEqual([]);
  });
  test("vigil convert keeps it both ways ([[garp_group]] in TOML)", () => {
    const { cfg, viaToml, viaKa } = roundTrip(text);
    expect(toToml(cfg)).toContain('[[garp_group]]\ngarp_interval = 0.2\ngna_interval = 0.3\ninterfaces = ["eth1", "eth2"]');
    expect(strip(viaToml.garpGroups)).toEqual(strip(cfg.garpGroups));
    expect(strip(viaKa.garpGroups)).toEqual(strip(cfg.garpGroups));
    expect(viaToml.instances.map((i) => i.garpGroup)).toEqual(cfg.instances.map((i) => i.garpGroup));
  });
  test("an interface in two groups: the second ignored, as keepalived; a group without interface ignored", () => {
    const r = load(
      `garp_group {\n  garp_interval 0.1\n  interface eth1\n}\ngarp_group {\n  garp_interval 0.2\n  interface eth1\n}\n` + inst("").replace("eth0", "eth1"),
    );
    expect(strip(ok(r).garpGroups)).toEqual([{ garpIntervalMs: 100, interfaces: ["eth1"] }]);
    expect(warned(r)).toEqual(["garp_group has no interface; ignored (as keepalived)", "garp_group already specified for eth1; ignored (as keepalived)"]);
  });
});
