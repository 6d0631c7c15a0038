// Config bombs (bench/check-bombs.ts times them): every expansion is sized before it happens and
// stops with an error at a position; diagnostics stop at their caps. Counts only, no clocks.
import { describe, expect, test } from "bun:test";
import { bombs } from "../../bench/check-bombs.ts";
import { MAX_ERRORS, MAX_WARNINGS } from "../../src/config/diagnostics.ts";
import { brief, errors, load, ok } from "./helpers.ts";

const B = bombs();

describe("config bombs", () => {
  test("parameters referring to parameters stop at keepalived's 1024-byte line", () => {
    for (const name of ["param-chain", "param-fanout"]) {
      const list = brief(errors(load(B[name]!)));
      expect(list.some((e) => e.includes("parameter expansion exceeds 1024 bytes"))).toBe(true);
      expect(list.length).toBeLessThanOrEqual(3);
    }
  });

  test("a parameter loop stops at the depth cap", () => {
    const r = load("$A=${B}\n$B=${A}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  ${A}\n }\n}\n");
    expect(brief(errors(r))).toContain("7:3: parameters refer to parameters more than 10 deep (a loop?) in '${A}'");
  });

  test("~SEQ of a billion rounds is refused before any line exists; nested ones stop once", () => {
    expect(brief(errors(load(B["seq-huge"]!)))).toEqual([
      "5:3: ~SEQ/~LST would generate 1000000000 lines; vigil stops at 100000 lines or 4194304 bytes per config",
    ]);
    const nested = errors(load(B["seq-nested"]!));
    expect(nested.filter((e) => e.message.includes("~SEQ/~LST")).length).toBe(1);
  });

  test("{a,b} alternatives in an include stop at the file cap", () => {
    expect(brief(errors(load(B["brace-include"]!)))[0]).toMatch(/^1:9: include '.*': \{a,b\} alternatives expand to more than 1000 names; nothing included$/);
  });

  test("2 MB of unknown keywords: warnings stop at their cap", () => {
    const r = load(B["unknown-keywords-2MB"]!);
    expect(ok(r).instances).toHaveLength(1);
    expect(r.warnings.length).toBe(MAX_WARNINGS);
    const strict = load(B["unknown-keywords-2MB"]!, undefined, { strict: true });
    expect(errors(strict).length).toBe(MAX_ERRORS + 1); // the cap, then "too many errors"
  });

  test("a valid config of 255 instances near the size limit loads", () => {
    expect(ok(load(B["valid-4MiB-255-instances"]!)).instances).toHaveLength(255);
  });
});
