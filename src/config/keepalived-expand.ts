// keepalived's text expansions, sized before they are produced: `$NAME` / `${NAME}` parameters and
// `~SEQ(var, start, step, end) text` / `~LST(vars, values…) text` line generators (lib/parser.c
// behaviour). A small file must not expand into gigabytes, so every expansion has a cap and says
// which one it hit.

/** keepalived's line buffer (MAXBUF): no line longer than this survives its parameter substitution. */
export const MAX_EXPANDED_LINE_BYTES = 1024;
/** Parameters referring to parameters: passes over one word before giving up. */
export const MAX_SUBST_DEPTH = 10;
/** Lines one config may generate through ~SEQ/~LST (all of them together). */
export const MAX_GENERATED_LINES = 100_000;
/** Bytes one config may generate through ~SEQ/~LST (as the size limit of the file itself). */
export const MAX_GENERATED_BYTES = 4 * 1024 * 1024;
/** ~SEQ/~LST nested on one line. */
export const MAX_SEQ_NESTING = 8;

export class ExpansionError extends Error {}

/**
 * Replaces `${NAME}` anywhere and `$NAME` at the end of the word, repeatedly (a value may name
 * another parameter), as keepalived's replace_param. Throws ExpansionError past the caps.
 */
export function substituteParams(text: string, lookup: (name: string) => string | undefined): string {
  let out = text;
  for (let depth = 0; out.includes("$"); depth++) {
    if (depth >= MAX_SUBST_DEPTH) {
      throw new ExpansionError(`parameters refer to parameters more than ${MAX_SUBST_DEPTH} deep (a loop?)`);
    }
    const next = substituteOnce(out, lookup);
    if (next === out) break;
    out = next;
  }
  return out;
}

function substituteOnce(text: string, lookup: (name: string) => string | undefined): string {
  const re = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)$/g;
  let out = "";
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const value = lookup(m[1] ?? m[2]!);
    if (value === undefined) continue;
    // Size each piece before appending it: the bound holds however large the values are.
    if (out.length + (m.index - last) + value.length > MAX_EXPANDED_LINE_BYTES) {
      throw new ExpansionError(`parameter expansion exceeds ${MAX_EXPANDED_LINE_BYTES} bytes (keepalived's line limit)`);
    }
    out += text.slice(last, m.index) + value;
    last = m.index + m[0].length;
  }
  if (last === 0) return text;
  out += text.slice(last);
  if (out.length > MAX_EXPANDED_LINE_BYTES) {
    throw new ExpansionError(`parameter expansion exceeds ${MAX_EXPANDED_LINE_BYTES} bytes (keepalived's line limit)`);
  }
  return out;
}

/** One ~SEQ/~LST: the variables, one value per variable per round, and the text to repeat. */
export interface Generator {
  vars: string[];
  /** Number of rounds. */
  rounds: number;
  /** Values of round r (one per variable). */
  values(r: number): string[];
  /** The rest of the line after the closing ')'. */
  rest: string;
}

/** Parses a line starting `~SEQ(`, `~SEQx(` or `~LST(` (leading blanks allowed). */
export function parseGenerator(line: string, resolve: (s: string) => string): Generator {
  const t = line.trimStart();
  if (t.startsWith("~LST")) return parseLst(t.slice(4));
  if (t.startsWith("~SEQ")) return parseSeq(t.slice(4), resolve);
  throw new ExpansionError("not a ~SEQ or ~LST line");
}

function closeParen(s: string): number {
  const end = s.indexOf(")");
  if (end < 0) throw new ExpansionError("missing ')'");
  return end;
}

function parseSeq(s: string, resolve: (s: string) => string): Generator {
  const hex = s.startsWith("x");
  if (hex) s = s.slice(1);
  s = s.trimStart();
  if (!s.startsWith("(")) throw new ExpansionError("~SEQ needs '('");
  const end = closeParen(s);
  const parts = s.slice(1, end).split(",").map((p) => p.trim());
  const rest = s.slice(end + 1).trimStart();
  const v = parts[0]!;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v) || parts.length < 2 || parts.length > 4) {
    throw new ExpansionError("invalid ~SEQ definition: ~SEQ(VAR, [START,] [STEP,] END)");
  }
  // Numbers may be parameters; strtol accepts decimal, 0x hex and 0 octal.
  const nums = parts.slice(1).map((p) => {
    const x = resolve(p);
    const n = /^[+-]?0x[0-9a-f]+$/i.test(x) ? parseInt(x, 16) : /^[+-]?[0-9]+$/.test(x) ? Number(x) : NaN;
    if (!Number.isSafeInteger(n)) throw new ExpansionError(`~SEQ value '${p}' is not an integer`);
    return n;
  });
  let start: number;
  let step: number;
  let last: number;
  if (nums.length === 1) {
    last = nums[0]!;
    step = last < 1 ? -1 : 1;
    start = last < 0 ? -1 : 1;
  } else if (nums.length === 2) {
    [start, last] = nums as [number, number];
    step = start <= last ? 1 : -1;
  } else {
    [start, step, last] = nums as [number, number, number];
    if (step === 0 || (start < last && step < 0) || (start > last && step > 0)) throw new ExpansionError("invalid ~SEQ values");
  }
  if (hex && (start < 0 || last < 0)) throw new ExpansionError("~SEQx is only valid for positive numbers");
  // Counted, not iterated: a million-round ~SEQ is refused before any line exists.
  const rounds = Math.floor((last - start) / step) + 1;
  return { vars: [v], rounds, values: (r) => [(start + r * step).toString(hex ? 16 : 10)], rest };
}

/** `~LST(VAR, v1, v2…)` or `~LST({A, B}, {a1, b1}, {a2, b2}…)`; missing values are blank. */
function parseLst(s: string): Generator {
  s = s.trimStart();
  if (!s.startsWith("(")) throw new ExpansionError("~LST needs '('");
  const end = closeParen(s);
  const body = s.slice(1, end);
  const rest = s.slice(end + 1).trimStart();
  const groups: string[][] = [];
  const re = /\s*(\{[^}]*\}|[^,]*)\s*(,|$)/y;
  for (let pos = 0; pos < body.length;) {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (!m || m[0] === "") break;
    const g = m[1]!.trim();
    groups.push(g.startsWith("{") ? g.slice(1, -1).split(",").map((x) => x.trim()) : [g]);
    pos = re.lastIndex;
  }
  const vars = groups.shift() ?? [];
  if (vars.length === 0 || groups.length === 0 || vars.some((v) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))) {
    throw new ExpansionError("invalid ~LST definition: ~LST(VAR, v1, v2…) or ~LST({A, B}, {a1, b1}…)");
  }
  if (groups.some((g) => g.length > vars.length)) throw new ExpansionError("~LST specification has too many values");
  return { vars, rounds: groups.length, values: (r) => vars.map((_, k) => groups[r]![k] ?? ""), rest };
}
