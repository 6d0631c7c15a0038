// keepalived keywords vigil used to read and ignore, now acted on: higher_prio_send_advert,
// garp_extra_if, garp_group, and the route / rule options. Each: read with keepalived 2.2.7's
// defaults and resets, no warning, and kept by `vigil convert` both ways.
import { describe, expect, test } from "bun:test";
import { toToml } from "../../src/config/convert.ts";
import { toKeepalived } from "../../src/config/convert-keepalived.ts";
import { load, ok } from "./helpers.ts";

const inst = (body: string, name = "A", vrid = 1) =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n${body}  virtual_ipaddress {\n    10.99.0.${vrid}/24\n  }\n}\n`;

const warnings = (text: string) => {
  const r = load(text);
  return r.ok ? r.warnings.map((w) => w.message) : r.errors.map((e) => `error: ${e.message}`);
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
