// Small statement helpers shared by the keepalived block readers.

import type { Diags } from "./diagnostics.ts";
import type { Stmt } from "./keepalived-tree.ts";
import type { Word } from "./keepalived-lexer.ts";
import { at, type Located, type NotifyDraft } from "./draft.ts";
import { parseInteger, parseNumber } from "./lines.ts";

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
    diags.warn(user.pos, `${stmt.keyword.text}: running as user '${user.text}' is not supported by vigil; ignored (quote the script if these were its arguments)`);
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
