// keepalived.conf tokenizer: comments (# and ! anywhere outside quotes), quoted strings, braces as
// tokens, `include` (globs, relative to the including file), `@id` conditional lines and simple
// `$NAME=value` parameters. Every word keeps the file/line/col where it was written, so messages
// about included files point into those files.

import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { SourcePosition } from "./schema.ts";
import type { Diags } from "./diagnostics.ts";
import { ExpansionError, MAX_GENERATED_BYTES, MAX_GENERATED_LINES, MAX_SEQ_NESTING, parseGenerator, substituteParams } from "./keepalived-expand.ts";
import { includeLine, MAX_INCLUDE_DEPTH, MAX_INCLUDE_FILES, resolveIncludes } from "./keepalived-include.ts";

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

export class KeepalivedLexer {
  readonly items: Item[] = [];
  private bytes = 0;
  private files = 0;
  private readonly openFiles: string[] = [];
  private readonly params = new Map<string, string>();
  private readonly warnedIds = new Set<string>();
  /** Lines and bytes produced by ~SEQ/~LST so far (capped). */
  private generatedLines = 0;
  private generatedBytes = 0;
  private generationStopped = false;

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
    if (/^\s*~(SEQx?|LST)\s*\(/.test(line)) {
      this.generate(line, { ...pos, col: offset + line.search(/~/) + 1 }, lines, i, file, 0);
      return i;
    }
    const inc = includeLine(line, pos, offset);
    if (inc) {
      resolveIncludes(inc.kw, inc.patterns, file, this.diags, (f, from, mustRead) => this.includeFile(f, from, mustRead));
      return i;
    }
    const words = this.tokenize(line, pos, offset);
    for (const w of words) this.items.push(w);
    this.items.push({ kind: "nl" });
    return i;
  }

  /**
   * `~SEQ(…) text` / `~LST(…) text`: the text once per round with the variables set (they stay
   * defined afterwards, as in keepalived). Rounds and output are counted before they are produced.
   */
  private generate(line: string, pos: SourcePosition, lines: string[], i: number, file: string, depth: number): void {
    if (this.generationStopped) return; // the cap was hit and reported once
    let g;
    try {
      if (depth >= MAX_SEQ_NESTING) throw new ExpansionError(`~SEQ/~LST nested more than ${MAX_SEQ_NESTING} deep on one line`);
      g = parseGenerator(line, (s) => this.substitute(s, pos));
    } catch (e) {
      if (!(e instanceof ExpansionError)) throw e;
      this.diags.error(pos, `${e.message}: '${line.trim().slice(0, 80)}'`);
      return;
    }
    if (this.generatedLines + g.rounds > MAX_GENERATED_LINES || this.generatedBytes + g.rounds * g.rest.length > MAX_GENERATED_BYTES) {
      this.diags.error(
        pos,
        `~SEQ/~LST would generate ${g.rounds} lines; vigil stops at ${MAX_GENERATED_LINES} lines or ${MAX_GENERATED_BYTES} bytes per config`,
      );
      this.generationStopped = true; // one message, not one per later generator
      return;
    }
    const nested = /^~(SEQx?|LST)\s*\(/.test(g.rest);
    for (let r = 0; r < g.rounds && !this.diags.full; r++) {
      g.vars.forEach((v, k) => this.params.set(v, g.values(r)[k]!));
      if (nested) {
        this.generate(g.rest, pos, lines, i, file, depth + 1);
        continue;
      }
      this.generatedLines++;
      this.generatedBytes += g.rest.length;
      if (this.generatedLines > MAX_GENERATED_LINES || this.generatedBytes > MAX_GENERATED_BYTES) {
        this.diags.error(pos, `~SEQ/~LST output exceeds ${MAX_GENERATED_LINES} lines or ${MAX_GENERATED_BYTES} bytes; stopped`);
        this.generationStopped = true;
        return;
      }
      for (const w of this.tokenize(g.rest, pos, pos.col - 1)) this.items.push(w);
      this.items.push({ kind: "nl" });
    }
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
      const substituted = this.params.size > 0 || text.includes("${_") ? this.substitute(text, at) : text;
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

  /** Parameter substitution in one word; past a cap: an error at the word, the word unchanged. */
  private substitute(text: string, pos: SourcePosition): string {
    const builtin: Record<string, string> = { _PWD: dirname(resolve(pos.file)), _INSTANCE: this.opts.configId, _HASH: "#", _BANG: "!" };
    try {
      return substituteParams(text, (name) => this.params.get(name) ?? builtin[name]);
    } catch (e) {
      if (!(e instanceof ExpansionError)) throw e;
      this.diags.error(pos, `${e.message} in '${text.slice(0, 80)}'`);
      return text;
    }
  }

  private includeFile(path: string, from: Word, mustRead = true): void {
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
      const msg = `include '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
      if (mustRead) this.diags.error(from.pos, msg);
      else this.diags.warn(from.pos, `${msg}; skipped (as keepalived with 'include')`);
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
