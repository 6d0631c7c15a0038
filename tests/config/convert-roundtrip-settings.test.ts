// `vigil convert` keeps every setting it acts on: keepalived.conf → TOML → keepalived.conf gives the
// same model, for the settings that once had no TOML form (notify FIFOs, priority-change
// notifications, script users' groups), and the keyword table gives every acted-on keyword a TOML
// form (or says where it is written instead).
import { describe, expect, test } from "bun:test";
import { toToml } from "../../src/config/convert.ts";
import { toKeepalived } from "../../src/config/convert-keepalived.ts";
import { KEYWORDS } from "../../src/config/keywords.ts";
import type { HostProbe } from "../../src/config/host.ts";
import type { LoadOptions } from "../../src/config/load.ts";
import type { LoadResult, VigilConfig } from "../../src/config/schema.ts";
import { load, ok, stripPositions } from "./helpers.ts";

/** keepalived.conf → model → TOML → model → keepalived.conf → model: the first model again. */
function backToKeepalived(r: LoadResult, opts: LoadOptions): string {
  const first = ok(r);
  const viaToml = ok(load(toToml(first, r.warnings), "/converted/vigil.toml", opts));
  expect(stripPositions(viaToml)).toStrictEqual(stripPositions(first) as VigilConfig);
  const text = toKeepalived(viaToml);
  expect(stripPositions(ok(load(text, "/converted/keepalived.conf", opts)))).toStrictEqual(stripPositions(first) as VigilConfig);
  return text;
}

/** Every script exists and every user too: the round trip is about the config, not this host. */
const host: HostProbe = { executable: () => true, userExists: () => true, path: () => ["/bin"] };

const CONF = `global_defs {
    notify_fifo /run/vigil/fifo
    notify_fifo_script /usr/local/bin/fifo-reader
    vrrp_notify_fifo /run/vigil/vrrp-fifo
    vrrp_notify_fifo_script /usr/local/bin/vrrp-fifo-reader
    vrrp_notify_priority_changes
    script_user nobody nogroup
    enable_script_security
}
vrrp_script chk {
    script "/usr/local/bin/chk --port 80"
    user www-data www-data
}
vrrp_instance A {
    interface eth0
    virtual_router_id 7
    notify_priority_changes false
    virtual_ipaddress {
        10.0.0.1/24
    }
    track_script {
        chk
    }
}
vrrp_instance B {
    interface eth0
    virtual_router_id 8
    notify_priority_changes
    virtual_ipaddress {
        10.0.0.2/24
    }
}
`;

describe("convert keeps notify FIFOs, priority-change notifications and script groups", () => {
  test("keepalived.conf → model: every value is read", () => {
    const r = load(CONF, "/k.conf", { host });
    const c = ok(r);
    expect(c.global).toMatchObject({
      notifyFifo: "/run/vigil/fifo",
      notifyFifoScript: "/usr/local/bin/fifo-reader",
      vrrpNotifyFifo: "/run/vigil/vrrp-fifo",
      vrrpNotifyFifoScript: "/usr/local/bin/vrrp-fifo-reader",
      notifyPriorityChanges: true,
      scriptUser: "nobody",
      scriptGroup: "nogroup",
    });
    expect(c.scripts[0]).toMatchObject({ user: "www-data", group: "www-data" });
    expect(c.instances.map((i) => i.notifyPriorityChanges)).toEqual([false, true]);
    expect(r.warnings.map((w) => w.message).filter((m) => /group|fifo|priority_changes/.test(m))).toEqual([]);
  });

  test("TOML carries each under its own key", () => {
    const toml = toToml(ok(load(CONF, "/k.conf", { host })));
    for (
      const line of [
        'notify_fifo = "/run/vigil/fifo"',
        'notify_fifo_script = "/usr/local/bin/fifo-reader"',
        'vrrp_notify_fifo = "/run/vigil/vrrp-fifo"',
        'vrrp_notify_fifo_script = "/usr/local/bin/vrrp-fifo-reader"',
        "notify_priority_changes = true",
        'script_user = "nobody"',
        'script_group = "nogroup"',
        'user = "www-data"',
        'group = "www-data"',
        "notify_priority_changes = false",
      ]
    ) expect(toml).toContain(`\n${line}\n`);
  });

  test("keepalived.conf → TOML → keepalived.conf → the same model, with keepalived's own lines", () => {
    const text = backToKeepalived(load(CONF, "/k.conf", { host }), { host });
    expect(text).toContain("    script_user nobody nogroup\n");
    expect(text).toContain("    user www-data www-data\n");
    expect(text).toContain("    vrrp_notify_priority_changes\n");
    expect(text).toContain("    notify_priority_changes false\n");
    expect(text).toContain("    notify_fifo_script /usr/local/bin/fifo-reader\n");
    expect(text).not.toContain("script_group");
  });

  test("a group without its user is refused in TOML (keepalived.conf cannot say it)", () => {
    const r = load(
      `[global]\nscript_group = "g"\n\n[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = ["10.0.0.1/24"]\n\n[[vrrp_script]]\nname = "c"\nscript = "/bin/true"\ngroup = "g"\n`,
      "/v.toml",
      { host },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.message)).toEqual([
        "script_group needs script_user (keepalived: script_user USER GROUP)",
        "vrrp_script c: group needs user (keepalived: user USER GROUP)",
      ]);
    }
  });
});

/**
 * Acted-on keywords with no TOML key of their own, and where their value goes instead. Anything
 * else marked "read" must have a TOML form, or `vigil convert` would drop it.
 */
const NO_TOML_KEY: Record<string, string> = {
  "top global_defs": "the [global] table",
  "top vrrp_track_file": "deprecated synonym of track_file ([[vrrp_track_file]])",
  "vrrp_instance authentication": "its auth_type / auth_pass are keys of [[instance]]",
  "global_defs vrrp_version": "folded into each instance (version)",
  "global_defs vrrp_garp_master_delay": "folded into each instance (garp_master_delay)",
  "global_defs vrrp_garp_master_repeat": "folded into each instance (garp_master_repeat)",
  "global_defs vrrp_garp_master_refresh": "folded into each instance (garp_master_refresh)",
  "global_defs vrrp_garp_master_refresh_repeat": "folded into each instance (garp_master_refresh_repeat)",
  "global_defs v3_checksum_as_v2": "folded into each instance (v3_checksum_as_v2)",
  "global_defs vrrp_garp_interval": "folded into each instance (garp_interval)",
  "global_defs vrrp_gna_interval": "folded into each instance (gna_interval)",
  "global_defs vrrp_garp_lower_prio_repeat": "folded into each instance (garp_lower_prio_repeat)",
  "global_defs vrrp_garp_lower_prio_delay": "folded into each instance (garp_lower_prio_delay)",
  "global_defs vrrp_lower_prio_no_advert": "folded into each instance (lower_prio_no_advert)",
  "global_defs vrrp_higher_prio_send_advert": "folded into each instance (higher_prio_send_advert)",
  "global_defs vrrp_garp_extra_if": "folded into each instance (garp_extra_if, garp_extra_if_all)",
  "global_defs vrrp_vmac_garp_intvl": "deprecated name of vrrp_garp_extra_if, folded into each instance",
  "vrrp_instance vmac_garp_intvl": "deprecated name of garp_extra_if (garp_extra_if)",
  "vrrp_sync_group track_interface": "folded into each member instance (track_interface, weight 0)",
  "vrrp_sync_group track_script": "folded into each member instance (track_script, weight 0)",
  "vrrp_sync_group track_file": "folded into each member instance (track_file, weight 0)",
};

describe("keyword table: no acted-on keyword is lost by convert", () => {
  test("every keyword marked 'acted on' has a TOML form (or is listed with where it goes)", () => {
    const missing = KEYWORDS.filter((k) => k.does === "read" && !k.toml && !NO_TOML_KEY[`${k.section} ${k.name}`]).map((k) => `${k.section} ${k.name}`);
    expect(missing).toEqual([]);
  });

  test("every acted-on TOML key is written back by both writers (it has an emit)", () => {
    const noEmit = KEYWORDS.filter((k) => k.does === "read" && k.toml && k.section !== "top" && !k.emit && k.toml !== "strict" && k.arg !== "noflag").map((k) =>
      `${k.section} ${k.toml}`
    );
    expect(noEmit).toEqual([]);
  });

  test("the exceptions are still in the table", () => {
    for (const key of Object.keys(NO_TOML_KEY)) {
      expect(KEYWORDS.some((k) => `${k.section} ${k.name}` === key)).toBe(true);
    }
  });

  test("partOf names a keyword of the same section", () => {
    for (const k of KEYWORDS.filter((k) => k.partOf)) {
      expect(KEYWORDS.some((o) => o.section === k.section && o.name === k.partOf)).toBe(true);
    }
  });
});

test("toKeepalived writes nothing for a model without those settings", () => {
  const text = toKeepalived(
    ok(load(`vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1/24\n }\n}\n`, "/k.conf", { host })),
  );
  expect(text).not.toMatch(/fifo|priority_changes|script_user/);
});
