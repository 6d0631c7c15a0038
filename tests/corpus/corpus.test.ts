// 45 real keepalived.conf files from public repositories (shared/wild-configs, next to the clone):
// every file keepalived 2.2.7 runs, vigil loads with no error; the files keepalived refuses, vigil
// refuses with positions; each loaded file converts to TOML and back to the same model.
//
// keepalived-t.log holds `keepalived -t` (2.2.7) per file. Its rc 2 files are refused by the parser.
// 017 is refused later: `keepalived -t` prints "(v4) Unknown interface!" and returns 5, but the
// daemon exits with "permanent error CONFIG" (checked with keepalived 2.2.7 in a network namespace):
// its unicast instances have no `interface`, which 2.2.7 does not allow.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import type { Diagnostic } from "../../src/config/schema.ts";
import { roundTrip } from "../config/helpers.ts";

const CORPUS = join(import.meta.dir, "../../../shared/wild-configs");
const CONFIG_ID = "corpus"; // matches no '@id' line of the corpus, as keepalived run without -i
const REFUSED_AT_RUN_TIME = new Set(["017-vincentbernat-network-lab-keepalived.Kx.conf"]);

/** file → rc per keepalived-t.log ("===== FILE  host_rc=N  netns_rc=M"). */
function keepalivedVerdicts(): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of readFileSync(join(CORPUS, "keepalived-t.log"), "utf8").matchAll(/^===== (\S+)\s+host_rc=(\d+)\s+netns_rc=(\d+)/gm)) {
    out.set(m[1]!, Number(m[3]));
  }
  return out;
}

describe("wild keepalived.conf corpus", () => {
  test("the corpus is there (a missing corpus fails, it is not skipped)", () => {
    expect(existsSync(CORPUS)).toBe(true);
    expect(readdirSync(CORPUS).filter((f) => f.endsWith(".conf")).length).toBeGreaterThanOrEqual(45);
  });
  if (!existsSync(CORPUS)) return;

  const verdicts = keepalivedVerdicts();
  const files = readdirSync(CORPUS).filter((f) => f.endsWith(".conf")).sort();
  const refused = (f: string) => verdicts.get(f) === 2 || REFUSED_AT_RUN_TIME.has(f);
  const table: string[] = [];

  test("every file has a keepalived verdict", () => {
    for (const f of files) expect(verdicts.has(f)).toBe(true);
    expect([...verdicts.keys()].filter((f) => verdicts.get(f) === 2).length).toBeGreaterThan(0);
  });

  for (const f of files) {
    const path = join(CORPUS, f);
    if (refused(f)) {
      test(`${f}: refused, as by keepalived, with positions`, () => {
        const r = loadConfig(path, { configId: CONFIG_ID });
        expect(r.ok).toBe(false);
        const errs = r.ok ? [] : r.errors;
        expect(errs.length).toBeGreaterThan(0);
        for (const e of errs) expectPosition(e, path);
        table.push(row(f, "refused", r.warnings.length, errs.length));
      });
      continue;
    }
    test(`${f}: loads with no error; convert → TOML → load gives the same model`, () => {
      const r = loadConfig(path, { configId: CONFIG_ID });
      if (!r.ok) throw new Error(`keepalived runs this file, vigil refused it:\n${r.errors.map((e) => `${e.pos.line}:${e.pos.col}: ${e.message}`).join("\n")}`);
      for (const w of r.warnings) expectPosition(w, path);
      roundTrip(r, { configId: CONFIG_ID });
      table.push(row(f, "loads", r.warnings.length, 0));
    });
  }

  test("table of warnings per file", () => {
    expect(table.length).toBe(files.length);
    console.log(["file                                                                   result   warnings errors", ...table.sort()].join("\n"));
  });
});

function expectPosition(d: Diagnostic, mainFile: string): void {
  expect(d.pos.file === mainFile || d.pos.file.startsWith("/")).toBe(true);
  expect(d.pos.line).toBeGreaterThanOrEqual(1);
  expect(d.pos.col).toBeGreaterThanOrEqual(1);
}

function row(file: string, result: string, warnings: number, errors: number): string {
  return `${file.padEnd(72)} ${result.padEnd(8)} ${String(warnings).padStart(8)} ${String(errors).padStart(6)}`;
}
