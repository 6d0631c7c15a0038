// Collects every problem of one load (errors and warnings), so `vigil check` can print them all at once.

import type { Diagnostic, SourcePosition } from "./schema.ts";

/** Beyond this many errors the rest are noise (a binary or truncated file); stop recording. */
export const MAX_ERRORS = 200;
/** Warnings kept per load; a file with more is noise too (the count is still bounded). */
export const MAX_WARNINGS = MAX_ERRORS * 5;

/** A message, or a function building it: called only if the diagnostic is recorded (after the
 * caps, "did you mean" suggestions are not computed at all). */
export type Message = string | (() => string);
const text = (m: Message): string => (typeof m === "string" ? m : m());

export interface DiagsOptions {
  /** `vigil check --strict` / TOML `strict = true`: a part ignored or not acted on is an error. */
  strict?: boolean;
}

export class Diags {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  private capped = false;
  strict: boolean;
  /**
   * Reading a keepalived.conf: what keepalived itself tolerates (warns about and carries on) is a
   * warning here too, so the same file runs with the same meaning. vigil's TOML stays strict.
   */
  keepalivedCompat = false;

  constructor(opts: DiagsOptions = {}) {
    this.strict = opts.strict ?? false;
  }

  error(pos: SourcePosition, msg: Message): void {
    if (this.errors.length >= MAX_ERRORS) {
      if (!this.capped) {
        this.capped = true;
        this.errors.push({ severity: "error", message: `too many errors; stopped after ${MAX_ERRORS}`, pos });
      }
      return;
    }
    this.errors.push({ severity: "error", message: text(msg), pos });
  }

  /** A part of the config that is ignored, changed or not acted on: an error under --strict. */
  warn(pos: SourcePosition, msg: Message): void {
    if (this.strict) return this.error(pos, () => `${text(msg)} (error under --strict)`);
    this.advise(pos, msg);
  }

  /** Advice that changes nothing in what runs (never an error, not even under --strict). */
  advise(pos: SourcePosition, msg: Message): void {
    if (this.warnings.length >= MAX_WARNINGS) return;
    this.warnings.push({ severity: "warning", message: text(msg), pos });
  }

  /** keepalived warns and carries on (warning); vigil's own TOML refuses it (error). */
  tolerate(pos: SourcePosition, msg: Message): void {
    if (this.keepalivedCompat) this.warn(pos, msg);
    else this.error(pos, msg);
  }

  get full(): boolean {
    return this.capped;
  }

  /** True once no further diagnostic would be recorded: skip costly work such as suggestions. */
  get saturated(): boolean {
    return this.capped || (this.warnings.length >= MAX_WARNINGS && (this.strict || this.errors.length >= MAX_ERRORS));
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

const MAX_SUGGEST_LENGTH = 64;

/** " (did you mean X?)" for the closest candidate within a third of the word's length, else "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  if (word.length > MAX_SUGGEST_LENGTH) return ""; // no keyword is that long; edit distance would be costly
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
