// smol-toml reports positions for syntax errors only. For semantic errors we find where a key (or an
// array item) was written by scanning the source: header lines, `key =` lines, and array items.

import type { SourcePosition } from "./schema.ts";

interface KeyAt {
  pos: SourcePosition;
  /** Offset in the text of the first character of the value. */
  valueOffset: number;
}

const HEADER = /^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?/;
const KEY = /^(\s*)([A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')\s*=\s*/;

export class TomlLocator {
  private readonly tables = new Map<string, SourcePosition>();
  private readonly keys = new Map<string, KeyAt>();
  private readonly lineStarts: number[] = [];

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    const counts = new Map<string, number>();
    let table = "#0"; // keys before any header belong to the root table
    let offset = 0;
    let inMultiline: string | null = null;
    for (const [i, line] of text.split("\n").entries()) {
      this.lineStarts.push(offset);
      const lineOffset = offset;
      offset += line.length + 1;
      // Skip the inside of multi-line strings: a `key =` there is text, not a key.
      if (inMultiline) {
        if (line.includes(inMultiline)) inMultiline = null;
        continue;
      }
      const h = HEADER.exec(line);
      if (h) {
        const name = h[2]!;
        const n = h[1] === "[[" ? (counts.get(name) ?? -1) + 1 : 0;
        counts.set(name, n);
        table = `${name}#${n}`;
        this.tables.set(table, { file, line: i + 1, col: line.indexOf("[") + 1 });
        continue;
      }
      const k = KEY.exec(line);
      if (!k) continue;
      const key = k[2]!.replace(/^["']|["']$/g, "");
      this.keys.set(`${table}.${key}`, {
        pos: { file, line: i + 1, col: k[1]!.length + 1 },
        valueOffset: lineOffset + k[0].length,
      });
      const rest = line.slice(k[0].length);
      for (const q of ['"""', "'''"]) {
        if (rest.startsWith(q) && rest.indexOf(q, 3) < 0) inMultiline = q;
      }
    }
  }

  private posAt(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, col: offset - this.lineStarts[lo]! + 1 };
  }

  hasTable(name: string): boolean {
    return this.tables.has(`${name}#0`);
  }

  /** Position of `[name]` or the n-th `[[name]]`; the file start when not found. */
  table(name: string, index = 0): SourcePosition {
    return this.tables.get(`${name}#${index}`) ?? { file: this.file, line: 1, col: 1 };
  }

  /** Position of `key =` inside the table; the table header when not found. */
  key(table: string, index: number, key: string): SourcePosition {
    return this.keys.get(`${table}#${index}.${key}`)?.pos ?? this.table(table, index);
  }

  /** Position of the first character of the value of `key`. */
  value(table: string, index: number, key: string): SourcePosition {
    const k = this.keys.get(`${table}#${index}.${key}`);
    return k ? this.posAt(k.valueOffset) : this.table(table, index);
  }

  /** Position of item `n` of the array value of `key` (top-level items only). */
  item(table: string, index: number, key: string, n: number): SourcePosition {
    const k = this.keys.get(`${table}#${index}.${key}`);
    if (!k || this.text[k.valueOffset] !== "[") return this.value(table, index, key);
    const t = this.text;
    let depth = 0;
    let count = -1;
    let expectItem = true;
    for (let i = k.valueOffset; i < t.length; i++) {
      const c = t[i]!;
      if (c === "#") {
        while (i < t.length && t[i] !== "\n") i++;
        continue;
      }
      if (c === " " || c === "\t" || c === "\n" || c === "\r") continue;
      if (depth === 1 && expectItem && c !== "]" && c !== ",") {
        count++;
        if (count === n) return this.posAt(i);
        expectItem = false;
      }
      if (c === '"' || c === "'") {
        i = this.skipString(i);
        continue;
      }
      if (c === "[" || c === "{") depth++;
      else if (c === "]" || c === "}") {
        if (--depth === 0) break;
      } else if (c === "," && depth === 1) expectItem = true;
    }
    return this.value(table, index, key);
  }

  /** Index of the closing quote of the string starting at i. */
  private skipString(i: number): number {
    const t = this.text;
    const q = t[i]!;
    const triple = t.startsWith(q.repeat(3), i);
    if (triple) {
      const end = t.indexOf(q.repeat(3), i + 3);
      return end < 0 ? t.length : end + 2;
    }
    for (let j = i + 1; j < t.length; j++) {
      if (q === '"' && t[j] === "\\") j++;
      else if (t[j] === q || t[j] === "\n") return j;
    }
    return t.length;
  }
}
