// Every problem in a valid TOML file is reported where it was written, whatever the TOML form:
// inline tables, dotted keys, arrays of tables, multi-line strings and arrays, comments.
import { describe, expect, test } from "bun:test";
import { TomlLocator } from "../../src/config/toml-positions.ts";
import { brief, load } from "./helpers.ts";

const problems = (text: string) => {
  const r = load(text, "/v.toml");
  return brief(r.ok ? r.warnings : [...r.errors, ...r.warnings]);
};
const at = (loc: TomlLocator, p: Parameters<TomlLocator["value"]>[0]) => {
  const x = loc.value(p);
  return `${x.line}:${x.col}`;
};

describe("TOML positions", () => {
  test("the locator maps key paths to line:col through every TOML form", () => {
    const text = [
      "a.b = 1", //                                       1
      '"q k".\'lit\' = { x = [1, { y = "z" }], w = 2 }', // 2
      "[[t]]", //                                         3
      'm = """', //                                       4
      'k = "not a key"', //                               5
      '"""', //                                           6
      "[[t]]", //                                         7
      "arr = [ # a comment, with ] and ,", //             8
      '  "one",', //                                      9
      "  { p = 'two' } ,", //                           10
      "]", //                                             11
      "[t.sub]", //                                       12
      "deep = 3", //                                      13
      "[[t.list]]", //                                    14
      "v = 4", //                                         15
    ].join("\n");
    const loc = new TomlLocator(text, "/x.toml");
    expect(at(loc, ["a", "b"])).toBe("1:7");
    expect(`${loc.key(["a", "b"]).line}:${loc.key(["a", "b"]).col}`).toBe("1:3");
    expect(at(loc, ["q k", "lit", "x", 1, "y"])).toBe("2:31");
    expect(at(loc, ["q k", "lit", "w"])).toBe("2:43");
    expect(at(loc, ["t", 0, "m"])).toBe("4:5");
    expect(loc.key(["t", 0, "k"]).line).toBe(3); // text inside the string, not a key: falls back to [[t]]
    expect(loc.table(["t", 1]).line).toBe(7);
    expect(at(loc, ["t", 1, "arr", 0])).toBe("9:3");
    expect(at(loc, ["t", 1, "arr", 1, "p"])).toBe("10:9");
    expect(at(loc, ["t", 1, "sub", "deep"])).toBe("13:8");
    expect(at(loc, ["t", 1, "list", 0, "v"])).toBe("15:5");
  });

  test("instances written as an inline array of inline tables", () => {
    expect(problems(`instance = [\n  { name = "A", interface = "eth0", virtual_router_id = 300, virtual_ipaddress = ["10.0.0.1/24"] },\n]\n`)).toEqual([
      "2:57: virtual_router_id 300 is out of range (1–255)",
    ]);
  });

  test("dotted keys at the root and inside a table", () => {
    expect(
      problems(
        `global.log = "verbose"\n\n[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = ["10.0.0.1/24"]\ntrack.script = "x"\n`,
      ),
    ).toEqual([
      "1:14: log 'verbose' is not one of debug, info, warn, error",
      "8:1: unknown key 'track' in [[instance]]",
    ]);
  });

  test("the second of two arrays of tables, after a multi-line string holding 'key = value' lines", () => {
    const text =
      `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nnotify = """\npriority = 999\n"""\nvirtual_ipaddress = ["10.0.0.1/24"]\n\n[[instance]]\nname = "B"\ninterface = "eth0"\nvirtual_router_id = 2\npriority = 999\nvirtual_ipaddress = ["10.0.0.2/24"]\n`;
    expect(problems(text)).toEqual(["14:12: priority 999 is out of range (1–255)"]);
  });

  test("items of a multi-line array with comments, and the keys of a table item", () => {
    const text =
      `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = [ # first, the good one ]\n  "10.0.0.1/24",\n  { address = "10.0.0.2/24", scope = "galaxy" },\n  "10.0.0.300/24",\n]\n`;
    expect(problems(text)).toEqual([
      "7:38: scope 'galaxy' is not one of global, site, link, host, nowhere",
      "8:4: bad virtual address: '10.0.0.300' is not an IPv4 or IPv6 address",
    ]);
  });

  test("a wrong type deep in an inline table points at the value", () => {
    const text = `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = [{ address = "10.0.0.1/24", dev = true }]\n`;
    expect(problems(text)).toEqual(["5:55: virtual_ipaddress: 'dev' must be a string or a number, got a boolean"]);
  });
});
