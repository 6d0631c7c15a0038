// The keyword table against keepalived's own keyword list (keepalived/keywords.txt, extracted from
// the 2.2.7 and master parser sources; commits in its header): every keyword keepalived knows is
// known to vigil in the same section (read, warned about, or inside a section skipped whole), and
// vigil knows no keyword keepalived does not, unless listed below with its reason.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Keyword, keyword, KEYWORDS, tomlKeys } from "../../src/config/keywords.ts";

const LIST = join(import.meta.dir, "keepalived", "keywords.txt");

/** vigil keywords that are not keepalived's (in that section), and why vigil has them. */
const VIGIL_ONLY: Record<string, string> = {
  "vrrp_instance garp_interval": "keepalived has vrrp_garp_interval (global) and garp_group's; vigil also per instance",
  "vrrp_instance gna_interval": "keepalived has vrrp_gna_interval (global) and garp_group's; vigil also per instance",
};

interface KaKeyword {
  section: string;
  name: string;
  releases: string;
}

function keepalivedList(): KaKeyword[] {
  return readFileSync(LIST, "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const [section = "", name = "", releases = ""] = l.split(" ");
      return { section, name, releases };
    });
}

/** vigil's section for a keepalived one: vrrp_track_file is read as track_file. */
const vigilSection = (s: string): string => (s === "vrrp_track_file" ? "track_file" : s);

/** The keepalived keyword whose block this section is, when vigil skips or ignores that block whole. */
function skippedParent(section: string): Keyword<never> | undefined {
  const parts = section.split(".");
  for (let n = 1; n <= parts.length; n++) {
    const parent = n === 1 ? "top" : vigilSection(parts.slice(0, n - 1).join("."));
    const k = keyword(parent, parts[n - 1]!);
    if (k && k.does !== "read" && k.does !== "pending") return k;
  }
  return undefined;
}

describe("keyword table", () => {
  const ka = keepalivedList();

  test("the list names the commits it was extracted from", () => {
    const head = readFileSync(LIST, "utf8").split("\n").filter((l) => l.startsWith("#"));
    expect(head.some((l) => /v2\.2\.7 [0-9a-f]{40}$/.test(l))).toBe(true);
    expect(head.some((l) => /master [0-9a-f]{40}$/.test(l))).toBe(true);
    expect(ka.length).toBeGreaterThan(250);
  });

  test("every keyword keepalived knows is known to vigil, in the same section", () => {
    const missing: string[] = [];
    const counts: Record<string, number> = {};
    for (const k of ka) {
      const parent = k.section === "top" ? undefined : skippedParent(k.section);
      const own = keyword(vigilSection(k.section), k.name);
      const how = parent ? `inside ${parent.does} ${parent.name}` : own?.does;
      if (!how) missing.push(`${k.section} ${k.name} (${k.releases})`);
      else counts[parent ? "in a skipped block" : how] = (counts[parent ? "in a skipped block" : how] ?? 0) + 1;
    }
    console.log(`keepalived keywords: ${ka.length}; vigil: ${Object.entries(counts).map(([h, n]) => `${n} ${h}`).join(", ")}`);
    expect(missing).toEqual([]);
  });

  test("vigil knows no keepalived keyword keepalived does not have (or says why)", () => {
    const known = new Set(ka.map((k) => `${vigilSection(k.section)} ${k.name}`));
    const extra = KEYWORDS.filter((k) => k.name !== "" && !known.has(`${k.section} ${k.name}`) && !VIGIL_ONLY[`${k.section} ${k.name}`]).map((k) =>
      `${k.section} ${k.name}`
    );
    expect(extra).toEqual([]);
  });

  test("descriptors are complete: TOML keys unique per table, ranges with defaults, pending ones say where", () => {
    for (const table of ["global", "instance", "vrrp_script", "vrrp_sync_group", "vrrp_track_file"]) {
      const keys = tomlKeys(table);
      expect(new Set(keys).size).toBe(keys.length);
    }
    for (const k of KEYWORDS) {
      if (k.does === "skipped" || k.does === "ignored") expect(k.why).toBeTruthy();
      if (k.does === "read" || k.does === "pending") expect(k.arg).toBeTruthy();
      if (k.notify) expect(k.arg).toBe("notify");
      if (k.arg === "list" && k.toml) expect(k.emit).toBeDefined();
    }
  });
});
