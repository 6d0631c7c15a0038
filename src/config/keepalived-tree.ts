// Builds keepalived statements ("keyword args… [{ block }]") from the token stream. Iterative with an
// explicit stack so garbage like ten thousand '{' cannot overflow the call stack.

import type { SourcePosition } from "./schema.ts";
import type { Diags } from "./diagnostics.ts";
import type { Item, Word } from "./keepalived-lexer.ts";

export interface Stmt {
  keyword: Word;
  args: Word[];
  block?: Stmt[];
  /** Position of the '{' that opened the block. */
  blockPos?: SourcePosition;
}

const MAX_DEPTH = 64;

export function buildTree(items: Item[], diags: Diags): Stmt[] {
  const root: Stmt[] = [];
  const stack: { list: Stmt[]; opener?: Stmt }[] = [{ list: root }];
  let newlineSinceStmt = false;
  let i = 0;
  const top = () => stack[stack.length - 1]!;
  const open = (owner: Stmt, pos: SourcePosition) => {
    owner.block = [];
    owner.blockPos = pos;
    if (stack.length > MAX_DEPTH) {
      diags.error(pos, `blocks nested more than ${MAX_DEPTH} deep`);
    }
    stack.push({ list: owner.block, opener: owner });
  };
  while (i < items.length && !diags.full) {
    const it = items[i]!;
    if (it.kind === "nl") {
      newlineSinceStmt = true;
      i++;
      continue;
    }
    if (it.kind === "close") {
      // keepalived (lib/parser.c) reports "Extra '}' found" and carries on without it.
      if (stack.length === 1) diags.tolerate(it.pos, "extra '}' with no open block; ignored (as keepalived)");
      else stack.pop();
      newlineSinceStmt = false;
      i++;
      continue;
    }
    if (it.kind === "open") {
      const list = top().list;
      const prev = list[list.length - 1];
      // keepalived also accepts the '{' on the line after its keyword.
      if (prev && !prev.block && newlineSinceStmt) open(prev, it.pos);
      else {
        diags.error(it.pos, "'{' without a keyword before it");
        open({ keyword: { text: "{", pos: it.pos, quoted: false }, args: [] }, it.pos);
      }
      newlineSinceStmt = false;
      i++;
      continue;
    }
    const stmt: Stmt = { keyword: it.word, args: [] };
    i++;
    while (i < items.length) {
      const a = items[i]!;
      if (a.kind !== "word") break;
      stmt.args.push(a.word);
      i++;
    }
    top().list.push(stmt);
    newlineSinceStmt = false;
    const next = items[i];
    if (next && next.kind === "open") {
      open(stmt, next.pos);
      i++;
    }
  }
  // keepalived reports "There are N missing '}'s or extra '{'s" and closes them at the end of
  // the file: the same here, one message per unclosed block.
  const missing = stack.length - 1;
  for (let k = missing; k > 0; k--) {
    const opener = stack[k]!.opener!;
    diags.tolerate(
      opener.blockPos ?? opener.keyword.pos,
      `'{' of '${opener.keyword.text}' is never closed (missing '}'); closed at the end of the file (as keepalived: ${missing} missing '}')`,
    );
  }
  return root;
}
