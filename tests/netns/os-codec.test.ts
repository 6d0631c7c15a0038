// Pure encoders/decoders of src/os/linux (no root, no namespace needed).

import { describe, expect, test } from "bun:test";
import { buildGarp } from "../../src/os/linux/arp.ts";
import { errnoCode, OsError } from "../../src/os/linux/errors.ts";
import { familyOf, formatIPv6, parseAddress, parseIPv4, parseIPv6, parseMac } from "../../src/os/linux/inet.ts";
import { buildUnsolicitedNa } from "../../src/os/linux/ndisc.ts";
import { NlMessage, parseAttrs, parseMessages } from "../../src/os/linux/netlink.ts";
import { linkIsUp, parseAddr } from "../../src/os/linux/rtnl.ts";
import { buildCmsg, ipMreqn, joinCmsgs, parseCmsgs, sockaddrIn6 } from "../../src/os/linux/structs.ts";
import * as C from "../../src/os/linux/consts.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("inet", () => {
  test.each([
    ["2001:db8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:DB8::0:1", "2001:db8::1"],
    ["fe80::99:ff:fe00:1", "fe80::99:ff:fe00:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group is not compressed
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longest run wins
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // first of equal runs
    ["::", "::"],
    ["::1", "::1"],
    ["ff02::12", "ff02::12"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
    ["::ffff:c000:201", "::ffff:192.0.2.1"],
    ["fe80::1%eth0", "fe80::1"],
  ])("IPv6 %s → %s (RFC 5952)", (input, canonical) => {
    expect(formatIPv6(parseIPv6(input)!)).toBe(canonical);
  });

  test("invalid addresses are rejected", () => {
    for (const bad of ["1.2.3", "1.2.3.256", "01.2.3.4444", "a.b.c.d", ""]) expect(parseIPv4(bad)).toBeNull();
    for (const bad of ["1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", ":"]) expect(parseIPv6(bad)).toBeNull();
    expect(() => parseAddress(4, "::1")).toThrow(TypeError);
    expect(familyOf("10.99.0.1")).toBe(4);
    expect(familyOf("2001:db8::1")).toBe(6);
    expect(familyOf("eth0")).toBeNull();
    expect(() => parseMac("02:99:00")).toThrow(TypeError);
  });
});

describe("structs", () => {
  test("sockaddr_in6 and ip_mreqn layouts", () => {
    const sa = sockaddrIn6(parseAddress(6, "ff02::12"), 7);
    expect(sa.byteLength).toBe(28);
    expect(hex(sa)).toBe(`0a000000` + `00000000` + `ff020000000000000000000000000012` + `07000000`);
    expect(hex(ipMreqn(parseAddress(4, "224.0.0.18"), 3))).toBe("e000001200000000" + "03000000");
  });

  test("cmsgs round-trip with 8-byte alignment", () => {
    const a = buildCmsg(C.IPPROTO_IP, C.IP_TTL, new Uint8Array([255, 0, 0, 0]));
    const b = buildCmsg(C.IPPROTO_IPV6, C.IPV6_PKTINFO, new Uint8Array(20).fill(1));
    expect(a.byteLength).toBe(24);
    expect(b.byteLength).toBe(40);
    const all = joinCmsgs([a, b]);
    const parsed = parseCmsgs(all, all.byteLength);
    expect(parsed.map((c) => [c.level, c.type, c.data.byteLength])).toEqual([
      [0, 2, 4],
      [41, 50, 20],
    ]);
  });
});

describe("netlink", () => {
  test("message encoding: header, family struct, aligned attributes", () => {
    const m = new NlMessage(C.RTM_NEWADDR, C.NLM_F_REQUEST | C.NLM_F_ACK, new Uint8Array([2, 24, 0, 0, 5, 0, 0, 0]))
      .attr(C.IFA_LOCAL, parseAddress(4, "192.0.2.10"))
      .str(C.IFA_LABEL, "eth0:v");
    const b = m.encode(42);
    const [msg] = parseMessages(b);
    expect(msg).toMatchObject({ type: C.RTM_NEWADDR, flags: 5, seq: 42 });
    expect(b.byteLength).toBe(16 + 8 + 8 + 12);
    const attrs = parseAttrs(msg!.body, 8);
    expect(hex(attrs.get(C.IFA_LOCAL)!)).toBe("c000020a");
    expect(new TextDecoder().decode(attrs.get(C.IFA_LABEL)!)).toBe("eth0:v\0");
    const addr = parseAddr(msg!.body);
    expect(addr).toMatchObject({ family: 4, address: "192.0.2.10", prefixLength: 24, label: "eth0:v", index: 5 });
  });

  test("link state: up needs IFF_UP and IFF_RUNNING", () => {
    expect(linkIsUp(C.IFF_UP | C.IFF_RUNNING | C.IFF_LOWER_UP)).toBe(true);
    expect(linkIsUp(C.IFF_UP)).toBe(false);
    expect(linkIsUp(C.IFF_RUNNING)).toBe(false);
  });
});

describe("announcements", () => {
  const mac = parseMac("02:99:00:00:00:01");
  test("gratuitous ARP payload: request, sender = target = VIP", () => {
    expect(hex(buildGarp(mac, parseAddress(4, "192.0.2.10")))).toBe(
      "0001" + "0800" + "06" + "04" + "0001" + "029900000001" + "c000020a" + "ffffffffffff" + "c000020a",
    );
  });

  test("unsolicited NA: type 136, override flag, target, TLLA option", () => {
    const na = buildUnsolicitedNa(mac, parseAddress(6, "2001:db8::100"));
    expect(hex(na)).toBe("88000000" + "20000000" + "20010db8000000000000000000000100" + "0201" + "029900000001");
    expect(buildUnsolicitedNa(mac, parseAddress(6, "2001:db8::100"), true)[4]).toBe(0xa0);
  });
});

describe("errors", () => {
  test("OsError names the syscall and the errno", () => {
    const e = new OsError("RTM_NEWADDR", 17, "192.0.2.1");
    expect(e).toBeInstanceOf(Error);
    expect([e.syscall, e.errno, e.code]).toEqual(["RTM_NEWADDR", 17, "EEXIST"]);
    expect(e.message).toBe("RTM_NEWADDR: EEXIST (errno 17): 192.0.2.1");
    expect(errnoCode(4242)).toBe("E4242");
  });
});
