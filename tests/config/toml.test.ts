// vigil's TOML: the documented keys, items as keepalived lines or tables, format detection by content.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { defaultConfigPath, detectFormat, loadConfig } from "../../src/config/load.ts";
import { DEFAULT_KEEPALIVED_PATH, DEFAULT_TOML_PATH } from "../../src/config/schema.ts";
import { brief, load, ok, REPO, seedConfigs } from "./helpers.ts";

describe("vigil TOML", () => {
  test("the README example loads", () => {
    const c = ok(
      load(
        `[global]\nrouter_id = "r1"\nhttp = "127.0.0.1:9650"\nlog = "info"\n\n[[instance]]\nname = "VI_1"\ninterface = "eth0"\nvirtual_router_id = 51\npriority = 255\nadvert_int = 1\nversion = 3\npreempt = true\npreempt_delay = 0\nvirtual_ipaddress = ["192.168.0.254/24"]\n`,
        "/etc/vigil/vigil.toml",
      ),
    );
    expect(c.format).toBe("toml");
    expect(c.global).toStrictEqual({
      routerId: "r1",
      http: "127.0.0.1:9650",
      logLevel: "info",
      logFormat: "text",
      keepalivedExporterNames: false,
      realtimePriority: 0,
      noSwap: false,
      rlimitRttimeUs: 10_000,
      vrrpStrict: false,
    });
    expect(c.instances[0]).toMatchObject({
      name: "VI_1",
      version: 3,
      vrid: 51,
      priority: 255,
      advertIntervalCs: 100,
      preempt: true,
      family: 4,
      accept: true,
      garpMasterDelayMs: 5000,
    });
    expect(c.instances[0]!.pos).toEqual({ file: "/etc/vigil/vigil.toml", line: 6, col: 1 });
    expect(c.instances[0]!.virtualIps[0]!.pos).toEqual({ file: "/etc/vigil/vigil.toml", line: 15, col: 23 });
  });

  test("packaging/examples/vigil.toml: every documented key is read", () => {
    const r = loadConfig(join(REPO, "packaging/examples/vigil.toml"));
    const c = ok(r);
    expect(r.warnings).toEqual([]);
    expect(c.global).toMatchObject({ routerId: "r1", realtimePriority: 10, noSwap: true, logFormat: "text" });
    const lan = c.instances.find((i) => i.name === "LAN_V3")!;
    expect(lan).toMatchObject({ version: 3, advertIntervalCs: 20, preemptDelayMs: 5000, syncGroup: "LAN", notify: { any: "/etc/vigil/notify.sh" } });
    expect(lan.virtualIps.map((v) => [v.address, v.prefixLength, v.dev, v.label])).toEqual([["10.0.1.254", 24, "eth1", "eth1:vip"], [
      "10.0.1.253",
      24,
      "eth1",
      undefined,
    ]]);
    expect(lan.trackInterfaces.map((t) => [t.name, t.weight])).toEqual([["eth2", 0], ["eth3", 0]]);
    expect(lan.trackScripts.map((t) => [t.name, t.weight])).toEqual([["chk_http", undefined]]);
    expect(c.instances.find((i) => i.name === "LAN_V6")!.family).toBe(6);
    expect(c.scripts[0]).toMatchObject({ name: "chk_http", intervalMs: 1000, timeoutMs: 1000, rise: 2, fall: 2, weight: 0 });
  });

  test("nopreempt alias, use_vmac = true, table items, auth_pass implies PASS", () => {
    const c = ok(
      load(
        `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 9\nnopreempt = true\nuse_vmac = true\nauth_pass = "secret"\nunicast_peer = ["10.0.0.2", { address = "10.0.0.3" }]\nvirtual_ipaddress = [{ address = "10.0.0.1/24", dev = "eth0", scope = "link" }]\nvirtual_routes = [{ to = "10.9.0.0/16", via = "10.0.0.254", metric = 10 }]\nstate = "backup"\n`,
        "/v.toml",
      ),
    );
    const i = c.instances[0]!;
    expect(i).toMatchObject({ preempt: false, useVmac: "vrrp.9", authPass: "secret", initialState: "backup", unicastPeers: ["10.0.0.2", "10.0.0.3"] });
    expect(i.virtualIps[0]).toMatchObject({ address: "10.0.0.1", dev: "eth0", scope: "link" });
    expect(i.virtualRoutes[0]).toMatchObject({ to: "10.9.0.0/16", via: "10.0.0.254", metric: 10 });
  });

  test("vrrp_strict, use_vmac and accept are acted on now: read from TOML without a 'not acted on' warning", () => {
    const r = load(
      `[global]\nvrrp_strict = true\n\n[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 9\nvirtual_ipaddress = ["10.0.0.1/24"]\nuse_vmac = "vm9"\naccept = false\n`,
      "/v.toml",
    );
    expect(ok(r).instances[0]!.accept).toBe(false);
    expect(brief(r.warnings).filter((w) => w.includes("not acted on"))).toEqual([]);
  });

  test("format is chosen by content, not the extension", () => {
    expect(detectFormat(`# comment\n[global]\nlog = "info"\n`, "/etc/x.conf")).toBe("toml");
    expect(detectFormat(`[[instance]]\nname = "a"\n`, "")).toBe("toml");
    expect(detectFormat(seedConfigs()[0]!, "/etc/vigil/vigil.toml")).toBe("keepalived");
    expect(detectFormat(`! keepalived\nglobal_defs {\n router_id x\n}\n`, "x.toml")).toBe("keepalived");
    expect(detectFormat(`$PRIO=10\ninclude /etc/keepalived/*.conf\n`, "")).toBe("keepalived");
    const asToml = ok(load(seedConfigs()[0]!, "/etc/vigil/vigil.toml"));
    expect(asToml.format).toBe("keepalived");
  });

  test("default config path: vigil.toml when present, else keepalived.conf", () => {
    expect(defaultConfigPath((p) => p === DEFAULT_TOML_PATH)).toBe("/etc/vigil/vigil.toml");
    expect(defaultConfigPath(() => false)).toBe(DEFAULT_KEEPALIVED_PATH);
  });
});
