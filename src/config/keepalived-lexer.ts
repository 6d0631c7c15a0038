// keepalived.conf tokenizer: comments (# and ! anywhere outside quotes), quoted strings, braces as
// tokens, `include` (globs, relative to the including file), `@id` conditional lines and simple
// `$NAME=value` parameters. Every word keeps the file/line/col where it was written, so messages
// about included files point into those files.

import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { SourcePosition } from "./schema.ts";
import type { Diags } from "./diagnostics.ts";

export interface Word {
  text: string;
  pos: SourcePosition;
  quoted: boolean;
}

export type Item =
  | { kind: "word"; word: Word }
  | { kind: "nl" }
  | { kind: "open"; pos: SourcePosition }
  | { kind: "close"; pos: SourcePosition };

export interface LexOptions {
  /** keepalived's config-id for `@id` lines (keepalived -i; default: short host name). */
  configId: string;
  /** Total bytes over the main file and every include. */
  maxBytes: number;
}

const MAX_INCLUDE_FILES = 1000;
const MAX_INCLUDE_DEPTH = 16;
const MAX_SUBST_DEPTH = 10;
const INCLUDES = new Set(["include", "includer", "includem", "includew", "includeb", "includea"]);
const ESCAPES: Record<string, string> = { a: "\x07", b: "\b", E: "\x1b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

/** Index of the first NUL byte (binary data), or -1. */
export function findBinary(text: string): number {
  return text.indexOf("\0");
}

export function positionOf(text: string, index: number, file: string): SourcePosition {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { file, line, col: index - start + 1 };
}

/** csh-style {a,b} expansion (may span '/'), which Bun.Glob does not do across segments. */
function expandBraces(pattern: string, out: string[] = []): string[] {
  const open = pattern.indexOf("{");
  if (open < 0 || out.length > MAX_INCLUDE_FILES) return (out.push(pattern), out);
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
  for (const p of expandBraces(resolve(baseDir, pattern))) {
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
      for (const f of new Bun.Glob(rest).scanSync({ cwd, absolute: true, onlyFiles: true })) found.add(f);
    } catch {
      // unreadable directory: same as no match
    }
  }
  return [...found].sort();
}

export class KeepalivedLexer {
  readonly items: Item[] = [];
  private bytes = 0;
  private files = 0;
  private readonly openFiles: string[] = [];
  private readonly params = new Map<string, string>();
  private readonly warnedIds = new Set<string>();

  constructor(
    private readonly opts: LexOptions,
    private readonly diags: Diags,
  ) {}

  /** Lex a file whose text is already read (the main file). */
  lexText(file: string, text: string): void {
    this.bytes += text.length;
    this.files++;
    this.openFiles.push(resolve(file));
    const lines = text.split("\n");
    for (let i = 0; i < lines.length && !this.diags.full; i++) {
      let line = lines[i]!;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      i = this.lexLine(lines, i, line, file);
    }
    this.openFiles.pop();
  }

  private defineParam(lines: string[], i: number, line: string, file: string): number {
    const m = /^\s*\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)!;
    if (m[2]!.endsWith("\\")) {
      this.diags.error({ file, line: i + 1, col: 1 }, `multi-line parameter definition $${m[1]} is not supported by vigil`);
      while (i < lines.length && lines[i]!.replace(/\r$/, "").endsWith("\\")) i++;
      return i;
    }
    this.params.set(m[1]!, m[2]!.trim());
    return i;
  }

  /** Lexes line i (already without '\r'); returns the index of the last line consumed. */
  private lexLine(lines: string[], i: number, raw: string, file: string): number {
    const pos = { file, line: i + 1, col: 1 };
    let line = raw;
    let offset = 0;
    const cond = /^(\s*)@(\^?)([^\s]*)\s*/.exec(line);
    if (cond) {
      const [all, , neg, id] = cond;
      const match = (id === this.opts.configId) !== (neg === "^");
      if (!match) {
        const key = `${neg}${id}`;
        if (!this.warnedIds.has(key)) {
          this.warnedIds.add(key);
          this.diags.warn(
            { ...pos, col: all!.indexOf("@") + 1 },
            `lines starting '@${key}' skipped: config id is '${this.opts.configId}' (set it with --config-id)`,
          );
        }
        return i;
      }
      offset = all!.length;
      line = line.slice(offset);
    }
    if (/^\s*\$[A-Za-z_][A-Za-z0-9_]*=/.test(line)) return this.defineParam(lines, i, line, file);
    if (/^\s*~(SEQ|SEQx|LST)\(/.test(line)) {
      this.diags.error(pos, "~SEQ/~LST blocks are not supported by vigil; expand them in the file");
      return i;
    }
    const inc = /^(\s*)(include[rmwba]?)(\s|$)/.exec(line);
    if (inc && INCLUDES.has(inc[2]!)) {
      // Braces in an include line are csh-style {a,b} alternatives, not blocks.
      const kw = { text: inc[2]!, pos: { ...pos, col: offset + inc[1]!.length + 1 }, quoted: false };
      const patterns: Word[] = [];
      const re = /[^\s#!]+/g;
      const body = line.slice(0, line.search(/[#!]|$/));
      re.lastIndex = inc[0].length;
      for (let m = re.exec(body); m; m = re.exec(body)) {
        patterns.push({ text: m[0].replace(/^["']|["']$/g, ""), pos: { ...pos, col: offset + m.index + 1 }, quoted: false });
      }
      this.include(kw, patterns, file);
      return i;
    }
    const words = this.tokenize(line, pos, offset);
    for (const w of words) this.items.push(w);
    this.items.push({ kind: "nl" });
    return i;
  }

  private tokenize(line: string, pos: SourcePosition, offset: number): Item[] {
    const out: Item[] = [];
    let i = 0;
    const n = line.length;
    while (i < n) {
      const c = line[i]!;
      if (c === " " || c === "\t" || c === "\v" || c === "\f") {
        i++;
        continue;
      }
      if (c === "#" || c === "!") break;
      const at = { file: pos.file, line: pos.line, col: offset + i + 1 };
      if (c === "{" || c === "}") {
        out.push(c === "{" ? { kind: "open", pos: at } : { kind: "close", pos: at });
        i++;
        continue;
      }
      let text = "";
      let quoted = false;
      while (i < n) {
        const ch = line[i]!;
        if (ch === " " || ch === "\t" || ch === "{" || ch === "}" || ch === "#" || ch === "!") break;
        if (ch === "$" && line[i + 1] === "{") {
          // ${NAME} is a parameter reference, not a block.
          const end = line.indexOf("}", i);
          if (end > 0) {
            text += line.slice(i, end + 1);
            i = end + 1;
            continue;
          }
        }
        if (ch === '"' || ch === "'") {
          quoted = true;
          const close = this.readQuoted(line, i, { ...at, col: offset + i + 1 });
          text += close.text;
          i = close.end;
          continue;
        }
        text += ch;
        i++;
      }
      const substituted = this.params.size > 0 || text.includes("${_") ? this.substitute(text, pos.file) : text;
      if (!quoted && substituted !== text && /\s/.test(substituted)) {
        for (const part of substituted.split(/\s+/).filter(Boolean)) {
          out.push({ kind: "word", word: { text: part, pos: at, quoted: false } });
        }
      } else out.push({ kind: "word", word: { text: substituted, pos: at, quoted } });
    }
    return out;
  }

  private readQuoted(line: string, start: number, at: SourcePosition): { text: string; end: number } {
    const q = line[start]!;
    let text = "";
    let i = start + 1;
    while (i < line.length && line[i] !== q) {
      const ch = line[i]!;
      if (ch === "\\" && i + 1 < line.length) {
        const e = line[i + 1]!;
        if (e in ESCAPES) text += ESCAPES[e];
        else text += e; // \\ \" and any other escaped character
        i += 2;
        continue;
      }
      text += ch;
      i++;
    }
    if (i >= line.length) {
      this.diags.error(at, `unterminated ${q} quote`);
      return { text, end: i };
    }
    return { text, end: i + 1 };
  }

  private substitute(text: string, file: string): string {
    const builtin: Record<string, string> = { _PWD: dirname(resolve(file)), _INSTANCE: this.opts.configId, _HASH: "#", _BANG: "!" };
    const lookup = (name: string): string | undefined => this.params.get(name) ?? builtin[name];
    let out = text;
    for (let depth = 0; depth < MAX_SUBST_DEPTH && out.includes("$"); depth++) {
      const next = out
        .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => lookup(name) ?? m)
        .replace(/\$([A-Za-z_][A-Za-z0-9_]*)$/, (m, name: string) => lookup(name) ?? m);
      if (next === out) break;
      out = next;
    }
    return out;
  }

  private include(kw: Word, patterns: Word[], file: string): void {
    if (patterns.length === 0) {
      this.diags.error(kw.pos, `${kw.text}: missing file name`);
      return;
    }
    const strict = kw.text !== "include" && kw.text !== "includer";
    for (const word of patterns) {
      const matches = globInclude(word.text, dirname(file));
      const existing = matches.filter((m) => {
        try {
          return statSync(m).isFile();
        } catch {
          return false;
        }
      });
      if (existing.length === 0) {
        const msg = `${kw.text} '${word.text}': no such file`;
        if (strict) this.diags.error(word.pos, msg);
        else this.diags.warn(word.pos, `${msg}; nothing included`);
        continue;
      }
      for (const f of existing) this.includeFile(f, word);
    }
  }

  private includeFile(path: string, from: Word): void {
    if (this.openFiles.includes(path)) {
      this.diags.error(from.pos, `include loop: '${path}' is already being read`);
      return;
    }
    if (this.openFiles.length >= MAX_INCLUDE_DEPTH || this.files >= MAX_INCLUDE_FILES) {
      this.diags.error(from.pos, `too many nested or included files (limits ${MAX_INCLUDE_DEPTH} deep, ${MAX_INCLUDE_FILES} files)`);
      return;
    }
    let text: string;
    try {
      const size = statSync(path).size;
      if (this.bytes + size > this.opts.maxBytes) {
        this.diags.error(from.pos, `include '${path}': configuration exceeds ${this.opts.maxBytes} bytes in total`);
        return;
      }
      text = readFileSync(path, "utf8");
    } catch (e) {
      this.diags.error(from.pos, `include '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      return;
    }
    const nul = findBinary(text);
    if (nul >= 0) {
      this.diags.error(positionOf(text, nul, path), "binary data (NUL byte) in an included file; not a text config");
      return;
    }
    this.lexText(path, text);
  }
}
