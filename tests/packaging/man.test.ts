// packaging/man: both pages render without a warning (groff -ww, man -l), a broken copy does warn
// (the check has teeth), vigil.8 describes every command and exactly the options of its spec
// (src/cli/command.ts, what the parser accepts and --help prints), and vigil.toml.5 describes
// exactly the TOML keys the reader accepts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TOML_TABLE, tomlKeys, tomlKeyword } from "../../src/config/keywords.ts";
import { requireTool, ROOT, runSync } from "./binary.ts";
import { type CommandSpec, spellings, visibleOptions } from "../../src/cli/args.ts";
import { COMMAND_SPECS } from "../../src/cli/command.ts";

const MAN = join(ROOT, "packaging/man");
const PAGES = ["vigil.8", "vigil.toml.5"];
const source = (page: string) => readFileSync(join(MAN, page), "utf8");
let tmp = "";
beforeAll(() => (tmp = mkdtempSync(join(tmpdir(), "vigil-man-"))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** groff's own warnings for a page (all of them: -ww). */
function groffWarnings(path: string): { code: number; err: string } {
  const groff = requireTool("groff", "groff-base");
  const r = runSync([groff, "-man", "-ww", "-z", path]);
  return { code: r.code, err: r.err };
}

describe.each(PAGES)("%s", (page) => {
  test("groff -man -ww: no warning", () => {
    expect(groffWarnings(join(MAN, page))).toEqual({ code: 0, err: "" });
  });

  test("man -l renders at 80 columns, nothing on stderr", () => {
    const man = requireTool("man", "man-db");
    const r = runSync([man, "-l", join(MAN, page)], { env: { ...(process.env as Record<string, string>), MANWIDTH: "80", MANPAGER: "cat", PAGER: "cat" } });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(page === "vigil.8" ? "VIGIL(8)" : "VIGIL.TOML(5)");
    expect(r.out).toContain("SEE ALSO");
    for (const line of r.out.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
  });
});

test("a broken copy does warn (the check is real)", () => {
  const broken = join(tmp, "broken.8");
  writeFileSync(broken, source("vigil.8").replace(".SH DESCRIPTION", ".SH DESCRIPTION\n.XB not a macro\n\\*[nostring]"));
  expect(groffWarnings(broken).err).not.toBe("");
});

describe("vigil.8 follows the option specs", () => {
  const page = source("vigil.8");
  /** Options spelled in roff (\\-\\-config\\-id) on some lines, as plain "--config-id". */
  const spelled = (lines: string[]) =>
    lines.map((l) => l.replaceAll("\\-", "-").replace(/\\f[BIRP]/g, "")).flatMap((l) =>
      [...l.matchAll(/(?<![\w-])(--[a-z][a-z-]*[a-z]|-[a-zA-Z])(?![\w-])/g)].map((m) => m[1]!)
    );
  /** Every spelling of the options a command shows, but --help and -h (one sentence covers them all). */
  const specOptions = (c: CommandSpec) => visibleOptions(c).filter((o) => o.name !== "help").flatMap(spellings);

  /** The option heads of a command's subsection: the line after each `.TP`. */
  function described(cmd: string): string[] {
    const at = page.indexOf(`.SS "vigil ${cmd}"\n`);
    if (at < 0) return [];
    const body = page.slice(at).split("\n").slice(1);
    const end = body.findIndex((l) => l.startsWith(".SS ") || l.startsWith(".SH "));
    const lines = body.slice(0, end);
    return spelled(lines.filter((_, i) => lines[i - 1] === ".TP"));
  }

  /** The options of a command's SYNOPSIS entries (`.SY vigil` then `.B cmd`), long names. */
  function synopsis(cmd: string): string[] {
    const blocks = page.slice(page.indexOf(".SH SYNOPSIS"), page.indexOf(".SH DESCRIPTION")).split(".SY vigil\n").slice(1);
    return spelled(blocks.filter((b) => b.startsWith(`.B ${cmd}\n`)).flatMap((b) => b.split("\n").slice(1)));
  }

  test.each(COMMAND_SPECS.map((c) => [c.name, c] as const))("vigil %s: a subsection describing exactly the options of its spec", (cmd, spec) => {
    expect(page).toContain(`.SS "vigil ${cmd}"`);
    expect([...new Set(described(cmd))].sort()).toEqual(specOptions(spec).sort());
  });

  test.each(COMMAND_SPECS.map((c) => [c.name, c] as const))("vigil %s: the SYNOPSIS lists exactly its long options", (cmd, spec) => {
    const longs = visibleOptions(spec).filter((o) => o.name !== "help").map((o) => `--${o.name}`);
    expect([...new Set(synopsis(cmd))].sort()).toEqual(longs.sort());
  });

  test("every command takes -h and --help, and the page says so", () => {
    expect(page).toContain('Every command takes\n.BR \\-h " or " \\-\\-help .');
  });
});

describe("vigil.toml.5 describes exactly the TOML keys", () => {
  /** Keys of each `.SH "[table]"` / `.SH "[[table]]"` section: the `.B`/`.BR` line after each `.TP`. */
  function documented(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    let table = "";
    const lines = source("vigil.toml.5").split("\n");
    lines.forEach((line, i) => {
      const sh = /^\.SH "\[{1,2}([a-z_]+)\]{1,2}"$/.exec(line);
      if (sh) return void out.set(table = sh[1]!, new Set());
      if (line.startsWith(".SH ")) return void (table = "");
      if (!table || line !== ".TP") return;
      const next = lines[i + 1] ?? "";
      const keys = next.startsWith(".BR ") ? next.slice(4).split(/\s+/).filter((w) => !w.startsWith('"')) : next.startsWith(".B ") ? [next.slice(3)] : [];
      for (const k of keys) out.get(table)!.add(k);
    });
    return out;
  }

  const tables = [...new Set(Object.values(TOML_TABLE))];
  test.each(tables)("[%s]", (table) => {
    const doc = documented().get(table);
    expect(doc).toBeDefined();
    expect([...doc!].sort()).toEqual([...new Set(tomlKeys(table))].sort());
  });

  /** The text of a key's entry: from its `.TP` to the next one or the next section. */
  function entry(table: string, key: string): string {
    const text = source("vigil.toml.5");
    const section = text.slice(text.search(new RegExp(`^\\.SH "\\[{1,2}${table}\\]{1,2}"$`, "m")));
    const body = section.slice(0, section.indexOf("\n.SH ", 1) >>> 0);
    const at = body.search(new RegExp(`^\\.TP\\n\\.BR? (?:[^\\n]* )?${key}(?: |$)`, "m"));
    const rest = body.slice(at + 4);
    return rest.slice(0, rest.indexOf("\n.TP") >>> 0);
  }

  test.each(tables)("[%s]: 'not acted on yet' exactly where the keyword table says so", (table) => {
    for (const key of new Set(tomlKeys(table))) {
      const pending = tomlKeyword(table, key)!.does === "pending";
      expect({ key, pending: entry(table, key).includes("not acted on yet") }).toEqual({ key, pending });
    }
  });
});
