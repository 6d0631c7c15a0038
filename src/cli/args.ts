// The argv parser of every subcommand, driven by one spec per option (src/cli/command.ts): the
// tokens come from node:util's parseArgs (--name VALUE, --name=VALUE, -c VALUE, -cVALUE, -tf FILE,
// "--" ending the options); the spec decides what is known, what takes a value, and which values
// are allowed. The same specs write `--help`, the man page test's expectations and the shell
// completions (packaging/completions/generate.ts), so none of them can drift from the parser.
//
// As getopt (and keepalived): the word after an option that takes a value is its value, even when
// it starts with a dash. A usage error prints one line and the command's synopsis on stderr and
// exits with the command's usage code (64, EX_USAGE; 2 for the commands that always used 2).
import { parseArgs as tokenize } from "node:util";

export interface OptionSpec {
  /** Long name without "--"; the key of its value in ParsedArgs.flags. */
  name: string;
  /** Other spellings, short or long: "-c", "-f", "--use-file". */
  aliases?: readonly string[];
  /** Name of its value in help ("PATH"); absent: a flag without a value. */
  value?: string;
  /** The values it accepts (checked here, listed in help and completed by the shells). */
  choices?: readonly string[];
  /** How shells complete its value: file names, directory names, or these words (not enforced). */
  complete?: "file" | "dir" | readonly string[];
  /** Help text; "\n" starts a continuation line. The first line is what completions show. */
  description: string;
  /** Shown in help as "(default …)". */
  default?: string;
  /** Only valid on its own (`convert --keywords`): it gets its own synopsis line. */
  alone?: boolean;
  /** Accepted, but not in help, man page or completions (internal). */
  hidden?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  options: readonly OptionSpec[];
  /** Operands after the options in the synopsis: "FILE", "[PATH]". */
  operands?: string;
  /** What shells complete for operands. */
  completeOperands?: "file";
  /** A paragraph between the synopsis and the options. */
  about?: string;
  /** Text after the options: exit status, signals. */
  epilog?: string;
  /** Exit code of a usage error: 64 (EX_USAGE), or 2 where the command always exited 2. */
  usageExit: number;
}

/** sysexits.h: the command was used incorrectly (bad option, missing argument). */
export const EX_USAGE = 64;

/** Every command takes these; they are not part of the specs. */
export const HELP_OPTION: OptionSpec = { name: "help", aliases: ["-h"], description: "this help" };

export interface ParsedArgs {
  flags: Map<string, string | true>;
  positionals: string[];
}

export class UsageError extends Error {}

/** Every spelling of an option: "--config", "-c", "-f", "--use-file". */
export function spellings(o: OptionSpec): string[] {
  return [`--${o.name}`, ...(o.aliases ?? [])];
}

/** The options shown to people (help, man page, completions), --help last. */
export function visibleOptions(spec: CommandSpec): OptionSpec[] {
  return [...spec.options.filter((o) => !o.hidden), HELP_OPTION];
}

type TokenOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

/** Parse argv against a spec. Throws UsageError; --help is an ordinary flag here. */
export function parseArgs(argv: string[], spec: CommandSpec): ParsedArgs {
  const bySpelling = new Map<string, OptionSpec>();
  const config: TokenOptions = {};
  for (const o of [...spec.options, HELP_OPTION]) {
    const type = o.value ? "string" : "boolean";
    for (const s of spellings(o)) {
      bySpelling.set(s, o);
      // parseArgs knows one short letter per option: each extra spelling is a key of its own
      // ("-f" as "config\0f"; no argv word holds a NUL), mapped back through rawName below.
      if (s.startsWith("--")) config[s.slice(2)] = { type };
      else config[`${o.name}\0${s.slice(1)}`] = { type, short: s.slice(1) };
    }
  }
  const { tokens } = tokenize({ args: argv, options: config, strict: false, allowPositionals: true, tokens: true });
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional") positionals.push(t.value);
    if (t.kind !== "option") continue;
    const o = bySpelling.get(t.rawName);
    if (!o) throw new UsageError(`unknown option '${t.rawName}'`);
    if (!o.value) {
      if (t.value !== undefined) throw new UsageError(`option '${t.rawName}' takes no value`);
      flags.set(o.name, true);
      continue;
    }
    if (t.value === undefined) throw new UsageError(`option '${t.rawName}' needs a value (${o.value})`);
    if (o.choices && !o.choices.includes(t.value)) {
      const allowed = o.choices.length === 2 ? o.choices.join(" or ") : `one of ${o.choices.join(", ")}`;
      throw new UsageError(`option '${t.rawName}' must be ${allowed}, got '${t.value}'`);
    }
    flags.set(o.name, t.value);
  }
  const alone = spec.options.find((o) => o.alone && flags.has(o.name));
  if (alone && (flags.size > 1 || positionals.length > 0)) throw new UsageError(`--${alone.name} takes no other argument`);
  return { flags, positionals };
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

const WIDTH = 100;

/** "vigil check [--config PATH] [--strict] … [PATH]", wrapped under the command name. */
export function synopsis(spec: CommandSpec): string {
  const shown = spec.options.filter((o) => !o.hidden);
  const word = (o: OptionSpec) => `[--${o.name}${o.value ? ` ${o.choices ? o.choices.join("|") : o.value}` : ""}]`;
  const words = [...shown.filter((o) => !o.alone).map(word), ...(spec.operands ? [spec.operands] : [])];
  const head = `vigil ${spec.name}`;
  const lines = [head];
  for (const w of words) {
    if (lines.at(-1)!.length + 1 + w.length > WIDTH - "Usage: ".length) lines.push(" ".repeat(head.length));
    lines[lines.length - 1] += ` ${w}`;
  }
  const alone = shown.filter((o) => o.alone).map((o) => ` | ${head} --${o.name}`);
  return lines.join("\n" + " ".repeat("Usage: ".length)) + alone.join("");
}

const COLUMN = 24;

/** Words of a line refilled to lines of at most `width` characters. */
function wrap(line: string, width: number): string[] {
  const out = [""];
  for (const w of line.split(" ")) {
    if (out.at(-1)! !== "" && out.at(-1)!.length + 1 + w.length > width) out.push("");
    out[out.length - 1] += out.at(-1) === "" ? w : ` ${w}`;
  }
  return out;
}

/** One option's lines in help: its spellings and value, then the description beside or below. */
function optionLines(o: OptionSpec): string[] {
  const head = `  ${spellings(o).join(", ")}${o.value ? ` ${o.value}` : ""}`;
  const text = o.description.split("\n");
  if (o.choices) text[text.length - 1] += `: ${o.choices.join(" | ")}`;
  if (o.default !== undefined) text[text.length - 1] += ` (default: ${o.default})`;
  const lines = text.flatMap((l) => wrap(l, WIDTH - COLUMN));
  const pad = " ".repeat(COLUMN);
  if (head.length + 2 > COLUMN) return [head, ...lines.map((l) => pad + l)];
  return [head.padEnd(COLUMN) + lines[0], ...lines.slice(1).map((l) => pad + l)];
}

/** The text after "Usage: ": synopsis, about, options, epilog. */
export function usageText(spec: CommandSpec): string {
  const parts = [synopsis(spec)];
  if (spec.about) parts.push(spec.about);
  parts.push(visibleOptions(spec).flatMap(optionLines).join("\n"));
  if (spec.epilog) parts.push(spec.epilog);
  return parts.join("\n\n");
}

/** `vigil <command> --help`. */
export function helpText(spec: CommandSpec): string {
  return `${spec.summary}\n\nUsage: ${usageText(spec)}`;
}

/** Print a usage error as one line and the synopsis; returns the command's usage exit code. */
export function usageError(spec: CommandSpec, message: string): number {
  console.error(`vigil ${spec.name}: ${message}\nUsage: ${synopsis(spec)}`);
  return spec.usageExit;
}

/**
 * Parse a command's argv: the arguments, or the exit code when there is nothing more to do
 * (--help printed: 0; a usage error printed: the command's usage code). --help wins over errors,
 * as it did when main.ts looked for it before parsing.
 */
export function parseCommand(spec: CommandSpec, argv: string[]): ParsedArgs | number {
  let p: ParsedArgs;
  try {
    p = parseArgs(argv, spec);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (argv.includes("--help") || argv.includes("-h")) return help(spec);
    return usageError(spec, e.message);
  }
  return p.flags.has("help") ? help(spec) : p;
}

function help(spec: CommandSpec): number {
  console.log(helpText(spec));
  return 0;
}
