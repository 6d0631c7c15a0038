// Small statement helpers shared by the keepalived block readers.

import type { Diags } from "./diagnostics.ts";
import { didYouMean } from "./diagnostics.ts";
import { type Keyword, keyword, keywordNames, type Section } from "./keywords.ts";
import type { Stmt } from "./keepalived-tree.ts";
import type { Word } from "./keepalived-lexer.ts";
import { at, type Located, type NotifyDraft } from "./draft.ts";
import { parseBool, parseInteger, parseNumber } from "./lines.ts";

/** A block statement's lines as token lists (keyword first), for list blocks like virtual_ipaddress. */
export function blockLines(stmt: Stmt, diags: Diags): Word[][] {
  const out: Word[][] = [];
  for (const child of stmt.block ?? []) {
    if (child.block) diags.error(child.blockPos ?? child.keyword.pos, `unexpected '{' inside ${stmt.keyword.text}`);
    out.push([child.keyword, ...child.args]);
  }
  return out;
}

export function requireBlock(stmt: Stmt, diags: Diags): boolean {
  if (stmt.block) return true;
  diags.error(stmt.keyword.pos, `${stmt.keyword.text} needs a { … } block`);
  return false;
}

export function forbidBlock(stmt: Stmt, diags: Diags): boolean {
  if (!stmt.block) return true;
  diags.error(stmt.blockPos ?? stmt.keyword.pos, `${stmt.keyword.text} does not take a { … } block`);
  return false;
}

/** Exactly one value; extra words are an error (they usually mean a typo or a missing newline). */
export function oneArg(stmt: Stmt, diags: Diags, usage = "VALUE"): Word | undefined {
  if (!forbidBlock(stmt, diags)) return undefined;
  const [a, extra] = stmt.args;
  if (!a) {
    diags.error(stmt.keyword.pos, `${stmt.keyword.text}: missing value (${stmt.keyword.text} ${usage})`);
    return undefined;
  }
  // keepalived reads the first value and ignores the rest of the line.
  if (extra) diags.tolerate(extra.pos, `${stmt.keyword.text}: unexpected '${extra.text}' after the value; ignored (as keepalived)`);
  return a;
}

export function noArgs(stmt: Stmt, diags: Diags): boolean {
  if (!forbidBlock(stmt, diags)) return false;
  const extra = stmt.args[0];
  if (extra) {
    diags.error(extra.pos, `${stmt.keyword.text} takes no value, got '${extra.text}'`);
    return false;
  }
  return true;
}

export function strArg(stmt: Stmt, diags: Diags, usage?: string): Located<string> | undefined {
  const a = oneArg(stmt, diags, usage);
  return a ? at(a.text, a.pos) : undefined;
}

export function intArg(stmt: Stmt, diags: Diags): Located<number> | undefined {
  const a = oneArg(stmt, diags, "NUMBER");
  return a ? parseInteger(a, stmt.keyword.text, diags) : undefined;
}

export function numArg(stmt: Stmt, diags: Diags): Located<number> | undefined {
  const a = oneArg(stmt, diags, "SECONDS");
  return a ? parseNumber(a, stmt.keyword.text, diags) : undefined;
}

/** Joins a command's words back into one line the runtime splits again (quoting where needed). */
export function joinCommand(words: Word[]): string {
  if (words.length === 1) return words[0]!.text;
  return words
    .map((w) => {
      if (w.text !== "" && !/[\s'"\\]/.test(w.text)) return w.text;
      if (!w.text.includes("'")) return `'${w.text}'`;
      return `"${w.text.replace(/["\\]/g, (c) => "\\" + c)}"`;
    })
    .join(" ");
}

/** keepalived notify keywords: "SCRIPT [username [groupname]]". */
export function notifyArg(stmt: Stmt, diags: Diags): Located<string> | undefined {
  if (!forbidBlock(stmt, diags)) return undefined;
  const [script, user] = stmt.args;
  if (!script) {
    diags.error(stmt.keyword.pos, `${stmt.keyword.text}: missing script`);
    return undefined;
  }
  if (user) {
    diags.warn(
      user.pos,
      `${stmt.keyword.text}: running as user '${user.text}' is not supported by vigil; ignored (quote the script if these were its arguments)`,
    );
  }
  return at(script.text, script.pos);
}

/** Warns on the second occurrence of a single-valued keyword in one block (keepalived keeps the last). */
export class Repeats {
  private readonly seen = new Map<string, Word>();
  check(stmt: Stmt, diags: Diags): void {
    const k = stmt.keyword.text;
    const prev = this.seen.get(k);
    if (prev) diags.warn(stmt.keyword.pos, `${k} given again (first at line ${prev.pos.line}); the last one wins`);
    this.seen.set(k, stmt.keyword);
  }
}

/** keepalived keeps the first notify script of a kind: "script already specified - ignoring". */
export function setNotify(n: NotifyDraft, field: keyof NotifyDraft, stmt: Stmt, diags: Diags): void {
  const v = notifyArg(stmt, diags);
  if (!v) return;
  const first = n[field];
  if (first) {
    diags.warn(stmt.keyword.pos, `${stmt.keyword.text} already given at line ${first.pos.line}; '${v.value}' ignored (keepalived keeps the first)`);
    return;
  }
  n[field] = v;
}

/**
 * The table-driven part of reading one statement of a section: unknown keywords (warning, as
 * keepalived), known-but-ignored ones (warning), and the plain value kinds into `target[field]`.
 * Returns the descriptor when the caller still has to read it (arg list/block/special), else undefined.
 */
export function readByTable(
  section: Section,
  where: string,
  s: Stmt,
  target: object,
  notify: NotifyDraft | undefined,
  diags: Diags,
  unknownHint?: () => string,
): Keyword<never> | undefined {
  const name = s.keyword.text;
  const k = keyword(section, name);
  if (!k) {
    diags.warn(
      s.keyword.pos,
      () => `unknown keyword '${name}' in ${where}, ignored (as keepalived)${didYouMean(name, keywordNames(section)) || (unknownHint?.() ?? "")}`,
    );
    return undefined;
  }
  if (k.does === "ignored" || k.does === "skipped") {
    diags.warn(s.keyword.pos, `${where}: '${name}' is ${k.why ?? "not supported by vigil"}; ignored`);
    return undefined;
  }
  const set = (v: unknown) => {
    if (v !== undefined && k.field) (target as Record<string, unknown>)[k.field] = v;
  };
  switch (k.arg) {
    case "string":
      set(strArg(s, diags, usage(k.name)));
      return undefined;
    case "int":
      set(intArg(s, diags));
      return undefined;
    case "number":
      set(numArg(s, diags));
      return undefined;
    case "flag":
      if (noArgs(s, diags)) set(at(true, s.keyword.pos));
      return undefined;
    case "noflag":
      if (noArgs(s, diags)) set(at(false, s.keyword.pos));
      return undefined;
    case "bool":
      if (forbidBlock(s, diags)) set(parseBool(s.keyword, s.args, diags));
      return undefined;
    case "notify":
      if (notify && k.notify) setNotify(notify, k.notify, s, diags);
      return undefined;
    case "command":
      if (!forbidBlock(s, diags)) return undefined;
      if (s.args.length === 0) diags.error(s.keyword.pos, `${name}: missing command`);
      else set(at(joinCommand(s.args), s.args[0]!.pos));
      return undefined;
    case "weight": {
      const w = weightArg(s, diags);
      set(w?.weight);
      if (w?.reverse) (target as Record<string, unknown>).reverse = w.reverse;
      return undefined;
    }
  }
  return k;
}

/** "weight N [reverse]" (the reverse goes to the target's `reverse`). */
export function weightArg(c: Stmt, diags: Diags): { weight?: Located<number>; reverse?: Located<boolean> } | undefined {
  if (!forbidBlock(c, diags)) return undefined;
  const [n, rev, extra] = c.args;
  if (!n) {
    diags.error(c.keyword.pos, "weight: missing value");
    return undefined;
  }
  let reverse: Located<boolean> | undefined;
  if (rev?.text === "reverse") reverse = at(true, rev.pos);
  else if (rev) diags.warn(rev.pos, `weight: unexpected '${rev.text}'; ignored (as keepalived)`);
  if (extra) diags.warn(extra.pos, `weight: unexpected '${extra.text}'; ignored (as keepalived)`);
  const weight = parseInteger(n, "weight", diags);
  return { ...(weight ? { weight } : {}), ...(reverse ? { reverse } : {}) };
}

const USAGE: Record<string, string> = {
  interface: "IFNAME",
  state: "MASTER|BACKUP",
  router_id: "NAME",
  file: "PATH",
  auth_type: "PASS|AH",
  auth_pass: "PASSWORD",
};
const usage = (name: string): string => USAGE[name] ?? (name.endsWith("_ip") ? "ADDRESS" : "VALUE");
