// static_ipaddress / static_routes / static_rules (top level), virtual_rules (instance), typed and
// multipath routes: read as keepalived 2.2.7 reads them (each outcome below was checked with
// `keepalived -t`: the same lines skipped, the same automatic rule preferences), their TOML forms,
// and `vigil convert` both ways giving the same model back.
import { describe, expect, test } from "bun:test";
import { toToml } from "../../src/config/convert.ts";
import { toKeepalived } from "../../src/config/convert-keepalived.ts";
import { brief, errors, load, ok, roundTrip, stripPositions } from "./helpers.ts";

const CONF = `static_ipaddress {
    192.168.200.16 dev eth0 scope link
    192.168.100./24 dev eth0
    2001:db8::16/64 dev eth1
}
static_routes {
    192.168.109.0/24 via 192.168.200.254 dev eth1
    blackhole 10.9.0.0/16
    unreachable 10.8.0.0/16 table 100
    10.7.0.0/16 nexthop via 192.168.200.1 dev eth0 weight 2 nexthop via 192.168.200.2 dev eth1
    10.6.0.0/16 bogus 3
    192.168.300.0/24 dev eth0
    throw 10.5.0.0/16
    prohibit 10.4.0.0/16 metric 5
}
static_rules {
    from 192.168.2.0/24 table 100
    from 192.168.3.0/24 to 10.0.0.0/8 priority 100 table 101
    from 192.168.4.0/24
    from 192.168.5./24 table 3
    fwmark 0x10/0xff table 102
    from all to 1.2.3.4 blackhole
    not from 10.0.0.0/8 lookup main
    from 2001:db8::/32 table 5
    iif eth0 table 6 pref 7
    from 1.2.3.0/24 table 0
    bogus 4 table 8
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        192.168.200.20
    }
    virtual_routes {
        blackhole 10.3.0.0/16
        10.2.0.0/16 via 192.168.200.1 or 192.168.200.2
    }
    virtual_rules {
        from 192.168.200.20 table 100
        to 10.0.0.0/8 fwmark 3
        iifname eth0 oif eth1 order 50 prohibit
    }
}
`;

const strip = <T extends { pos?: unknown }>(xs: T[] | undefined) => (xs ?? []).map(({ pos: _p, ...x }) => x);

describe("keepalived.conf: statics, rules, typed and multipath routes", () => {
  const r = load(CONF);
  const c = ok(r);

  test("static_ipaddress: the typo line skipped, the others kept with dev and scope", () => {
    expect(c.staticIps!.map((v) => `${v.address}/${v.prefixLength} ${v.dev} ${v.scope ?? "-"}`)).toEqual([
      "192.168.200.16/32 eth0 link",
      "2001:db8::16/64 eth1 -",
    ]);
  });

  test("static_routes: typed, multipath; an unknown option or a bad destination skips the route", () => {
    expect(strip(c.staticRoutes)).toEqual([
      { to: "192.168.109.0/24", via: "192.168.200.254", dev: "eth1" },
      { to: "10.9.0.0/16", type: "blackhole" },
      { to: "10.8.0.0/16", type: "unreachable", table: 100 },
      { to: "10.7.0.0/16", nexthops: [{ via: "192.168.200.1", dev: "eth0", weight: 2 }, { via: "192.168.200.2", dev: "eth1" }] },
      { to: "10.5.0.0/16", type: "throw" },
      { to: "10.4.0.0/16", type: "prohibit", metric: 5 },
    ]);
  });

  test("static_rules and virtual_rules: keepalived's automatic preferences (16384 down, per family, in file order)", () => {
    expect(strip(c.staticRules)).toEqual([
      { family: 4, from: "192.168.2.0/24", table: 100, priority: 16384 },
      { family: 4, from: "192.168.3.0/24", to: "10.0.0.0/8", priority: 100, table: 101 },
      { family: 4, fwmark: 16, fwmask: 255, table: 102, priority: 16383 },
      { family: 4, to: "1.2.3.4", action: "blackhole", priority: 16382 },
      { family: 4, invert: true, from: "10.0.0.0/8", table: 254, priority: 16381 },
      { family: 6, from: "2001:db8::/32", table: 5, priority: 16384 },
    ]);
    const vi = c.instances[0]!;
    expect(strip(vi.virtualRules)).toEqual([
      { family: 4, from: "192.168.200.20", table: 100, priority: 16380 },
      { family: 4, iif: "eth0", oif: "eth1", priority: 50, action: "prohibit" },
    ]);
    expect(strip(vi.virtualRoutes)).toEqual([
      { to: "10.3.0.0/16", type: "blackhole" },
      { to: "10.2.0.0/16", nexthops: [{ via: "192.168.200.1" }, { via: "192.168.200.2" }] },
    ]);
  });

  test("the warnings: each skipped line as keepalived skips it", () => {
    expect(brief(r.warnings)).toEqual([
      "3:5: bad virtual address: '192.168.100.' is not an IPv4 or IPv6 address; skipped (as keepalived)",
      "11:17: unknown route option 'bogus'; route skipped (as keepalived)",
      "12:5: bad route destination: '192.168.300.0' is not an IPv4 or IPv6 address; route skipped (as keepalived)",
      "17:5: rule has no preference: 16384, as keepalived sets it (probably not what you want)",
      "19:5: no action specified for rule (table N, goto N, nop, l3mdev, blackhole, unreachable or prohibit); rule skipped (as keepalived)",
      "20:10: invalid rule from address '192.168.5./24'; rule skipped (as keepalived)",
      "21:5: rule has no preference: 16383, as keepalived sets it (probably not what you want)",
      "22:5: rule has no preference: 16382, as keepalived sets it (probably not what you want)",
      "23:5: rule has no preference: 16381, as keepalived sets it (probably not what you want)",
      "24:5: rule has no preference: 16384, as keepalived sets it (probably not what you want)",
      "25:22: unknown rule option 'pref'; rule skipped (as keepalived)",
      "26:27: table 0 is not valid; rule skipped (as keepalived)",
      "27:5: unknown rule option 'bogus'; rule skipped (as keepalived)",
      "38:39: 'or' for routes is deprecated (as keepalived says): read as 'nexthop via … nexthop via 192.168.200.2'",
      "41:9: rule has no preference: 16380, as keepalived sets it (probably not what you want)",
      "42:9: no action specified for rule (table N, goto N, nop, l3mdev, blackhole, unreachable or prohibit); rule skipped (as keepalived)",
    ]);
  });

  test("--strict: what keepalived skips is an error", () => {
    const s = load(CONF, undefined, { strict: true });
    expect(brief(errors(s))).toContain("11:17: unknown route option 'bogus'; route skipped (as keepalived) (error under --strict)");
  });

  test("vigil convert → TOML → the same model; the statics are root keys before [global]", () => {
    const text = roundTrip(r);
    expect(text.indexOf("static_ipaddress = ")).toBeLessThan(text.indexOf("[global]"));
    expect(text).toContain('"blackhole 10.9.0.0/16"');
    expect(text).toContain('"10.7.0.0/16 nexthop via 192.168.200.1 dev eth0 weight 2 nexthop via 192.168.200.2 dev eth1"');
    expect(text).toContain('"from 2001:db8::/32 preference 16384 table 5"');
    expect(text).toContain('"iif eth0 oif eth1 preference 50 prohibit"');
  });

  test("vigil convert --to keepalived → the same model, without a new warning", () => {
    const text = toKeepalived(c, r.warnings);
    expect(text).toContain("static_rules {\n    from 192.168.2.0/24 preference 16384 table 100\n");
    const back = load(text, "/converted/keepalived.conf");
    expect(back.warnings).toEqual([]);
    expect(stripPositions(ok(back))).toStrictEqual(stripPositions(c));
  });
});

describe("TOML forms", () => {
  test("strings and tables; a rule table has no head word (flags as `= true`)", () => {
    const c = ok(load(
      `static_ipaddress = [{ address = "10.99.0.16/24", dev = "eth0" }]
static_routes = [{ to = "10.98.0.0/16", via = "10.99.0.1" }, "unreachable 10.97.0.0/16"]
static_rules = [{ from = "10.99.0.0/24", preference = 10, table = 7 }, { not = true, to = "10.96.0.0/16", preference = 11, blackhole = true }]

[[instance]]
name = "a"
interface = "eth0"
virtual_router_id = 1
priority = 100
virtual_ipaddress = ["10.99.0.254/24"]
virtual_rules = ["from 10.99.0.254 preference 20 table 7", { to = "2001:db8::/32", preference = 21, unreachable = true }]
`,
      "/t/vigil.toml",
    ));
    expect(c.staticIps!.map((v) => `${v.address}/${v.prefixLength} ${v.dev}`)).toEqual(["10.99.0.16/24 eth0"]);
    expect(strip(c.staticRoutes)).toEqual([{ to: "10.98.0.0/16", via: "10.99.0.1" }, { to: "10.97.0.0/16", type: "unreachable" }]);
    expect(strip(c.staticRules)).toEqual([
      { family: 4, from: "10.99.0.0/24", priority: 10, table: 7 },
      { family: 4, invert: true, to: "10.96.0.0/16", priority: 11, action: "blackhole" },
    ]);
    expect(strip(c.instances[0]!.virtualRules)).toEqual([
      { family: 4, from: "10.99.0.254", priority: 20, table: 7 },
      { family: 6, to: "2001:db8::/32", priority: 21, action: "unreachable" },
    ]);
    // And back through keepalived.conf.
    const back = ok(load(toKeepalived(c), "/c/keepalived.conf"));
    expect(stripPositions(back)).toStrictEqual(stripPositions(c));
    expect(toToml(back)).toContain('static_rules = [\n  "from 10.99.0.0/24 preference 10 table 7",\n  "not to 10.96.0.0/16 preference 11 blackhole",\n]');
  });

  test("TOML refuses what keepalived would skip", () => {
    const r = load(`static_rules = ["from 10.1.0.0/24 pref 3 table 2"]\nstatic_routes = ["10.2.0.0/16 bogus 1"]\n`, "/t/vigil.toml");
    expect(brief(errors(r))).toEqual(["1:35: unknown rule option 'pref'", "2:31: unknown route option 'bogus'"]);
  });

  test("a static key that is not an array is an error", () => {
    expect(brief(errors(load(`static_routes = "10.2.0.0/16 dev eth0"\n`, "/t/vigil.toml")))[0]).toMatch(/static_routes: expected an array, got a string/);
  });
});
