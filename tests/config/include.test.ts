// keepalived's include keywords (lib/parser.c include types): what each makes fatal, many siblings,
// diamonds, cycles, and the depth and file-count limits.
import { afterAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { MAX_INCLUDE_DEPTH, MAX_INCLUDE_FILES } from "../../src/config/keepalived-include.ts";
import { brief, errors, ok, TempDir } from "./helpers.ts";

const tmp = new TempDir();
afterAll(() => tmp.cleanup());
const vi = (n: number) => `vrrp_instance VI_${n} {\n interface eth0\n virtual_router_id ${n}\n virtual_ipaddress {\n  10.0.${n}.1/24\n }\n}\n`;

describe("include", () => {
  test("24 sibling files through one glob: every one read, in name order (the file stack is popped)", () => {
    for (let n = 1; n <= 24; n++) tmp.write(`sib/conf.d/${String(n).padStart(2, "0")}.conf`, vi(n));
    const c = ok(loadConfig(tmp.write("sib/k.conf", "include conf.d/*.conf\n")));
    expect(c.instances.map((i) => i.vrid)).toEqual(Array.from({ length: 24 }, (_, k) => k + 1));
    expect(c.instances[23]!.pos.file).toBe(`${tmp.path}/sib/conf.d/24.conf`);
  });

  test("a diamond (two files include the same third) is not a loop", () => {
    tmp.write("dia/common.conf", "$NET=10.7\n");
    tmp.write("dia/a.conf", `include common.conf\n${vi(1)}`);
    tmp.write("dia/b.conf", `include common.conf\n${vi(2)}`);
    const c = ok(loadConfig(tmp.write("dia/k.conf", "include a.conf\ninclude b.conf\n")));
    expect(c.instances.map((i) => i.name)).toEqual(["VI_1", "VI_2"]);
  });

  test("a cycle is an error at the include that closes it", () => {
    tmp.write("cyc/b.conf", "include k.conf\n");
    const main = tmp.write("cyc/k.conf", `${vi(1)}include b.conf\n`);
    expect(brief(errors(loadConfig(main)))).toEqual([`1:9: include loop: '${main}' is already being read`]);
  });

  // [keyword, pattern, fatal?] per lib/parser.c: R unreadable, M literal missing, W no wildcard match, B brace part missing.
  const CASES: [string, string, boolean][] = [
    ["include", "missing.conf", false],
    ["include", "nomatch/*.conf", false],
    ["includer", "missing.conf", false],
    ["includer", "nomatch/*.conf", false],
    ["includem", "missing.conf", true],
    ["includem", "nomatch/*.conf", false],
    ["includew", "nomatch/*.conf", true],
    ["includeb", "missing.conf", false],
    ["includeb", "{present,absent}.conf", true],
    ["include", "{present,absent}.conf", false],
    ["includea", "nomatch/*.conf", true],
  ];
  for (const [kw, pattern, fatal] of CASES) {
    test(`${kw} ${pattern}: ${fatal ? "an error (keepalived refuses it)" : "a warning, loading goes on (as keepalived)"}`, () => {
      tmp.write("types/present.conf", "");
      const r = loadConfig(tmp.write("types/k.conf", `${vi(1)}${kw} ${pattern}\n`));
      const where = `8:${kw.length + 2}: ${kw} '${pattern}'`;
      if (fatal) expect(brief(errors(r)).some((e) => e.startsWith(where) && e.endsWith(`(keepalived refuses this with '${kw}')`))).toBe(true);
      else {
        expect(ok(r).instances).toHaveLength(1);
        expect(brief(r.warnings).some((w) => w.startsWith(where))).toBe(true);
      }
    });
  }

  test("includer of a directory is an error; include of one is a warning", () => {
    tmp.write("dir/sub/x.conf", "");
    expect(brief(errors(loadConfig(tmp.write("dir/k.conf", `${vi(1)}includer sub\n`))))[0]).toContain(
      "is not a regular file (keepalived refuses this with 'includer')",
    );
    expect(ok(loadConfig(tmp.write("dir/k2.conf", `${vi(1)}include sub\n`))).instances).toHaveLength(1);
  });

  test(`nesting deeper than ${MAX_INCLUDE_DEPTH} files is an error`, () => {
    for (let d = 0; d < MAX_INCLUDE_DEPTH + 2; d++) tmp.write(`deep/${d}.conf`, `include ${d + 1}.conf\n`);
    const list = brief(errors(loadConfig(tmp.write("deep/main.conf", `${vi(1)}include 0.conf\n`))));
    expect(list).toHaveLength(1);
    expect(list[0]).toContain(`too many nested or included files (limits ${MAX_INCLUDE_DEPTH} deep, ${MAX_INCLUDE_FILES} files)`);
  });

  test(`more than ${MAX_INCLUDE_FILES} files through one glob is an error, not ${MAX_INCLUDE_FILES} reads more`, () => {
    for (let n = 0; n <= MAX_INCLUDE_FILES; n++) tmp.write(`many/d/${n}.conf`, "");
    const list = brief(errors(loadConfig(tmp.write("many/k.conf", `${vi(1)}include d/*.conf\n`))));
    expect(list).toEqual([`8:9: include 'd/*.conf': matches more than ${MAX_INCLUDE_FILES} files; nothing included`]);
  });
});
