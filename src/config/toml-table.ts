// Typed access to one table of vigil's TOML (positions for every message), and its list items as
// keepalived lines' tokens: `"… dev eth0"` or `{ address = "…", dev = "eth0" }`.
import type { SourcePosition } from "./schema.ts";
import { type Diags, didYouMean } from "./diagnostics.ts";
import { at, type Located } from "./draft.ts";
import { splitString, type Tok } from "./lines.ts";
import type { TomlLocator, TomlPath } from "./toml-positions.ts";

export type Table = Record<string, unknown>;

/** Route options without a value: `{ to = "…", onlink = true }` is the line "… onlink". */
const ROUTE_FLAGS = ["onlink", "append", "no_track", "inet", "inet6"];

export const typeName = (v: unknown): string => (Array.isArray(v) ? "an array" : v === null ? "null" : typeof v === "object" ? "a table" : `a ${typeof v}`);

/** Typed access to one TOML table, with positions for every message. */
export class Tbl {
  constructor(
    readonly t: Table,
    readonly table: string,
    readonly index: number,
    readonly loc: TomlLocator,
    readonly diags: Diags,
  ) {}
  /** Path of this table in the document: ["global"] or ["instance", 2]. */
  get path(): TomlPath {
    return this.table === "" ? [] : this.table === "global" ? ["global"] : [this.table, this.index];
  }
  pos(key: string): SourcePosition {
    return this.loc.key([...this.path, key]);
  }
  get where(): SourcePosition {
    return this.loc.table(this.path);
  }
  private typed<T>(key: string, want: string, ok: (v: unknown) => v is T): Located<T> | undefined {
    const v = this.t[key];
    if (v === undefined) return undefined;
    const pos = this.loc.value([...this.path, key]);
    if (ok(v)) return at(v, pos);
    this.diags.error(pos, `${key}: expected ${want}, got ${typeName(v)}`);
    return undefined;
  }
  str(key: string) {
    return this.typed(key, "a string", (v): v is string => typeof v === "string");
  }
  num(key: string) {
    return this.typed(key, "a number", (v): v is number => typeof v === "number" && Number.isFinite(v));
  }
  int(key: string) {
    const v = this.typed(key, "an integer", (x): x is number => typeof x === "number" && Number.isFinite(x));
    if (v && !Number.isInteger(v.value)) {
      this.diags.error(v.pos, `${key}: expected an integer, got ${v.value}`);
      return undefined;
    }
    return v;
  }
  bool(key: string) {
    return this.typed(key, "true or false", (v): v is boolean => typeof v === "boolean");
  }
  /** Items of an array value, each with its position. */
  items(key: string): Item[] {
    const v = this.typed(key, "an array", (x): x is unknown[] => Array.isArray(x));
    return (v?.value ?? []).map((value, n) => {
      const path = [...this.path, key, n];
      return { value, pos: this.loc.value(path), keyPos: (k: string) => this.loc.key([...path, k]), valuePos: (k: string) => this.loc.value([...path, k]) };
    });
  }
  unknownKeys(allowed: string[], what: string): void {
    for (const k of Object.keys(this.t)) {
      if (!allowed.includes(k)) this.diags.error(this.pos(k), `unknown key '${k}' in ${what}${didYouMean(k, allowed)}`);
    }
  }
}

/** An array item with the positions of its own keys and values when it is an inline table. */
interface Item {
  value: unknown;
  pos: SourcePosition;
  keyPos(key: string): SourcePosition;
  valuePos(key: string): SourcePosition;
}

/** A list item: a keepalived-style line, or a table whose keys are rewritten as that line's tokens. */
function itemTokens(item: Item, key: string, first: string, diags: Diags): Tok[] | undefined {
  const { value, pos } = item;
  if (typeof value === "string") return splitString(value, pos);
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const t = value as Table;
    const head = t[first];
    if (first !== "" && typeof head !== "string") {
      diags.error(pos, `${key}: a table item needs a string '${first}'`);
      return undefined;
    }
    const toks: Tok[] = first === "" ? [] : [{ text: head as string, pos: item.valuePos(first) }];
    for (const [k, v] of Object.entries(t)) {
      if (k === first) continue;
      // Rules have no head word: { not = true, from = "…", blackhole = true }.
      if (typeof v === "boolean" && (k === "reverse" || k === "noreverse" || first === "" || ROUTE_FLAGS.includes(k))) {
        if (v) toks.push({ text: k, pos: item.keyPos(k) }); // { reverse = true } → "reverse"
        continue;
      }
      if (typeof v !== "string" && typeof v !== "number") {
        diags.error(item.valuePos(k), `${key}: '${k}' must be a string or a number, got ${typeName(v)}`);
        continue;
      }
      toks.push({ text: k, pos: item.keyPos(k) }, { text: String(v), pos: item.valuePos(k) });
    }
    return toks;
  }
  diags.error(pos, `${key}: expected a string or a table, got ${typeName(value)}`);
  return undefined;
}

/** Each item of a list key as a keepalived line's tokens. */
export function eachLine(x: Tbl, key: string, first: string, parse: (t: Tok[]) => void): void {
  for (const item of x.items(key)) {
    const toks = itemTokens(item, key, first, x.diags);
    if (toks) parse(toks);
  }
}
