import { describe, expect, test } from "bun:test";
import { parseAddress } from "../../src/protocol/address.ts";
import {
  type ChecksumContext,
  foldSum,
  internetChecksum,
  onesComplementSum,
  pseudoHeaderSumV4,
  pseudoHeaderSumV6,
  verifyVrrpChecksum,
  vrrpChecksum,
} from "../../src/protocol/checksum.ts";
import { Prng } from "../fakes/prng.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const a = (text: string): Uint8Array => parseAddress(text)!;

function withChecksum(msg: Uint8Array, sum: number): Uint8Array {
  const out = msg.slice();
  out[6] = sum >> 8;
  out[7] = sum & 0xff;
  return out;
}

describe("RFC 1071 internet checksum", () => {
  test("the RFC 1071 §3 worked example: 0001 f203 f4f5 f6f7 sums to ddf2", () => {
    const data = hex("0001f203f4f5f6f7");
    expect(foldSum(onesComplementSum(data))).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(0x220d);
  });

  test("an odd final byte is the high byte of a last word", () => {
    expect(foldSum(onesComplementSum(hex("0102ab")))).toBe(0x0102 + 0xab00);
  });

  test("data followed by its own checksum sums to 0xffff", () => {
    const prng = new Prng(7);
    for (let i = 0; i < 200; i++) {
      const data = prng.bytes(2 * prng.int(4, 40));
      data[6] = 0;
      data[7] = 0;
      const sum = internetChecksum(data);
      data[6] = sum >> 8;
      data[7] = sum & 0xff;
      expect(foldSum(onesComplementSum(data))).toBe(0xffff);
    }
  });

  test("the field at skipAt is summed as zero", () => {
    const data = hex("1234ffff5678");
    expect(internetChecksum(data, 0, 2)).toBe(internetChecksum(hex("123400005678")));
  });

  test("long inputs do not lose carries", () => {
    const data = new Uint8Array(70_000).fill(0xff);
    expect(foldSum(onesComplementSum(data))).toBe(0xffff);
  });
});

describe("pseudo-headers", () => {
  test("IPv4: src + dst + protocol 112 + length, as 16-bit words", () => {
    const sum = pseudoHeaderSumV4(a("10.0.0.3"), a("224.0.0.18"), 20);
    expect(foldSum(sum)).toBe(foldSum(0x0a00 + 0x0003 + 0xe000 + 0x0012 + 0x0070 + 20));
  });
  test("IPv6 (RFC 8200 §8.1): 32-bit length and next header 112", () => {
    const sum = pseudoHeaderSumV6(a("fe80::2"), a("ff02::12"), 40);
    expect(foldSum(sum)).toBe(foldSum(0xfe80 + 0x0002 + 0xff02 + 0x0012 + 40 + 0x0070));
  });
});

describe("VRRP checksum forms", () => {
  // keepalived's own advert (github.com/acassen/keepalived/issues/1490): v3, IPv4 pseudo-header.
  const keepalived = hex("310296030064082db9cb70010a0000010a000801");
  const kaCtx: ChecksumContext = { version: 3, family: 4, src: a("10.0.0.3"), dst: a("224.0.0.18") };

  test("reproduces the checksum keepalived put on the wire (0x082d, pseudo-header form)", () => {
    expect(vrrpChecksum(keepalived, kaCtx, "pseudo-header")).toBe(0x082d);
    expect(verifyVrrpChecksum(keepalived, kaCtx)).toBe("pseudo-header");
  });

  test("the pseudo-header depends on the real source address", () => {
    expect(verifyVrrpChecksum(keepalived, { ...kaCtx, src: a("10.0.0.4") })).toBeNull();
  });

  test("v3 IPv4 accepts the VRRP-message-only form too (RFC 9568 §5.2.8) and says so", () => {
    const only = withChecksum(keepalived, vrrpChecksum(keepalived, kaCtx, "vrrp-only"));
    expect(verifyVrrpChecksum(only, kaCtx)).toBe("vrrp-only");
    // …whatever the addresses, since no pseudo-header is involved.
    expect(verifyVrrpChecksum(only, { ...kaCtx, src: a("192.0.2.77") })).toBe("vrrp-only");
  });

  test("unicast from keepalived ≤ 1.3.5: pseudo-header with 224.0.0.18 instead of the peer is accepted and named", () => {
    const unicast: ChecksumContext = { ...kaCtx, dst: a("10.0.0.9") };
    const old = withChecksum(keepalived, vrrpChecksum(keepalived, kaCtx, "pseudo-header"));
    expect(verifyVrrpChecksum(old, unicast)).toBe("group-pseudo-header");
    const modern = withChecksum(keepalived, vrrpChecksum(keepalived, unicast, "pseudo-header"));
    expect(verifyVrrpChecksum(modern, unicast)).toBe("pseudo-header");
    // Any other destination in the pseudo-header is still a bad checksum.
    const wrong = withChecksum(keepalived, vrrpChecksum(keepalived, { ...kaCtx, dst: a("10.0.0.8") }, "pseudo-header"));
    expect(verifyVrrpChecksum(wrong, unicast)).toBeNull();
  });

  test("v2 accepts only the message-only sum", () => {
    const ctx: ChecksumContext = { version: 2, family: 4, src: a("192.168.0.1"), dst: a("224.0.0.18") };
    const msg = hex("2133ff010001" + "0000" + "c0a800fe" + "0000000000000000");
    const good = withChecksum(msg, vrrpChecksum(msg, ctx, "v2"));
    expect(verifyVrrpChecksum(good, ctx)).toBe("v2");
    const pseudo = withChecksum(msg, vrrpChecksum(msg, ctx, "pseudo-header"));
    expect(verifyVrrpChecksum(pseudo, ctx)).toBeNull();
  });

  test("v3 IPv6 requires the pseudo-header", () => {
    const ctx: ChecksumContext = { version: 3, family: 6, src: a("fe80::2"), dst: a("ff02::12") };
    const msg = hex("3101c8010032" + "0000" + "fe800000000000000000000000000001");
    expect(verifyVrrpChecksum(withChecksum(msg, vrrpChecksum(msg, ctx, "pseudo-header")), ctx)).toBe("pseudo-header");
    expect(verifyVrrpChecksum(withChecksum(msg, vrrpChecksum(msg, ctx, "vrrp-only")), ctx)).toBeNull();
  });

  test("the carried checksum field does not influence the computed one", () => {
    const other = keepalived.slice();
    other[6] = 0x12;
    other[7] = 0x34;
    expect(vrrpChecksum(other, kaCtx, "pseudo-header")).toBe(0x082d);
  });

  test("any single flipped bit is detected", () => {
    for (let byte = 0; byte < keepalived.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = keepalived.slice();
        bad[byte]! ^= 1 << bit;
        expect(verifyVrrpChecksum(bad, kaCtx)).toBeNull();
      }
    }
  });
});
