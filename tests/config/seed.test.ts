// The two configs of seed/keepalived-wiki-fr.txt must load verbatim, with keepalived's defaults.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { load, ok, REPO, seedConfigs } from "./helpers.ts";

const seeds = seedConfigs();

function expectedModel(file: string, priority: number) {
  return {
    source: file,
    format: "keepalived",
    global: {
      http: "127.0.0.1:9650",
      logLevel: "info",
      logFormat: "text",
      keepalivedExporterNames: false,
      realtimePriority: 0,
      noSwap: false,
      rlimitRttimeUs: 10_000,
      vrrpStrict: false,
    },
    instances: [
      {
        name: "VI_1",
        interface: "eth0",
        vrid: 51,
        priority,
        advertIntervalCs: 100,
        version: 2,
        family: 4,
        initialState: "backup",
        preempt: true,
        preemptDelayMs: 0,
        unicastPeers: [],
        virtualIps: [{ address: "192.168.0.254", prefixLength: 24, family: 4, pos: { file, line: 7, col: 3 } }],
        excludedVips: [],
        virtualRoutes: [],
        trackInterfaces: [],
        trackScripts: [],
        trackFiles: [],
        notify: {},
        garpMasterDelayMs: 5000,
        garpMasterRepeat: 5,
        garpMasterRefreshMs: 0,
        garpMasterRefreshRepeat: 1,
        garpIntervalMs: 0,
        gnaIntervalMs: 0,
        garpLowerPrioRepeat: 5,
        garpLowerPrioDelayMs: 5000,
        lowerPrioNoAdvert: false,
        accept: true,
        v3Ipv4Checksum: "pseudo-header",
        pos: { file, line: 1, col: 1 },
      },
    ],
    scripts: [],
    trackFiles: [],
    syncGroups: [],
  };
}

describe("seed keepalived configs", () => {
  test("the seed file holds two configs, the second with a trailing space after advert_int", () => {
    expect(seeds).toHaveLength(2);
    expect(seeds[0]).toContain("\tpriority 255\n");
    expect(seeds[1]).toContain("\tpriority 254\n");
    expect(seeds[1]).toContain("\tadvert_int 1 \n");
  });

  test("packaging/examples/seed-r1.conf and seed-r2.conf are the seed's text, byte for byte", () => {
    expect(readFileSync(join(REPO, "packaging/examples/seed-r1.conf"), "utf8")).toBe(seeds[0]!);
    expect(readFileSync(join(REPO, "packaging/examples/seed-r2.conf"), "utf8")).toBe(seeds[1]!);
  });

  for (const [i, priority] of [[0, 255], [1, 254]] as const) {
    test(`router ${i + 1} (priority ${priority}) parses to the full expected model, no warnings`, () => {
      const file = `/seed/router${i + 1}.conf`;
      const r = load(seeds[i]!, file);
      expect(ok(r)).toStrictEqual(expectedModel(file, priority) as never);
      expect(r.warnings).toEqual([]);
    });
  }

  test("the packaged copies load from disk the same way", () => {
    const file = join(REPO, "packaging/examples/seed-r2.conf");
    const r = loadConfig(file);
    expect(ok(r)).toStrictEqual(expectedModel(file, 254) as never);
  });
});
