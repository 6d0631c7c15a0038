// Collects every problem of one load (errors and warnings), so `vigil check` can print them all at once.

import type { Diagnostic, SourcePosition } from "./schema.ts";

/** Beyond this many errors the rest are noise (a binary or truncated file); stop recording. */
export const MAX_ERRORS = 200;

export class Diags {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  private capped = false;

  error(pos: SourcePosition, message: string): void {
    if (this.errors.length >= MAX_ERRORS) {
      if (!this.capped) {
        this.capped = true;
        this.errors.push({ severity: "error", message: `too many errors; stopped after ${MAX_ERRORS}`, pos });
      }
      return;
    }
    this.errors.push({ severity: "error", message, pos });
  }

  warn(pos: SourcePosition, message: string): void {
    if (this.warnings.length >= MAX_ERRORS * 5) return;
    this.warnings.push({ severity: "warning", message, pos });
  }

  get full(): boolean {
    return this.capped;
  }
}

/** `file:line:col: message` for errors, `file:line:col: warning: message` for warnings. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.pos.file}:${d.pos.line}:${d.pos.col}`;
  return d.severity === "warning" ? `${where}: warning: ${d.message}` : `${where}: ${d.message}`;
}

/** Sort by line then column within each file (files in order of first mention), so output reads top to bottom. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const fileRank = new Map<string, number>();
  for (const d of list) if (!fileRank.has(d.pos.file)) fileRank.set(d.pos.file, fileRank.size);
  return [...list].sort(
    (a, b) => fileRank.get(a.pos.file)! - fileRank.get(b.pos.file)! || a.pos.line - b.pos.line || a.pos.col - b.pos.col,
  );
}

export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** " (did you mean X?)" for the closest candidate within a third of the word's length, else "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDist <= limit ? `; did you mean ${best}?` : "";
}
