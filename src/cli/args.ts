// The one argv parser of every subcommand: --name VALUE, --name=VALUE, short aliases (-c VALUE),
// boolean flags, positionals, and "--" ending the options. Errors are UsageError (exit 2).
export interface ParsedArgs {
  flags: Map<string, string | true>;
  positionals: string[];
}

export interface ArgSpec {
  /** Options that take a value, by long name without "--". */
  valued?: readonly string[];
  /** Options without a value. */
  booleans?: readonly string[];
  /** Short spellings: { "-c": "config" }. */
  aliases?: Readonly<Record<string, string>>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  const valued = spec.valued ?? [];
  const booleans = spec.booleans ?? [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const spelled = eq > 0 ? a.slice(0, eq) : a;
    const name = spec.aliases?.[spelled] ?? (spelled.startsWith("--") ? spelled.slice(2) : "");
    if (valued.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`option '${spelled}' needs a value`);
      flags.set(name, v);
    } else if (booleans.includes(name) && eq < 0) {
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option '${spelled}'`);
    }
  }
  return { flags, positionals };
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

/** Parse, or print the error with the usage line and return null (caller exits 2). */
export function parseOrExplain(command: string, usage: string, argv: string[], spec: ArgSpec): ParsedArgs | null {
  try {
    return parseArgs(argv, spec);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`vigil ${command}: ${e.message}\nUsage: ${usage.split("\n")[0]}`);
    return null;
  }
}
