// Entry point of the config layer: read a file (keepalived.conf or vigil TOML, chosen by content),
// validate, return the model or every problem with file:line:col. Never throws for bad input.

import { existsSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import type { LoadResult } from "./schema.ts";
import { DEFAULT_KEEPALIVED_PATH, DEFAULT_TOML_PATH } from "./schema.ts";
import { Diags, sortDiagnostics } from "./diagnostics.ts";
import { readKeepalived } from "./keepalived.ts";
import { findBinary, positionOf } from "./keepalived-lexer.ts";
import { readToml } from "./toml.ts";
import { validateDraft } from "./validate.ts";
import { type HostProbe, realHost } from "./host.ts";

/** Largest config vigil reads (main file plus includes); real ones are kilobytes. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface LoadOptions {
  /** keepalived config-id for `@id` lines (keepalived -i); default: short host name. */
  configId?: string;
  /** Force a format instead of detecting it. */
  format?: "toml" | "keepalived";
  /** `vigil check --strict`: every part ignored or not acted on is an error (TOML: global.strict). */
  strict?: boolean;
  /** What the host has (script files, users); tests pass a fake. Default: this machine. */
  host?: HostProbe;
}

export type ConfigFormat = "toml" | "keepalived";

/**
 * TOML has `[table]` / `[[array]]` headers and `key = value`; keepalived has `word …` and `word {`.
 * The first lines that are neither blank nor comments decide; the extension breaks a tie.
 */
export function detectFormat(text: string, path = ""): ConfigFormat {
  let toml = 0;
  let keepalived = 0;
  let looked = 0;
  for (const raw of text.split("\n", 2000)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    if (/^\[\[?\s*[A-Za-z0-9_."'-]+\s*\]\]?\s*(#.*)?$/.test(line)) toml += 2;
    else if (/^[A-Za-z0-9_."'-]+\s*=/.test(line) && !line.startsWith("$")) toml++;
    else if (/^[A-Za-z_@$~][^\s=]*(\s|$|\{)/.test(line) || /^[{}]/.test(line)) keepalived++;
    if (++looked >= 20) break;
  }
  if (toml !== keepalived) return toml > keepalived ? "toml" : "keepalived";
  return /\.toml$/i.test(path) ? "toml" : "keepalived";
}

/** /etc/vigil/vigil.toml when it exists, else /etc/keepalived/keepalived.conf (as keepalived falls back to its own file). */
export function defaultConfigPath(exists: (p: string) => boolean = existsSync): string {
  return exists(DEFAULT_TOML_PATH) ? DEFAULT_TOML_PATH : DEFAULT_KEEPALIVED_PATH;
}

function fail(file: string, message: string, line = 1, col = 1): LoadResult {
  return { ok: false, errors: [{ severity: "error", message, pos: { file, line, col } }], warnings: [] };
}

/** Parses and validates config text; `path` names it in messages and anchors relative includes. */
export function loadConfigText(text: string, path: string, opts: LoadOptions = {}): LoadResult {
  if (text.length > MAX_CONFIG_BYTES) {
    return fail(path, `config is ${text.length} bytes; vigil reads at most ${MAX_CONFIG_BYTES} (is this the right file?)`);
  }
  const nul = findBinary(text);
  if (nul >= 0) {
    const p = positionOf(text, nul, path);
    return fail(path, "binary data (NUL byte): this is not a text config file", p.line, p.col);
  }
  if (text.startsWith("\uFEFF")) text = text.slice(1); // a BOM from Windows editors
  if (text.trim() === "") return fail(path, "config file is empty");
  const diags = new Diags({ strict: opts.strict ?? false });
  try {
    const format = opts.format ?? detectFormat(text, path);
    diags.keepalivedCompat = format === "keepalived";
    const draft = format === "toml"
      ? readToml(path, text, diags)
      : readKeepalived(path, text, { configId: opts.configId ?? hostname().split(".")[0] ?? "", maxBytes: MAX_CONFIG_BYTES }, diags);
    if (!draft) return { ok: false, errors: sortDiagnostics(diags.errors), warnings: sortDiagnostics(diags.warnings) };
    return validateDraft(draft, diags, opts.host ?? realHost);
  } catch (e) {
    // A bug of ours must still come out as a diagnostic, not a stack trace on an operator's console.
    const msg = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      errors: [...diags.errors, { severity: "error", message: `internal error while reading the config: ${msg}`, pos: { file: path, line: 1, col: 1 } }],
      warnings: diags.warnings,
    };
  }
}

export function loadConfig(path: string, opts: LoadOptions = {}): LoadResult {
  let text: string;
  try {
    const st = statSync(path);
    if (st.isDirectory()) return fail(path, "is a directory, not a config file");
    if (st.size > MAX_CONFIG_BYTES) {
      return fail(path, `config is ${st.size} bytes; vigil reads at most ${MAX_CONFIG_BYTES} (is this the right file?)`);
    }
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (code ?? String(e));
    return fail(path, `cannot read config: ${why}`);
  }
  return loadConfigText(text, path, opts);
}
