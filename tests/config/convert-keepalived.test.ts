// convert --to keepalived: model → keepalived.conf; loading it gives the same model (positions
// aside), directly and after a trip through TOML. Plus the keyword table as docs.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { toToml } from "../../src/config/convert.ts";
import { kaWord, toKeepalived } from "../../src/config/convert-keepalived.ts";
import { KEYWORDS } from "../../src/config/keywords.ts";
import { keywordsMarkdown } from "../../src/config/keywords-doc.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { LoadResult, VigilConfig } from "../../src/config/schema.ts";
import type { LoadOptions } from "../../src/config/load.ts";
import { load, ok, REPO, SAMPLES_DIR, seedConfigs, stripPositions } from "./helpers.ts";

const CORPUS = join(REPO, "../shared/wild-configs");

/** keepalived.conf → model → TOML → model → keepalived.conf → model: the first model again. */
export function backToKeepalived(r: LoadResult, opts: LoadOptions = {}): string {
  const first = ok(r);
  const viaToml = ok(load(toToml(first, r.warnings), "/converted/vigil.toml", opts));
  const text = toKeepalived(viaToml);
  const back = load(text, "/converted/keepalived.conf", opts);
  expect(stripPositions(ok(back))).toStrictEqual(stripPositions(first) as VigilConfig);
  // Written straight from the first model too.
  expect(stripPositions(ok(load(toKeepalived(first), "/converted/direct.conf", opts)))).toStrictEqual(stripPositions(first) as VigilConfig);
  return text;
}

describe("convert --to keepalived", () => {
  test("the seed's first router comes back as the file it was", () => {
    expect(backToKeepalived(load(seedConfigs()[0]!, "/seed/r1.conf"))).toBe(
      `# vigil configuration, converted by 'vigil convert --to keepalived' from /converted/vigil.toml (toml).

vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    version 2
    virtual_ipaddress {
        192.168.0.254/24
    }
}
`,
    );
  });

  test("flags, negations, authentication, quoting, vigil-only settings as comments", () => {
    const r = load(
      `[global]\nhttp = "0.0.0.0:9650"\nno_swap = true\n\n[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 9\nnopreempt = true\naccept = false\nauth_pass = "a b#c"\nnotify_master = "/bin/m 'x y'"\nvirtual_ipaddress = ["10.0.0.1/24"]\nuse_vmac = true\n\n[[vrrp_script]]\nname = "chk"\nscript = "/bin/true \\"q\\""\n`,
      "/v.toml",
    );
    const text = toKeepalived(ok(r));
    expect(text).toContain('#   http = "0.0.0.0:9650"\n');
    expect(text).toContain("global_defs {\n    vrrp_no_swap\n}\n");
    expect(text).toContain("    nopreempt\n");
    expect(text).toContain("    no_accept\n");
    expect(text).toContain('    authentication {\n        auth_type PASS\n        auth_pass "a b#c"\n    }\n');
    expect(text).toContain(`    notify_master "/bin/m 'x y'"\n`);
    expect(text).toContain("    use_vmac vrrp.9\n");
    expect(text).toContain('    script "/bin/true \\"q\\""\n');
    const back = load(text, "/k.conf");
    expect(stripPositions(ok(back))).toStrictEqual(stripPositions({ ...ok(r), global: { ...ok(r).global, http: "127.0.0.1:9650" } }));
  });

  test("accept is written only where it differs from keepalived's default (off under vrrp_strict)", () => {
    const r = load(
      // VRRPv3: under vrrp_strict keepalived resets accept on a v2 non-owner (vrrp.c), not on v3.
      `global_defs {\n vrrp_strict\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 9\n version 3\n accept\n virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n`,
    );
    expect(backToKeepalived(r)).toContain("    accept\n");
  });

  test("words are quoted only when keepalived's lexer would split or cut them", () => {
    expect(kaWord("eth0")).toBe("eth0");
    expect(kaWord("a b")).toBe('"a b"');
    expect(kaWord("x!y")).toBe('"x!y"');
    expect(kaWord('say "hi" \\')).toBe('"say \\"hi\\" \\\\"');
    expect(kaWord("")).toBe('""');
  });

  test("every keepalived sample that loads comes back", () => {
    let n = 0;
    for (const f of readdirSync(SAMPLES_DIR)) {
      const r = loadConfig(join(SAMPLES_DIR, f), { configId: "high" });
      if (!r.ok) continue;
      backToKeepalived(r);
      n++;
    }
    expect(n).toBe(26); // 12 with instances; 14 without (LVS only, scripts): idle, as keepalived
  });

  test("every corpus file that loads: keepalived.conf → TOML → keepalived.conf → the same model", () => {
    if (!existsSync(CORPUS)) throw new Error(`${CORPUS} is missing`);
    let n = 0;
    for (const f of readdirSync(CORPUS).filter((x) => x.endsWith(".conf")).sort()) {
      const r = loadConfig(join(CORPUS, f), { configId: "corpus" });
      if (!r.ok) continue;
      try {
        backToKeepalived(r, { configId: "corpus" });
      } catch (e) {
        throw new Error(`${f}: ${(e as Error).message}`);
      }
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(30);
    console.log(`corpus files round-tripped through TOML and back to keepalived.conf: ${n}`);
  });

  test("the packaged examples come back", () => {
    for (const f of ["keepalived-full.conf", "vigil.toml", "seed-r1.conf", "seed-r2.conf"]) backToKeepalived(loadConfig(join(REPO, "packaging/examples", f)));
  });
});

describe("convert --keywords", () => {
  test("one markdown row per keyword of the table", () => {
    const md = keywordsMarkdown().trimEnd().split("\n");
    expect(md.length).toBe(KEYWORDS.length + 2);
    expect(md).toContain(
      "| vrrp_instance | `advert_int` | `instance.advert_int` | number | 0.01–255 | 1 | acted on | outside 0.01–255: 1; v2 rounds to whole seconds, v3 to centiseconds (max 40.95) |",
    );
    expect(md).toContain("| top | `virtual_server` |  |  |  |  | section skipped (warning) | LVS is not part of vigil |");
  });
});
