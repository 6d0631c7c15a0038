// keepalived.conf `include` lines: which keyword (include, includer, …) makes what fatal, csh-style
// {a,b} alternatives and globs relative to the including file, and the messages for what is
// missing, unmatched or not a regular file. Reading the matched files is the lexer's.

import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { SourcePosition } from "./schema.ts";
import type { Diags } from "./diagnostics.ts";
import { ExpansionError } from "./keepalived-expand.ts";
import type { Word } from "./keepalived-lexer.ts";

/** Files read for one config (main file and every include), and include nesting. */
export const MAX_INCLUDE_FILES = 1000;
export const MAX_INCLUDE_DEPTH = 16;
const INCLUDES = new Set(["include", "includer", "includem", "includew", "includeb", "includea"]);

/**
 * What makes each include keyword fatal (lib/parser.c include types): R = a match that cannot be
 * read, M = a literal file name missing, W = a wildcard matching nothing, B = a {a,b} alternative
 * missing. Plain `include` is never fatal.
 */
const INCLUDE_CHECKS: Record<string, { readable: boolean; missing: boolean; noMatch: boolean; braces: boolean }> = {
  include: { readable: false, missing: false, noMatch: false, braces: false },
  includer: { readable: true, missing: false, noMatch: false, braces: false },
  includem: { readable: true, missing: true, noMatch: false, braces: false },
  includew: { readable: true, missing: true, noMatch: true, braces: false },
  includeb: { readable: true, missing: false, noMatch: false, braces: true },
  includea: { readable: true, missing: true, noMatch: true, braces: true },
};

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function existsPath(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * csh-style {a,b} expansion (may span '/'), which Bun.Glob does not do across segments. Stops
 * (returns more than MAX_INCLUDE_FILES patterns) once that many exist: the caller reports it.
 */
export function expandBraces(pattern: string, out: string[] = []): string[] {
  if (out.length > MAX_INCLUDE_FILES) return out;
  const open = pattern.indexOf("{");
  if (open < 0) return (out.push(pattern), out);
  let depth = 0;
  const cuts: number[] = [];
  let close = -1;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      close = i;
      break;
    } else if (c === "," && depth === 1) cuts.push(i);
  }
  if (close < 0) return (out.push(pattern), out);
  const bounds = [open, ...cuts, close];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const alt = pattern.slice(bounds[k]! + 1, bounds[k + 1]);
    expandBraces(pattern.slice(0, open) + alt + pattern.slice(close + 1), out);
  }
  return out;
}

/** Absolute, sorted file list for an include pattern (glob() sorts too). */
export function globInclude(pattern: string, baseDir: string): string[] {
  const found = new Set<string>();
  const patterns = expandBraces(resolve(baseDir, pattern));
  if (patterns.length > MAX_INCLUDE_FILES) throw new ExpansionError(`{a,b} alternatives expand to more than ${MAX_INCLUDE_FILES} names`);
  for (const p of patterns) {
    if (!/[*?[]/.test(p)) {
      found.add(p);
      continue;
    }
    // Scan from the literal directory prefix only, not from "/".
    const segs = p.split("/");
    const firstGlob = segs.findIndex((s) => /[*?[]/.test(s));
    const cwd = segs.slice(0, firstGlob).join("/") || "/";
    const rest = segs.slice(firstGlob).join("/");
    try {
      for (const f of new Bun.Glob(rest).scanSync({ cwd, absolute: true, onlyFiles: true })) {
        found.add(f);
        if (found.size > MAX_INCLUDE_FILES) throw new ExpansionError(`matches more than ${MAX_INCLUDE_FILES} files`);
      }
    } catch (e) {
      if (e instanceof ExpansionError) throw e;
      // unreadable directory: same as no match
    }
  }
  return [...found].sort();
}

/** An include line: its keyword and the file patterns (braces there are {a,b} alternatives, not blocks). */
export function includeLine(line: string, pos: SourcePosition, offset: number): { kw: Word; patterns: Word[] } | undefined {
  const inc = /^(\s*)(include[rmwba]?)(\s|$)/.exec(line);
  if (!inc || !INCLUDES.has(inc[2]!)) return undefined;
  const kw = { text: inc[2]!, pos: { ...pos, col: offset + inc[1]!.length + 1 }, quoted: false };
  const patterns: Word[] = [];
  const re = /[^\s#!]+/g;
  const body = line.slice(0, line.search(/[#!]|$/));
  re.lastIndex = inc[0].length;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    patterns.push({ text: m[0].replace(/^["']|["']$/g, ""), pos: { ...pos, col: offset + m.index + 1 }, quoted: false });
  }
  return { kw, patterns };
}

/**
 * Resolves each pattern of an include line written in `file`, reports what the include keyword
 * makes fatal (or only warns about), and hands every regular file matched to `includeFile`, in order.
 */
export function resolveIncludes(
  kw: Word,
  patterns: Word[],
  file: string,
  diags: Diags,
  includeFile: (path: string, from: Word, mustRead: boolean) => void,
): void {
  if (patterns.length === 0) {
    diags.error(kw.pos, `${kw.text}: missing file name`);
    return;
  }
  const checks = INCLUDE_CHECKS[kw.text] ?? INCLUDE_CHECKS.include!;
  for (const word of patterns) {
    let matches: string[];
    try {
      matches = globInclude(word.text, dirname(file));
    } catch (e) {
      if (!(e instanceof ExpansionError)) throw e;
      diags.error(word.pos, `${kw.text} '${word.text}': ${e.message}; nothing included`);
      continue;
    }
    const files = matches.filter((m) => isFile(m));
    const wildcard = /[*?[]/.test(word.text);
    const brace = /\{[^}]*,[^}]*\}/.test(word.text);
    // A literal name (or brace alternative) that does not exist: keepalived's "Config files missing".
    const missing = matches.filter((m) => !/[*?[]/.test(m) && !existsPath(m));
    const fatal = (what: "missing" | "nomatch" | "partial"): boolean =>
      what === "partial" ? checks.braces : what === "missing" ? (brace ? checks.braces : checks.missing) : checks.noMatch;
    const notFiles = matches.filter((m) => !files.includes(m) && existsPath(m));
    for (const m of notFiles) {
      // A directory or other non-file: keepalived's INCLUDE_R check.
      const msg = `${kw.text} '${m}' is not a regular file`;
      if (checks.readable) diags.error(word.pos, `${msg} (keepalived refuses this with '${kw.text}')`);
      else diags.warn(word.pos, `${msg}; skipped`);
    }
    if (files.length === 0 && notFiles.length > 0) continue;
    if (files.length === 0) {
      const what = missing.length > 0 || !wildcard ? "missing" : "nomatch";
      const msg = `${kw.text} '${word.text}': ${what === "missing" ? "no such file" : "no file matches"}`;
      if (fatal(what)) diags.error(word.pos, `${msg} (keepalived refuses this with '${kw.text}')`);
      else diags.warn(word.pos, `${msg}; nothing included (as keepalived with '${kw.text}')`);
      continue;
    }
    if (brace && missing.length > 0) {
      const msg = `${kw.text} '${word.text}': ${missing.length} of the alternatives do not exist`;
      if (fatal("partial")) {
        diags.error(word.pos, `${msg} (keepalived refuses this with '${kw.text}')`);
        continue;
      }
      diags.warn(word.pos, `${msg}; the others are included`);
    }
    for (const f of files) includeFile(f, word, checks.readable);
  }
}
