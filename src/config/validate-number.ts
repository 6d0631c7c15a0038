// Number checks shared by the validators: a range, a whole number; each problem at its position.
import type { Diags } from "./diagnostics.ts";
import type { Located } from "./draft.ts";

export function inRange(v: Located<number> | undefined, lo: number, hi: number, what: string, diags: Diags): boolean {
  if (!v) return true;
  if (!Number.isFinite(v.value) || v.value < lo || v.value > hi) {
    diags.error(v.pos, `${what} ${v.value} is out of range (${lo}–${hi})`);
    return false;
  }
  return true;
}

export function isInt(v: Located<number> | undefined, what: string, diags: Diags): boolean {
  if (!v || Number.isInteger(v.value)) return true;
  diags.error(v.pos, `${what} must be a whole number, got ${v.value}`);
  return false;
}
