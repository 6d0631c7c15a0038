import { describe, expect, test } from "bun:test";
import { canonicalAddress, compareAddresses, formatIpv6, parseIpv4, parseIpv6 } from "../../src/protocol/address.ts";

describe("IPv4", () => {
  test("parses dotted quads", () => {
    expect([...parseIpv4("192.168.0.254")!]).toEqual([192, 168, 0, 254]);
    expect([...parseIpv4("0.0.0.0")!]).toEqual([0, 0, 0, 0]);
    expect([...parseIpv4("255.255.255.255")!]).toEqual([255, 255, 255, 255]);
  });
  test.each(["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "", "1..2.3", " 1.2.3.4"])(
    "rejects %p",
    (text) => expect(parseIpv4(text)).toBeNull(),
  );
});

describe("IPv6 canonical text (RFC 5952)", () => {
  test.each([
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // §4.2.3: first of equal runs
    ["2001:0db8::0001", "2001:db8::1"], // §4.1: no leading zeros
    ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"], // §4.2.1: longest run
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // §4.2.2: a single 0 stays
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // §4.2.3: the longest run, not the first
    ["2001:DB8::ABCD", "2001:db8::abcd"], // §4.3: lowercase
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["fe80:0:0:0:0:0:0:1", "fe80::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["fe80::1%eth0", "fe80::1"], // zone dropped
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"], // §5: IPv4-mapped in mixed notation
    ["0:0:0:0:0:ffff:c000:0201", "::ffff:192.0.2.1"],
    ["ff02::12", "ff02::12"],
  ])("%p → %p", (input, canonical) => {
    const bytes = parseIpv6(input);
    expect(bytes).not.toBeNull();
    expect(formatIpv6(bytes!)).toBe(canonical);
    expect(canonicalAddress(input)).toBe(canonical);
  });

  test.each(["1::2::3", "12345::", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "g::1", "1:2:3:4:5:6:7::8", ""])(
    "rejects %p",
    (text) => expect(parseIpv6(text)).toBeNull(),
  );
});

describe("numeric comparison for the tie-break (RFC 5798 §6.4.3)", () => {
  test("IPv4 compares as unsigned integers, not as text", () => {
    expect(compareAddresses("10.0.0.10", "10.0.0.9")!).toBeGreaterThan(0);
    expect(compareAddresses("9.255.255.255", "10.0.0.0")!).toBeLessThan(0);
    expect(compareAddresses("192.168.0.2", "192.168.0.2")).toBe(0);
  });
  test("IPv6 compares as 128-bit unsigned integers", () => {
    expect(compareAddresses("fe80::a", "fe80::9")!).toBeGreaterThan(0);
    expect(compareAddresses("fe80::1:0", "fe80::ffff")!).toBeGreaterThan(0);
    expect(compareAddresses("fe80::1", "fe80:0:0:0:0:0:0:1")).toBe(0);
  });
  test("mixed families or garbage are not comparable", () => {
    expect(compareAddresses("10.0.0.1", "fe80::1")).toBeNull();
    expect(compareAddresses("nope", "10.0.0.1")).toBeNull();
  });
});
