// The byte writer behind /metrics: number formatting and buffer growth.
import { expect, test } from "bun:test";
import { ByteOut } from "../../src/http/exposition.ts";

const prefix = new TextEncoder().encode("m ");
const render = (values: number[]) => {
  const out = new ByteOut();
  out.reset();
  for (const v of values) out.line(prefix, v);
  return new TextDecoder().decode(out.view());
};

test("sample values as Prometheus parses them", () => {
  const cases: Array<[number, string]> = [
    [0, "0"],
    [7, "7"],
    [10, "10"],
    [99, "99"],
    [100, "100"],
    [12345, "12345"],
    [2147483647, "2147483647"],
    [2147483648, "2147483648"],
    [2 ** 53, "9007199254740992"],
    [1e21, "1e+21"],
    [0.005, "0.005"],
    [1795629250.121, "1795629250.121"],
    [-3, "-3"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ];
  expect(render(cases.map(([v]) => v))).toBe(cases.map(([, text]) => `m ${text}\n`).join(""));
});

test("grows past its first buffer, then reuses it: views are borrowed", () => {
  const out = new ByteOut();
  out.reset();
  const long = new TextEncoder().encode(`${"x".repeat(1000)} `);
  for (let i = 0; i < 1000; i++) out.line(long, i);
  const first = out.view();
  expect(first.length).toBe(1000 * 1001 + [...Array(1000).keys()].reduce((n, i) => n + String(i).length + 1, 0));
  expect(new TextDecoder().decode(first.subarray(first.length - 5))).toBe("x 999\n".slice(1));
  out.reset();
  out.line(prefix, 1);
  expect(new TextDecoder().decode(out.view())).toBe("m 1\n");
  // Same memory: a caller that kept the first view sees the second document (hence "borrowed").
  expect(out.view().buffer).toBe(first.buffer);
  expect(new TextDecoder().decode(first.subarray(0, 4))).toBe("m 1\n");
});

test("cumulative bucket lines, past 2^31 too", () => {
  const out = new ByteOut();
  out.reset();
  const enc = new TextEncoder();
  out.cumulative(enc.encode("b{"), [enc.encode('le="1"} '), enc.encode('le="2"} '), enc.encode('le="3"} ')], new Float64Array([0, 2147483647, 5]));
  expect(new TextDecoder().decode(out.view())).toBe('b{le="1"} 0\nb{le="2"} 2147483647\nb{le="3"} 2147483652\n');
});

test("a huge count written mid-histogram may grow the buffer without losing lines", () => {
  const out = new ByteOut();
  out.reset();
  const enc = new TextEncoder();
  // Fill the first 64 KiB buffer so cumulative()'s reservation (start + tail + 12 per line) ends exactly
  // at its end; the 22-character count then goes through num(), which must grow the buffer.
  const tails = [enc.encode('le="1"} '), enc.encode('le="2"} '), enc.encode('le="3"} ')];
  out.line(enc.encode(`${"f".repeat(65_536 - 3 * 22 - 3)} `), 1);
  const big = 1.2345678901234567e21;
  out.cumulative(enc.encode("b{"), tails, new Float64Array([big, 0, 0]));
  const text = new TextDecoder().decode(out.view());
  const v = String(big);
  expect(v.length).toBe(22);
  expect(text.slice(text.indexOf("b{"))).toBe(`b{le="1"} ${v}\nb{le="2"} ${v}\nb{le="3"} ${v}\n`);
});
