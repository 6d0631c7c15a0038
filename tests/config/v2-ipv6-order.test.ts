// keepalived's `version 2` with IPv6 addresses depends on the order (vrrp_version_handler): after
// them it is ignored (version 3, a warning); before them keepalived runs VRRPv2 over IPv6, which
// vigil's packet layer does not do: a clear error instead of a silent change.
import { expect, test } from "bun:test";
import { load } from "./helpers.ts";

const inst = (body: string, strict = false) =>
  `${strict ? "global_defs {\n vrrp_strict\n}\n" : ""}vrrp_instance A {\n interface eth0\n virtual_router_id 1\n${body}}\n`;

test("version 2 after the IPv6 VIPs: ignored, version 3 (as keepalived)", () => {
  const r = load(inst(" virtual_ipaddress {\n  fe80::1/64\n }\n version 2\n"));
  expect(r.ok && r.config.instances[0]!.version).toBe(3);
  expect(r.warnings.map((w) => `${w.pos.line}:${w.pos.col}: ${w.message}`)).toContain(
    "7:10: vrrp_instance A: version 2 conflicts with the IPv6 addresses before it; ignored, version 3 used (as keepalived)",
  );
  expect(load(inst(" virtual_ipaddress {\n  fe80::1/64\n }\n version 2\n"), "/k.conf", { strict: true }).ok).toBe(false);
});

test("version 2 before the IPv6 VIPs: keepalived runs VRRPv2 over IPv6; vigil refuses with the reason", () => {
  const r = load(inst(" version 2\n virtual_ipaddress {\n  fe80::1/64\n }\n"));
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.errors.map((e) => `${e.pos.line}:${e.pos.col}: ${e.message}`)).toEqual([
      "4:10: vrrp_instance A: VRRPv2 over IPv6 is not supported by vigil (keepalived runs it when 'version 2' precedes the IPv6 addresses; use version 3)",
    ]);
  }
});

test("under vrrp_strict either order runs version 3 with a warning (keepalived: 'cannot use IPv6 with VRRP version 2; setting version 3')", () => {
  const r = load(inst(" version 2\n virtual_ipaddress {\n  fe80::1/64\n }\n", true));
  expect(r.ok && r.config.instances[0]!.version).toBe(3);
});
