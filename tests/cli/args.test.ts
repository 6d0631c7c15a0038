// src/cli/args.ts: parsing from the option specs (getopt's habits through node:util's parseArgs),
// and the help and synopsis written from the same specs.
import { describe, expect, test } from "bun:test";
import { type CommandSpec, helpText, parseArgs, spellings, synopsis, UsageError, visibleOptions } from "../../src/cli/args.ts";
import { CHECK_SPEC, COMMAND_SPECS, CONVERT_SPEC, DEMO_SPEC, RUN_SPEC } from "../../src/cli/command.ts";

const parse = (spec: CommandSpec, ...argv: string[]) => {
  const p = parseArgs(argv, spec);
  return { flags: Object.fromEntries(p.flags), positionals: p.positionals };
};
const error = (spec: CommandSpec, ...argv: string[]): string => {
  try {
    parseArgs(argv, spec);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
};

describe("parsing", () => {
  test("every spelling of an option lands on its long name, with or without '='", () => {
    for (const argv of [["--config", "a"], ["--config=a"], ["-c", "a"], ["-ca"], ["-f", "a"], ["--use-file", "a"], ["--use-file=a"]]) {
      expect(parse(CHECK_SPEC, ...argv)).toEqual({ flags: { config: "a" }, positionals: [] });
    }
    expect(parse(CHECK_SPEC, "-i", "low", "--strict", "-t")).toEqual({ flags: { "config-id": "low", strict: true, "config-test": true }, positionals: [] });
  });

  test("getopt habits: grouped shorts, the next word is a value even with a dash, '--' ends options, the last one wins", () => {
    expect(parse(CHECK_SPEC, "-tf", "k.conf")).toEqual({ flags: { "config-test": true, config: "k.conf" }, positionals: [] });
    expect(parse(CHECK_SPEC, "--config", "--strict")).toEqual({ flags: { config: "--strict" }, positionals: [] });
    expect(parse(CHECK_SPEC, "--", "--strict", "-")).toEqual({ flags: {}, positionals: ["--strict", "-"] });
    expect(parse(RUN_SPEC, "--http", "", "--http", "127.0.0.1:1")).toEqual({ flags: { http: "127.0.0.1:1" }, positionals: [] });
  });

  test("usage errors: one line naming the option as typed", () => {
    expect(error(CHECK_SPEC, "--cofig", "x")).toBe("unknown option '--cofig'");
    expect(error(CHECK_SPEC, "-x")).toBe("unknown option '-x'");
    expect(error(CHECK_SPEC, "--config")).toBe("option '--config' needs a value (PATH)");
    expect(error(CHECK_SPEC, "-f")).toBe("option '-f' needs a value (PATH)");
    expect(error(CHECK_SPEC, "--strict=yes")).toBe("option '--strict' takes no value");
    expect(error(RUN_SPEC, "--log-level", "loud")).toBe("option '--log-level' must be one of debug, info, warn, error, got 'loud'");
    expect(error(CONVERT_SPEC, "--to=json")).toBe("option '--to' must be toml or keepalived, got 'json'");
    expect(error(CONVERT_SPEC, "--keywords", "x.conf")).toBe("--keywords takes no other argument");
    expect(error(CONVERT_SPEC, "--keywords", "--to", "toml")).toBe("--keywords takes no other argument");
    // An option of another command is unknown here.
    expect(error(RUN_SPEC, "--strict")).toBe("unknown option '--strict'");
    expect(error(RUN_SPEC, "-i", "x")).toBe("unknown option '-i'");
  });

  test("hidden options are accepted, and shown nowhere", () => {
    expect(parse(DEMO_SPEC, "--probe", "10.0.0.1")).toEqual({ flags: { probe: "10.0.0.1" }, positionals: [] });
    expect(parse(CONVERT_SPEC, "-c", "k.conf")).toEqual({ flags: { config: "k.conf" }, positionals: [] });
    expect(helpText(DEMO_SPEC)).not.toContain("probe");
    expect(helpText(CONVERT_SPEC)).not.toContain("--config,");
    expect(visibleOptions(DEMO_SPEC).map((o) => o.name)).toEqual(["keep", "help"]);
  });
});

describe("help from the specs", () => {
  test.each(COMMAND_SPECS.map((c) => [c.name, c] as const))("vigil %s --help: the synopsis, then a line for every visible option", (_name, spec) => {
    const text = helpText(spec);
    expect(text.startsWith(`${spec.summary}\n\nUsage: vigil ${spec.name}`)).toBe(true);
    const heads = text.split("\n").filter((l) => /^ {2}-/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0]!);
    expect(heads).toEqual(visibleOptions(spec).map((o) => `${spellings(o).join(", ")}${o.value ? ` ${o.value}` : ""}`));
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });

  test("synopses", () => {
    expect(synopsis(CHECK_SPEC)).toBe("vigil check [--config PATH] [--strict] [--config-id ID] [--config-test] [PATH]");
    expect(synopsis(CONVERT_SPEC)).toBe("vigil convert [--to toml|keepalived] [--config-id ID] FILE | vigil convert --keywords");
    expect(synopsis(RUN_SPEC).split("\n")).toEqual([
      "vigil run [--config PATH] [--config-id ID] [--http ADDR] [--log-level debug|info|warn|error]",
      "                 [--log-format text|json] [--state-dir DIR] [--realtime-priority N]",
    ]);
  });

  test("no spelling belongs to two options of one command", () => {
    for (const spec of COMMAND_SPECS) {
      const all = [...spec.options, ...visibleOptions(spec)].filter((o, i, a) => a.indexOf(o) === i).flatMap(spellings);
      expect({ cmd: spec.name, dup: all.filter((s, i) => all.indexOf(s) !== i) }).toEqual({ cmd: spec.name, dup: [] });
    }
  });
});
