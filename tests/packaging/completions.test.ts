// packaging/completions: bash (shellcheck clean; loads, with and without the bash-completion
// package; completes commands, options and their values), zsh and fish (syntax, and fish's own
// completion engine). Every shell offers every option of every command's usage text.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { requireTool, ROOT, runSync } from "./binary.ts";
import { commands, options } from "./cli-usage.ts";

const DIR = join(ROOT, "packaging/completions");
const BASH = join(DIR, "vigil.bash");
const BASH_COMPLETION = "/usr/share/bash-completion/bash_completion";
const COMMANDS = commands();

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

  test.each(COMMANDS)("vigil %s --<TAB> offers every option of its usage", (cmd) => {
    const offered = bashComplete(["vigil", cmd, "-"]);
    for (const opt of options(cmd)) expect({ cmd, opt, offered: offered.includes(opt) }).toEqual({ cmd, opt, offered: true });
  });
});

describe("zsh", () => {
  const file = join(DIR, "_vigil");
  test("zsh -n: parses; compinit loads it as the completion of vigil", () => {
    const zsh = requireTool("zsh", "zsh");
    expect(runSync([zsh, "-n", file])).toMatchObject({ code: 0, err: "" });
    const r = runSync([zsh, "-f", "-c", `fpath=(${DIR} $fpath); autoload -Uz compinit; compinit -u -d /dev/null; print -r -- $_comps[vigil]`]);
    expect(r.out.trim()).toBe("_vigil");
  });

  test.each(COMMANDS)("vigil %s: every option of its usage is in _vigil", (cmd) => {
    const text = readFileSync(file, "utf8");
    const body = cmd === "version" ? "" : text.slice(text.indexOf(`        ${cmd})`));
    const block = body.slice(0, body.indexOf(";;"));
    const shared = block.includes("$config") ? "--config -c -f --use-file --config-id" : "";
    for (const opt of options(cmd)) expect({ cmd, opt, there: `${block} ${shared}`.includes(opt) }).toEqual({ cmd, opt, there: true });
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
    expect(fishComplete("vigil ")).toEqual(expect.arrayContaining(COMMANDS));
    expect(fishComplete("vigil run --log-level ")).toEqual(["debug", "error", "info", "warn"]);
    expect(fishComplete("vigil convert --to ")).toEqual(["keepalived", "toml"]);
  });

  test.each(COMMANDS)("vigil %s -<TAB> offers every option of its usage", (cmd) => {
    const offered = [...fishComplete(`vigil ${cmd} -`), ...fishComplete(`vigil ${cmd} --`)];
    for (const opt of options(cmd)) expect({ cmd, opt, offered: offered.includes(opt) }).toEqual({ cmd, opt, offered: true });
  });
});
