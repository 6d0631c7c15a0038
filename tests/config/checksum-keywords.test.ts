// The v3 IPv4 checksum switches as keepalived spells them, and their TOML round trip.
import { expect, test } from "bun:test";
import { toToml } from "../../src/config/convert.ts";
import { loadConfigText } from "../../src/config/load.ts";
import type { V3Ipv4ChecksumMode } from "../../src/config/schema.ts";

const inst = (extra: string) =>
  `vrrp_instance V {
  interface eth0
  virtual_router_id 9
  version 3
  unicast_peer {
    10.99.0.2
  }
${extra}  virtual_ipaddress {
    10.99.0.100/24
  }
}
`;

function model(text: string) {
  const r = loadConfigText(text, "/etc/keepalived/keepalived.conf");
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r;
}

test.each<[string, V3Ipv4ChecksumMode]>([
  ["", "pseudo-header"],
  ["global_defs {\n  v3_checksum_as_v2\n}\n", "vrrp-only"],
  ["__INSTANCE__  v3_checksum_as_v2\n", "vrrp-only"],
  ["__INSTANCE__  old_unicast_checksum\n", "group-pseudo-header"],
])("%p → %s, and the same after convert → TOML → load", (snippet, form) => {
  const text = snippet.startsWith("__INSTANCE__") ? inst(snippet.slice("__INSTANCE__".length)) : snippet + inst("");
  const r = model(text);
  expect(r.warnings).toEqual([]);
  expect(r.config.instances[0]!.v3Ipv4Checksum).toBe(form);
  const back = loadConfigText(toToml(r.config), "/etc/vigil/vigil.toml");
  expect(back.ok && back.config.instances[0]!.v3Ipv4Checksum).toBe(form);
});
