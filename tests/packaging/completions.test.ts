// packaging/completions: the checked-in files are what generate.ts writes from the option specs;
// bash (shellcheck clean; loads, with and without the bash-completion package; completes
// commands, options and their values), zsh and fish (syntax, and fish's own completion engine).
// Every shell offers every spelling of every option of every command's spec, and nothing else.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { requireTool, ROOT, runSync } from "./binary.ts";
import { spellings, visibleOptions } from "../../src/cli/args.ts";
import { COMMAND_SPECS } from "../../src/cli/command.ts";
import { FILES } from "../../packaging/completions/generate.ts";

const DIR = join(ROOT, "packaging/completions");
const BASH = join(DIR, "vigil.bash");
const BASH_COMPLETION = "/usr/share/bash-completion/bash_completion";
const COMMANDS = COMMAND_SPECS.map((c) => c.name);
/** Every spelling of every option a command shows (--help and -h included). */
const options = (cmd: string): string[] => visibleOptions(COMMAND_SPECS.find((c) => c.name === cmd)!).flatMap(spellings);
/** Options the parser accepts but people are not offered (internal ones). */
const hiddenOptions = (cmd: string): string[] => COMMAND_SPECS.find((c) => c.name === cmd)!.options.filter((o) => o.hidden).flatMap(spellings);

test.each(Object.keys(FILES))("%s is what generate.ts writes from the specs (bun packaging/completions/generate.ts)", (name) => {
  expect(readFileSync(join(DIR, name), "utf8")).toBe(FILES[name]!());
});

/** COMPREPLY for the words typed so far (the last one is being completed). */
function bashComplete(words: string[], withPackage = false): string[] {
  const bash = requireTool("bash", "bash");
  const script = `${withPackage ? `source ${BASH_COMPLETION}\n` : ""}source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}
_vigil vigil "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = runSync([bash, "-c", script, "bash", BASH, ...words]);
  expect(r.err).toBe("");
  return r.out.split("\n").filter(Boolean);
}

describe("bash", () => {
  test("shellcheck: clean", () => {
    const sc = requireTool("shellcheck", "shellcheck");
    const r = runSync([sc, "-s", "bash", BASH]);
    expect(r.out + r.err).toBe("");
    expect(r.code).toBe(0);
  });

  test("sourcing registers the completion", () => {
    const r = runSync(["bash", "-c", `source ${BASH}; complete -p vigil`]);
    expect(r.out.trim()).toBe("complete -F _vigil vigil");
  });

  test.each([false, true])("commands, options and values (bash-completion loaded: %p)", (withPackage) => {
    if (withPackage) expect(existsSync(BASH_COMPLETION)).toBe(true); // apt-get install bash-completion
    expect(bashComplete(["vigil", ""], withPackage)).toEqual(expect.arrayContaining(COMMANDS));
    expect(bashComplete(["vigil", "ch"], withPackage)).toEqual(["check"]);
    expect(bashComplete(["vigil", "run", "--log-level", ""], withPackage)).toEqual(["debug", "info", "warn", "error"]);
    expect(bashComplete(["vigil", "run", "--log-format", "j"], withPackage)).toEqual(["json"]);
    expect(bashComplete(["vigil", "convert", "--to", ""], withPackage)).toEqual(["toml", "keepalived"]);
    expect(bashComplete(["vigil", "status", "--j"], withPackage)).toEqual(["--json"]);
    expect(bashComplete(["vigil", "check", "--config", join(ROOT, "packaging/examples/seed-r")], withPackage).sort()).toEqual(
      ["seed-r1.conf", "seed-r2.conf"].map((f) => join(ROOT, "packaging/examples", f)),
    );
  });

  test.each(COMMANDS)("vigil %s -<TAB> offers exactly the options of its spec", (cmd) => {
    expect(bashComplete(["vigil", cmd, "-"]).sort()).toEqual(options(cmd).sort());
  });

  test("top level: commands and vigil's own options; files after check and convert, none after status", () => {
    expect(bashComplete(["vigil", "-"]).sort()).toEqual(["--help", "--version", "-V", "-h"]);
    expect(bashComplete(["vigil", "convert", join(ROOT, "packaging/examples/seed-r1")])).toEqual([join(ROOT, "packaging/examples/seed-r1.conf")]);
    expect(bashComplete(["vigil", "status", join(ROOT, "packaging/examples/seed-r1")])).toEqual([]);
    expect(bashComplete(["vigil", "run", "--state-dir", join(ROOT, "packaging/exa")])).toEqual([join(ROOT, "packaging/examples")]);
    expect(bashComplete(["vigil", "check", "-i", ""])).toEqual([]);
  });
});

describe("zsh", () => {
  const file = join(DIR, "_vigil");
  test("zsh -n: parses; compinit loads it as the completion of vigil", () => {
    const zsh = requireTool("zsh", "zsh");
    expect(runSync([zsh, "-n", file])).toMatchObject({ code: 0, err: "" });
    const r = runSync([zsh, "-f", "-c", `fpath=(${DIR} $fpath); autoload -Uz compinit; compinit -u -D; print -r -- $_comps[vigil]`]);
    expect(r.out.trim()).toBe("_vigil");
  });

  test.each(COMMANDS)("vigil %s: every option of its spec is in _vigil, and no hidden one", (cmd) => {
    const text = readFileSync(file, "utf8");
    const body = text.slice(text.indexOf(`        ${cmd})`));
    const block = body.slice(0, body.indexOf(";;"));
    const there = (opt: string) => new RegExp(`[{,'()]${opt}[[,}]`).test(block);
    for (const opt of options(cmd)) expect({ cmd, opt, there: there(opt) }).toEqual({ cmd, opt, there: true });
    for (const opt of hiddenOptions(cmd)) expect({ cmd, opt, there: there(opt) }).toEqual({ cmd, opt, there: false });
  });
});

describe("fish", () => {
  const file = join(DIR, "vigil.fish");
  /** fish's completion engine: candidates for a command line. */
  const fishComplete = (line: string): string[] => {
    const fish = requireTool("fish", "fish");
    const r = runSync([fish, "--no-config", "-c", `source ${file}; complete -C ${JSON.stringify(line)}`]);
    expect(r.err).toBe("");
    return r.out.split("\n").filter(Boolean).map((l) => l.split("\t")[0]!);
  };

  test("fish -n: parses", () => {
    const fish = requireTool("fish", "fish");
    expect(runSync([fish, "--no-execute", file])).toMatchObject({ code: 0, err: "" });
  });

  test("commands, then options and values", () => {
    expect(fishComplete("vigil ").sort()).toEqual([...COMMANDS].sort());
    expect(fishComplete("vigil run --log-level ")).toEqual(["debug", "error", "info", "warn"]);
    expect(fishComplete("vigil convert --to ")).toEqual(["keepalived", "toml"]);
    expect(fishComplete("vigil check -f " + join(ROOT, "packaging/examples/seed-r1"))).toEqual([join(ROOT, "packaging/examples/seed-r1.conf")]);
  });

  test.each(COMMANDS)("vigil %s -<TAB> offers exactly the options of its spec", (cmd) => {
    const offered = [...fishComplete(`vigil ${cmd} -`), ...fishComplete(`vigil ${cmd} --`)];
    expect([...new Set(offered)].sort()).toEqual(options(cmd).sort());
  });
});
