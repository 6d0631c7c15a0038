// Shared test helpers for the config layer: temp files, position stripping, seed extraction.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Diagnostic, LoadResult, VigilConfig } from "../../src/config/schema.ts";
import { expect } from "bun:test";
import { loadConfigText, type LoadOptions } from "../../src/config/load.ts";
import { toToml } from "../../src/config/convert.ts";

export const SEED_PATH = "/work/shared/seed/keepalived-wiki-fr.txt";
export const SAMPLES_DIR = "/usr/share/doc/keepalived/samples";
export const REPO = join(import.meta.dir, "..", "..");

/** The seed's two keepalived configs, verbatim: each from `vrrp_instance` to its closing `}` line. */
export function seedConfigs(): string[] {
  const lines = readFileSync(SEED_PATH, "utf8").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith("vrrp_instance")) continue;
    const end = lines.indexOf("}", i);
    out.push(lines.slice(i, end + 1).join("\n") + "\n");
    i = end;
  }
  return out;
}

/** Deep copy without `pos`, `source` and `format`: what must survive a convert round trip. */
export function stripPositions<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (k, x) => (k === "pos" || k === "source" || k === "format" ? undefined : x)));
}

export function load(text: string, file = "/virtual/keepalived.conf", opts: LoadOptions = {}): LoadResult {
  return loadConfigText(text, file, { configId: "testhost", ...opts });
}

export function ok(r: LoadResult): VigilConfig {
  if (!r.ok) throw new Error(`expected ok, got:\n${r.errors.map((e) => `${e.pos.line}:${e.pos.col}: ${e.message}`).join("\n")}`);
  return r.config;
}

export function errors(r: LoadResult): Diagnostic[] {
  if (r.ok) throw new Error("expected errors, load succeeded");
  return r.errors;
}

/** "line:col: message" lines, easy to match in assertions. */
export function brief(list: Diagnostic[]): string[] {
  return list.map((d) => `${d.pos.line}:${d.pos.col}: ${d.message}`);
}

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), "vigil-config-"));
  write(rel: string, text: string | Uint8Array): string {
    const p = join(this.path, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  }
  cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** convert → TOML → load: the same model (positions aside), no warning the source did not have. */
export function roundTrip(r: LoadResult, opts: LoadOptions = {}): string {
  const cfg = ok(r);
  const text = toToml(cfg, r.warnings);
  const back = load(text, "/converted/vigil.toml", opts);
  // Loading the TOML may repeat the source's warnings, never add new ones.
  const before = new Set(r.warnings.map((w) => w.message));
  expect(back.warnings.filter((w) => !before.has(w.message))).toEqual([]);
  expect(stripPositions(ok(back))).toStrictEqual(stripPositions(cfg));
  expect(ok(back).format).toBe("toml");
  return text;
}
