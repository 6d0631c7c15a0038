// src/http/registry.ts replaced prom-client (3.7 MiB of private memory for ten families): the same
// families must come out byte for byte as prom-client 15 rendered them, so scrapers, recording
// rules and tests/packaging's PromQL names see no change.
import { describe, expect, test } from "bun:test";
import * as prom from "prom-client";
import { Counter, Gauge, Registry } from "../../src/http/registry.ts";

type Lib = { Registry: new () => Registry; Gauge: typeof Gauge; Counter: typeof Counter };

/** The same families through either library. */
function families(lib: Lib): { metrics(): Promise<string> } {
  const registry = new lib.Registry();
  const registers = [registry];
  new lib.Gauge({ name: "t_build_info", help: "build; constant 1.", labelNames: ["version", "commit"], registers }).set(
    { version: "1.2.3", commit: "c0ffee" },
    1,
  );
  const g = new lib.Gauge({ name: "t_plain", help: "no labels, never set", registers });
  void g;
  new lib.Gauge({ name: "t_float", help: "a \\ backslash\nand a newline in help", registers }).set(1764625000.123);
  new lib.Gauge({
    name: "t_inf",
    help: "infinities",
    labelNames: ["s"],
    registers,
    collect() {
      this.reset();
      this.set({ s: "pos" }, Infinity);
      this.set({ s: "neg" }, -Infinity);
    },
  });
  new lib.Counter({
    name: "t_errors_total",
    help: "by op and errno",
    labelNames: ["op", "errno"],
    registers,
    collect() {
      this.reset();
      this.inc({ op: 'addr"add', errno: "EEXIST" }, 2);
      this.inc({ op: "a\\b\nc", errno: "" }, 1);
      this.inc({ op: 'addr"add', errno: "EEXIST" });
    },
  });
  new lib.Counter({ name: "t_empty_total", help: "labelled, no series", labelNames: ["instance"], registers });
  new lib.Counter({
    name: "t_cpu_seconds_total",
    help: "unlabelled counter",
    registers,
    collect() {
      this.reset();
      this.inc(0.25);
    },
  });
  return registry;
}

describe("registry", () => {
  test("renders what prom-client 15 rendered, byte for byte", async () => {
    const ours = await families({ Registry, Gauge, Counter });
    const theirs = await families(prom as unknown as Lib).metrics();
    expect(await ours.metrics()).toBe(theirs);
  });

  test("a counter refuses to go down; names are checked; a name registers once", () => {
    const r = new Registry();
    const c = new Counter({ name: "x_total", help: "x", registers: [r] });
    expect(() => c.inc(-1)).toThrow(RangeError);
    expect(() => new Gauge({ name: "bad-name", help: "x" })).toThrow(TypeError);
    expect(() => new Gauge({ name: "x_total", help: "again", registers: [r] })).toThrow(/already been registered/);
    expect(() => new Gauge({ name: "y", help: "y", labelNames: ["a"] }).set({ b: "1" }, 1)).toThrow(/not declared/);
  });

  test("an empty registry renders a lone newline", async () => {
    expect(await new Registry().metrics()).toBe("\n");
  });
});
