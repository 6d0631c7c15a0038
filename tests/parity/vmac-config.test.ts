// use_vmac's words as keepalived 2.2.7 reads them (each case observed with keepalived in a
// namespace): `use_vmac [NAME] [MAC]`, a word with ':' is the MAC; five octets take the VRID; a
// multicast or RFC 5798 MAC, or an invalid one, is a warning and the virtual MAC is used; use_vmac
// in a vrrp_sync_group is an unknown keyword there (keepalived 2.2.7: "Unknown keyword 'use_vmac'").
import { expect, test } from "bun:test";
import { parseVmacAddress } from "../../src/config/vmac-address.ts";
import type { LoadResult } from "../../src/config/schema.ts";
import { toKeepalived } from "../../src/config/convert-keepalived.ts";
import { load, ok } from "../config/helpers.ts";

const loadText = (text: string, kind: "conf" | "toml" = "conf") => {
  const r: LoadResult = kind === "toml"
    ? load(text, "/virtual/vigil.toml", { format: "toml" })
    : load(text, "/virtual/keepalived.conf", { format: "keepalived" });
  return { config: ok(r), warnings: r.warnings.map((w) => w.message) };
};

test("parseVmacAddress: 6 octets, 5 + VRID, single digits, extra octets; refusals as keepalived", () => {
  expect(parseVmacAddress("02:11:22:33:44:55", 51)).toEqual({ mac: "02:11:22:33:44:55" });
  expect(parseVmacAddress("02:11:22:33:44", 51)).toEqual({ mac: "02:11:22:33:44:33" });
  expect(parseVmacAddress("2:11:22:33:44:55", 51)).toEqual({ mac: "02:11:22:33:44:55" });
  expect(parseVmacAddress("00:00:5e:00:03:33", 51)).toEqual({ mac: "00:00:5e:00:03:33" });
  expect(parseVmacAddress("02:11:22:33:44:55:66", 51)).toMatchObject({ mac: "02:11:22:33:44:55" });
  for (
    const bad of [
      "zz:11",
      ":",
      "02:11:22:33",
      "02:11:22:33:44:555",
      "02:11:22:33:44:5g",
      "01:11:22:33:44:55",
      "03:11:22:33:44",
      "00:00:5e:00:01:99",
      "00:00:5e:00:02:33",
      "00:00:5e:00:01",
    ]
  ) {
    expect(parseVmacAddress(bad, 51)).toHaveProperty("problem");
  }
});

const conf = (line: string, extra = "") =>
  `${extra}vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  ${line}
  virtual_ipaddress {
    10.99.0.100/24
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  priority 100
  virtual_ipaddress {
    10.99.0.101/24
  }
}
`;

test("keepalived.conf: use_vmac NAME MAC, MAC alone (default name), MAC first; warnings keep the virtual MAC", () => {
  const one = (line: string) => loadText(conf(line)).config!.instances[0]!;
  expect(one("use_vmac vrrp51 02:11:22:33:44:55")).toMatchObject({ useVmac: "vrrp51", vmacAddress: "02:11:22:33:44:55" });
  expect(one("use_vmac 02:11:22:33:44")).toMatchObject({ useVmac: "vrrp.51", vmacAddress: "02:11:22:33:44:33" });
  expect(one("use_vmac 02:11:22:33:44:55 vrrp51")).toMatchObject({ useVmac: "vrrp51", vmacAddress: "02:11:22:33:44:55" });
  const r = loadText(conf("use_vmac vx 00:00:5e:00:01:33"));
  expect(r.config!.instances[0]!.vmacAddress).toBeUndefined();
  expect(r.warnings.join("\n")).toContain("RFC 5798");
  // keepalived takes a word without ':' as a (second) name: 02-11-… is not a MAC.
  const dash = loadText(conf("use_vmac vv 02-11-22-33-44-55"));
  expect(dash.config!.instances[0]).toMatchObject({ useVmac: "vv" });
  expect(dash.warnings.join("\n")).toContain("interface name is given already");
});

test("use_vmac inside vrrp_sync_group: unknown there (keepalived 2.2.7), the members get no VMAC from it", () => {
  const r = loadText(conf("", "vrrp_sync_group G1 {\n  group {\n    VI_1\n    VI_2\n  }\n  use_vmac\n}\n"));
  expect(r.warnings.join("\n")).toMatch(/unknown keyword 'use_vmac' in vrrp_sync_group G1/);
  expect(r.config!.instances.map((i) => i.useVmac)).toEqual([undefined, undefined]);
});

test("TOML vmac_address and the keepalived.conf round trip: use_vmac NAME MAC", () => {
  const toml = `[[instance]]
name = "VI_1"
interface = "eth0"
virtual_router_id = 51
priority = 100
use_vmac = "vrrp51"
vmac_address = "02:11:22:33:44"
virtual_ipaddress = ["10.99.0.100/24"]
`;
  const r = loadText(toml, "toml");
  expect(r.config!.instances[0]).toMatchObject({ useVmac: "vrrp51", vmacAddress: "02:11:22:33:44:33" });
  const back = toKeepalived(r.config!);
  expect(back).toMatch(/use_vmac vrrp51 02:11:22:33:44:33/);
  expect(loadText(back).config!.instances[0]).toMatchObject({ useVmac: "vrrp51", vmacAddress: "02:11:22:33:44:33" });
});
