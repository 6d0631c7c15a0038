// smol-toml reports positions for syntax errors only. For every other problem we need where a key or
// a value was written, so this walks the (already valid) TOML text once, as a TOML parser would:
// headers ([t], [[t]] with their index), dotted and quoted keys, inline tables, arrays at any depth,
// every string form. It records the position of each key and each value under its full path, e.g.
// ["instance", 1, "virtual_ipaddress", 0, "dev"].

import type { SourcePosition } from "./schema.ts";

export type TomlPath = readonly (string | number)[];

const id = (p: TomlPath): string => p.join("\u0000");
const BARE = /[A-Za-z0-9_-]/;

export class TomlLocator {
  private readonly keys = new Map<string, SourcePosition>();
  private readonly values = new Map<string, SourcePosition>();
  private readonly headers = new Map<string, SourcePosition>();
  /** Arrays of tables seen so far (by resolved path) and how many items each has. */
  private readonly aot = new Map<string, number>();
  private readonly lineStarts: number[] = [0];
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    for (let j = 0; j < text.length; j++) if (text[j] === "\n") this.lineStarts.push(j + 1);
    try {
      this.document();
    } catch {
      // Positions are best effort: what was recorded before a surprise stays usable.
    }
  }

  /** Position of the key (or the header of the table) at `path`; the nearest recorded parent otherwise. */
  key(path: TomlPath): SourcePosition {
    for (let n = path.length; n > 0; n--) {
      const p = id(path.slice(0, n));
      const at = this.keys.get(p) ?? this.headers.get(p) ?? this.values.get(p);
      if (at) return at;
    }
    return { file: this.file, line: 1, col: 1 };
  }

  /** Position of the first character of the value at `path` (an array item: its own first character). */
  value(path: TomlPath): SourcePosition {
    return this.values.get(id(path)) ?? this.key(path);
  }

  /** Position of `[name]` / the n-th `[[name]]`, or of the key when it was written inline. */
  table(path: TomlPath): SourcePosition {
    return this.headers.get(id(path)) ?? this.key(path);
  }

  hasHeader(path: TomlPath): boolean {
    return this.headers.has(id(path));
  }

  private pos(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, col: offset - this.lineStarts[lo]! + 1 };
  }

  private get c(): string {
    return this.text[this.i] ?? "";
  }

  /** Skips blanks, and with `lines` also newlines and comments. */
  private skip(lines: boolean): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t[this.i]!;
      if (c === " " || c === "\t" || c === "\r") this.i++;
      else if (lines && c === "\n") this.i++;
      else if (lines && c === "#") { while (this.i < t.length && t[this.i] !== "\n") this.i++; }
      else return;
    }
  }

  private document(): void {
    let table: (string | number)[] = [];
    for (;;) {
      this.skip(true);
      if (this.i >= this.text.length) return;
      if (this.c === "[") table = this.header();
      else this.keyValue(table);
    }
  }

  private header(): (string | number)[] {
    const start = this.i;
    const array = this.text[this.i + 1] === "[";
    this.i += array ? 2 : 1;
    const keys = this.dottedKey().map((k) => k.name);
    this.i += array ? 2 : 1;
    const path = this.resolve(keys.slice(0, -1));
    path.push(keys[keys.length - 1]!);
    if (array) {
      const n = this.aot.get(id(path)) ?? 0;
      this.aot.set(id(path), n + 1);
      path.push(n);
    }
    this.headers.set(id(path), this.pos(start));
    return path;
  }

  /** Header key segments through arrays of tables: [[a]] then [a.b] means a[last].b. */
  private resolve(keys: string[]): (string | number)[] {
    const out: (string | number)[] = [];
    for (const k of keys) {
      out.push(k);
      const n = this.aot.get(id(out));
      if (n !== undefined) out.push(n - 1);
    }
    return out;
  }

  private keyValue(base: (string | number)[]): void {
    const keys = this.dottedKey();
    const path = [...base];
    for (const k of keys) {
      path.push(k.name);
      if (!this.keys.has(id(path))) this.keys.set(id(path), k.pos);
    }
    this.skip(false);
    this.i++; // '='
    this.skip(false);
    this.value_(path);
  }

  private dottedKey(): { name: string; pos: SourcePosition }[] {
    const out: { name: string; pos: SourcePosition }[] = [];
    for (;;) {
      this.skip(false);
      const start = this.i;
      let name: string;
      if (this.c === '"' || this.c === "'") name = this.string();
      else {
        while (this.i < this.text.length && BARE.test(this.c)) this.i++;
        name = this.text.slice(start, this.i);
        if (name === "") throw new Error("toml: no key");
      }
      out.push({ name, pos: this.pos(start) });
      this.skip(false);
      if (this.c !== ".") return out;
      this.i++;
    }
  }

  private value_(path: (string | number)[]): void {
    this.values.set(id(path), this.pos(this.i));
    const c = this.c;
    if (c === '"' || c === "'") this.string();
    else if (c === "[") this.array(path);
    else if (c === "{") this.inlineTable(path);
    else while (this.i < this.text.length && !/[\s,\]}#]/.test(this.c)) this.i++; // number, bool, date
  }

  private array(path: (string | number)[]): void {
    this.i++;
    for (let n = 0;; n++) {
      this.skip(true);
      if (this.c === "]" || this.i >= this.text.length) break;
      this.value_([...path, n]);
      this.skip(true);
      if (this.c === ",") this.i++;
    }
    this.i++;
  }

  private inlineTable(path: (string | number)[]): void {
    this.i++;
    for (;;) {
      this.skip(true);
      if (this.c === "}" || this.i >= this.text.length) break;
      this.keyValue(path);
      this.skip(true);
      if (this.c === ",") this.i++;
    }
    this.i++;
  }

  /** Reads a string of any of the four forms; returns its text (escapes kept as written: keys only need names). */
  private string(): string {
    const t = this.text;
    const q = t[this.i]!;
    const triple = t.startsWith(q.repeat(3), this.i);
    const open = triple ? 3 : 1;
    let j = this.i + open;
    const start = j;
    while (j < t.length) {
      if (q === '"' && t[j] === "\\") j += 2;
      else if (t.startsWith(triple ? q.repeat(3) : q, j)) break;
      else j++;
    }
    // A multi-line string may end with up to two more quotes inside it ("""a""""" is a"").
    let end = j;
    if (triple) { while (t[end + 3] === q) end++; }
    const body = t.slice(start, end);
    this.i = end + open;
    return q === '"' && !triple ? unescape(body) : body;
  }
}

function unescape(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return s;
  }
}
