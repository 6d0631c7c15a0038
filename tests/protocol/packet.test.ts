import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseAddress } from "../../src/protocol/address.ts";
import { authPassBytes } from "../../src/protocol/auth.ts";
import { type ChecksumForm, vrrpChecksum } from "../../src/protocol/checksum.ts";
import {
  checkForInstance,
  decodeAdvert,
  type DecodeContext,
  encodeAdvert,
  type EncodeOptions,
  instanceNotes,
  type VrrpPacket,
} from "../../src/protocol/packet.ts";
import type { DropReason } from "../../src/protocol/reasons.ts";
import type { Family } from "../../src/protocol/types.ts";
import { Prng } from "../fakes/prng.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

interface Vector {
  name: string;
  hex: string;
  ctx: { family: Family; srcAddress: string; dstAddress: string };
  expect: {
    version: 2 | 3;
    vrid: number;
    priority: number;
    maxAdvertIntervalCs: number;
    authType: number;
    authPass?: string;
    addresses: string[];
    checksumForm: ChecksumForm;
    length: number;
  };
}
const vectors = (
  JSON.parse(readFileSync(new URL("../vectors/adverts.json", import.meta.url), "utf8")) as { vectors: Vector[] }
).vectors;

const V4: DecodeContext = { family: 4, srcAddress: "192.168.0.1", dstAddress: "224.0.0.18", ttl: 255 };
const V6: DecodeContext = { family: 6, srcAddress: "fe80::2", dstAddress: "ff02::12", ttl: 255 };

function v3v4(over: Partial<EncodeOptions> = {}): EncodeOptions {
  return {
    version: 3,
    family: 4,
    vrid: 51,
    priority: 100,
    advertIntervalCs: 100,
    addresses: ["192.168.0.254"],
    srcAddress: V4.srcAddress,
    dstAddress: V4.dstAddress,
    ...over,
  };
}

/** Rewrites the checksum after a field was tampered with, so the intended check is the one hit. */
function reseal(msg: Uint8Array, ctx: DecodeContext, form: ChecksumForm, length = msg.length): Uint8Array {
  const out = msg.slice();
  const version = (out[0]! >> 4) as 2 | 3;
  const sum = vrrpChecksum(out.subarray(0, length), {
    version,
    family: ctx.family,
    src: parseAddress(ctx.srcAddress)!,
    dst: parseAddress(ctx.dstAddress)!,
  }, form);
  out[6] = sum >> 8;
  out[7] = sum & 0xff;
  return out;
}

function expectDrop(bytes: Uint8Array, ctx: DecodeContext, reason: DropReason): void {
  const r = decodeAdvert(bytes, ctx);
  expect(r.ok ? "accepted" : r.reason).toBe(reason);
}

describe("hand-made vectors (tests/vectors/adverts.json)", () => {
  test("there are vectors for v2, v3/IPv4 in both checksum forms, v3/IPv6 and a keepalived capture", () => {
    expect(vectors.map((v) => v.name)).toEqual([
      "v2-ipv4-seed-master",
      "v2-ipv4-pass",
      "v3-ipv4-pseudo-header",
      "v3-ipv4-vrrp-only",
      "v3-ipv6",
      "keepalived-issue-1490",
    ]);
  });

  for (const v of vectors) {
    test(`${v.name}: decodes to the expected fields`, () => {
      const r = decodeAdvert(hex(v.hex), { ...v.ctx, ttl: 255 });
      if (!r.ok) throw new Error(`dropped: ${r.reason}`);
      expect(r.checksumForm).toBe(v.expect.checksumForm);
      const p = r.packet;
      expect({ version: p.version, vrid: p.vrid, priority: p.priority, addresses: p.addresses, length: p.length })
        .toEqual({ version: v.expect.version, vrid: v.expect.vrid, priority: v.expect.priority, addresses: v.expect.addresses, length: v.expect.length });
      expect(p.maxAdvertIntervalCs).toBe(v.expect.maxAdvertIntervalCs);
      expect(p.authType).toBe(v.expect.authType);
      if (v.expect.version === 2) {
        const want = v.expect.authPass === undefined ? new Uint8Array(8) : authPassBytes(v.expect.authPass);
        expect([...p.authData!]).toEqual([...want]);
      }
    });

    test(`${v.name}: encoding the same fields gives the same bytes`, () => {
      const bytes = encodeAdvert({
        version: v.expect.version,
        family: v.ctx.family,
        vrid: v.expect.vrid,
        priority: v.expect.priority,
        advertIntervalCs: v.expect.maxAdvertIntervalCs,
        addresses: v.expect.addresses,
        ...(v.expect.authPass !== undefined && { authPass: v.expect.authPass }),
        srcAddress: v.ctx.srcAddress,
        dstAddress: v.ctx.dstAddress,
        ...(v.expect.checksumForm === "vrrp-only" && { v3Ipv4Checksum: "vrrp-only" as const }),
      });
      expect(toHex(bytes)).toBe(v.hex);
    });
  }
});

describe("encode → decode round trips", () => {
  const cases: { name: string; o: EncodeOptions; ctx: DecodeContext; form: ChecksumForm }[] = [
    { name: "v2 IPv4", o: { ...v3v4({ version: 2, priority: 254, addresses: ["192.168.0.254", "10.1.2.3"] }) }, ctx: V4, form: "v2" },
    { name: "v2 IPv4 PASS", o: { ...v3v4({ version: 2, authPass: "s3cret", advertIntervalCs: 300 }) }, ctx: V4, form: "v2" },
    { name: "v2 IPv4 PASS longer than 8 bytes (truncated)", o: { ...v3v4({ version: 2, authPass: "0123456789" }) }, ctx: V4, form: "v2" },
    { name: "v3 IPv4 pseudo-header", o: v3v4({ advertIntervalCs: 4095, priority: 255 }), ctx: V4, form: "pseudo-header" },
    { name: "v3 IPv4 vrrp-only", o: v3v4({ v3Ipv4Checksum: "vrrp-only", advertIntervalCs: 1, priority: 0 }), ctx: V4, form: "vrrp-only" },
    {
      name: "v3 IPv6",
      o: { ...v3v4({ family: 6, addresses: ["fe80::1", "2001:db8::1", "2001:db8:0:0:1::5"] }), srcAddress: V6.srcAddress, dstAddress: V6.dstAddress },
      ctx: V6,
      form: "pseudo-header",
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const bytes = encodeAdvert(c.o);
      const r = decodeAdvert(bytes, c.ctx);
      if (!r.ok) throw new Error(`dropped: ${r.reason}`);
      expect(r.checksumForm).toBe(c.form);
      expect(r.packet.version).toBe(c.o.version);
      expect(r.packet.vrid).toBe(c.o.vrid);
      expect(r.packet.priority).toBe(c.o.priority);
      expect(r.packet.maxAdvertIntervalCs).toBe(c.o.advertIntervalCs);
      expect(r.packet.addresses).toEqual(c.o.addresses.map((x) => (x === "2001:db8:0:0:1::5" ? "2001:db8::1:0:0:5" : x)));
      expect(r.packet.length).toBe(bytes.length);
      if (c.o.version === 2) {
        expect(r.packet.authType).toBe(c.o.authPass === undefined ? 0 : 1);
        expect([...r.packet.authData!]).toEqual(c.o.authPass === undefined ? [0, 0, 0, 0, 0, 0, 0, 0] : [...authPassBytes(c.o.authPass)]);
      }
    });
  }

  test("v2 Adver Int is in seconds on the wire", () => {
    expect(encodeAdvert(v3v4({ version: 2, advertIntervalCs: 300 }))[5]).toBe(3);
  });
  test("v3 Max Adver Int is 12 bits of centiseconds with a zero Reserved nibble", () => {
    const b = encodeAdvert(v3v4({ advertIntervalCs: 4095 }));
    expect([b[4], b[5]]).toEqual([0x0f, 0xff]);
  });
  test("v3 ignores the Reserved nibble on receive (RFC 9568 §5.2.6)", () => {
    const b = encodeAdvert(v3v4({ advertIntervalCs: 100 }));
    b[4] = b[4]! | 0xf0;
    const r = decodeAdvert(reseal(b, V4, "pseudo-header"), V4);
    expect(r.ok && r.packet.maxAdvertIntervalCs).toBe(100);
  });
});

describe("drop reasons (RFC 5798 §7.1, RFC 3768 §7.1)", () => {
  const good = encodeAdvert(v3v4());

  test("bad-ttl: anything but 255", () => {
    for (const ttl of [0, 1, 64, 254]) expectDrop(good, { ...V4, ttl }, "bad-ttl");
  });
  test("short: less than the fixed header", () => {
    expectDrop(good.subarray(0, 7), V4, "short");
    expectDrop(new Uint8Array(0), V4, "short");
  });
  test("short: fewer bytes than the address count implies", () => {
    const b = good.slice();
    b[3] = 2;
    expectDrop(b, V4, "short");
    const v2 = encodeAdvert(v3v4({ version: 2 }));
    expectDrop(v2.subarray(0, v2.length - 1), V4, "short"); // auth data cut
  });
  test("bad-version: 0, 1, 4, 15; v2 over IPv6", () => {
    for (const version of [0, 1, 4, 15]) {
      const b = good.slice();
      b[0] = (version << 4) | 1;
      expectDrop(b, V4, "bad-version");
    }
    const v2 = encodeAdvert(v3v4({ version: 2 }));
    expectDrop(v2, { ...V6 }, "bad-version");
  });
  test("bad-type: anything but 1", () => {
    for (const type of [0, 2, 15]) {
      const b = good.slice();
      b[0] = 0x30 | type;
      expectDrop(reseal(b, V4, "pseudo-header"), V4, "bad-type");
    }
  });
  test("bad-checksum", () => {
    const b = good.slice();
    b[2] = 101;
    expectDrop(b, V4, "bad-checksum");
    expectDrop(good, { ...V4, srcAddress: "192.168.0.99" }, "bad-checksum");
  });
  test("bad-vrid: VRID 0", () => {
    const b = good.slice();
    b[1] = 0;
    expectDrop(reseal(b, V4, "pseudo-header"), V4, "bad-vrid");
  });
  test("count 0 (RFC 9568 §5.2.5 erratum 8299): dropped by an instance with VIPs, accepted by an election-only one (keepalived), v3 and v2", () => {
    const b = good.slice(0, 8);
    b[3] = 0;
    const v3 = decodeAdvert(reseal(b, V4, "pseudo-header"), V4);
    const v2bytes = new Uint8Array(16);
    v2bytes.set([0x21, 51, 100, 0, 0, 1]);
    const v2 = decodeAdvert(reseal(v2bytes, V4, "v2"), V4);
    for (const [d, version] of [[v3, 3], [v2, 2]] as const) {
      expect(d.ok).toBe(true);
      if (!d.ok) continue;
      expect(d.packet.addresses).toEqual([]);
      const inst = { version, vrid: 51, advertIntervalCs: d.packet.maxAdvertIntervalCs };
      expect(checkForInstance(d.packet, { ...inst, addresses: ["192.168.0.254"] })).toBe("bad-address-count");
      expect(checkForInstance(d.packet, { ...inst, addresses: [] })).toBeNull();
    }
  });
  test("bad-interval: Max Adver Int 0 (RFC 9568 erratum 8301), v2 Adver Int 0", () => {
    const b = good.slice();
    b[4] = 0;
    b[5] = 0;
    expectDrop(reseal(b, V4, "pseudo-header"), V4, "bad-interval");
    const v2 = encodeAdvert(v3v4({ version: 2 }));
    v2[5] = 0;
    expectDrop(reseal(v2, V4, "v2"), V4, "bad-interval");
  });
  test("wrong-family: addresses of the other family in the receive context", () => {
    expectDrop(good, { ...V4, srcAddress: "fe80::1" }, "wrong-family");
  });
  test("checks run in RFC order: TTL before length before version before type before checksum", () => {
    expectDrop(new Uint8Array(3), { ...V4, ttl: 1 }, "bad-ttl");
    const b = good.slice();
    b[0] = 0x12; // version 1, type 2, and the checksum is now wrong too
    expectDrop(b, V4, "bad-version");
    b[0] = 0x32; // version 3, type 2
    expectDrop(b, V4, "bad-type");
    b[0] = 0x31;
    b[1] = 0; // VRID 0 but checksum wrong → checksum first
    expectDrop(b, V4, "bad-checksum");
  });
});

describe("Ethernet padding", () => {
  test("trailing zeros and garbage are ignored, checksum over the declared length only", () => {
    for (const fill of [0x00, 0xaa]) {
      for (
        const [o, ctx] of [
          [v3v4(), V4],
          [v3v4({ version: 2, authPass: "pw" }), V4],
          [v3v4({ v3Ipv4Checksum: "vrrp-only" }), V4],
        ] as const
      ) {
        const bytes = encodeAdvert(o);
        const padded = new Uint8Array(46).fill(fill); // minimum Ethernet payload
        padded.set(bytes);
        const r = decodeAdvert(padded, ctx);
        if (!r.ok) throw new Error(`dropped: ${r.reason}`);
        expect(r.packet.length).toBe(bytes.length);
        expect(r.packet.addresses).toEqual(o.addresses);
      }
    }
  });
});

describe("decodeAdvert never throws", () => {
  const prng = new Prng(20240501);
  const ctxs: DecodeContext[] = [V4, V6, { ...V4, ttl: 255 }, { family: 4, srcAddress: "x", dstAddress: "", ttl: 255 }];
  const samples = [
    encodeAdvert(v3v4()),
    encodeAdvert(v3v4({ version: 2, authPass: "pw" })),
    encodeAdvert({ ...v3v4({ family: 6, addresses: ["fe80::1"] }), srcAddress: V6.srcAddress, dstAddress: V6.dstAddress }),
  ];

  test("on 20 000 random buffers", () => {
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = prng.bytes(prng.int(0, 96));
      if (prng.chance(0.5) && bytes.length > 0) bytes[0] = prng.pick([0x21, 0x31]);
      const r = decodeAdvert(bytes, prng.pick(ctxs));
      expect(typeof r.ok).toBe("boolean");
      if (r.ok) accepted++;
    }
    expect(accepted).toBeLessThan(50); // random bytes almost never carry a valid checksum
  });

  test("on every truncation of valid packets (each one → short)", () => {
    const withCtx: [Uint8Array, DecodeContext][] = [[samples[0]!, V4], [samples[1]!, V4], [samples[2]!, V6]];
    for (const [s, ctx] of withCtx) {
      for (let n = 0; n < s.length; n++) expectDrop(s.subarray(0, n), ctx, "short");
      expect(decodeAdvert(s, ctx).ok).toBe(true);
    }
  });

  test("on random single-byte mutations of valid packets", () => {
    for (let i = 0; i < 5000; i++) {
      const s = prng.pick(samples).slice();
      s[prng.int(0, s.length - 1)] = prng.int(0, 255);
      const r = decodeAdvert(s, prng.pick([V4, V6]));
      expect(typeof r.ok).toBe("boolean");
    }
  });
});

describe("encodeAdvert rejects what cannot go on the wire", () => {
  test.each(
    [
      ["v2 over IPv6", { ...v3v4({ version: 2, family: 6 }) }],
      ["v3 with a password", v3v4({ authPass: "x" })],
      ["VRID 0", v3v4({ vrid: 0 })],
      ["VRID 256", v3v4({ vrid: 256 })],
      ["priority 256", v3v4({ priority: 256 })],
      ["interval 0 cs", v3v4({ advertIntervalCs: 0 })],
      ["interval 4096 cs", v3v4({ advertIntervalCs: 4096 })],
      ["v2 fractional seconds", v3v4({ version: 2, advertIntervalCs: 150 })],
      ["256 addresses", v3v4({ addresses: Array.from({ length: 256 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) })],
      ["an IPv6 address in an IPv4 advert", v3v4({ addresses: ["fe80::1"] })],
      ["a bad source", v3v4({ srcAddress: "nope" })],
    ] as const,
  )("%s", (_name, o) => {
    expect(() => encodeAdvert(o as EncodeOptions)).toThrow(RangeError);
  });
  test("no addresses encodes Count 0 (keepalived's election-only instance), and decodes back", () => {
    const bytes = encodeAdvert(v3v4({ addresses: [] }));
    expect(bytes[3]).toBe(0);
    const d = decodeAdvert(bytes, V4);
    expect(d.ok && d.packet.addresses).toEqual([]);
  });
});

describe("checkForInstance / instanceNotes", () => {
  const decode = (o: EncodeOptions, ctx = V4): VrrpPacket => {
    const r = decodeAdvert(encodeAdvert(o), ctx);
    if (!r.ok) throw new Error(r.reason);
    return r.packet;
  };
  const v2inst = { version: 2 as const, vrid: 51, advertIntervalCs: 100, addresses: ["192.168.0.254/24"] };

  test("accepts a matching v2 advert", () => {
    expect(checkForInstance(decode(v3v4({ version: 2 })), v2inst)).toBeNull();
  });
  test("bad-version when the instance runs the other version", () => {
    expect(checkForInstance(decode(v3v4()), v2inst)).toBe("bad-version");
  });
  test("bad-vrid when the VRID is not ours", () => {
    expect(checkForInstance(decode(v3v4({ version: 2, vrid: 52 })), v2inst)).toBe("bad-vrid");
  });
  test("bad-auth: PASS expected but none sent, none expected but PASS sent, wrong password", () => {
    expect(checkForInstance(decode(v3v4({ version: 2 })), { ...v2inst, authPass: "secret" })).toBe("bad-auth");
    expect(checkForInstance(decode(v3v4({ version: 2, authPass: "secret" })), v2inst)).toBe("bad-auth");
    expect(checkForInstance(decode(v3v4({ version: 2, authPass: "secreT" })), { ...v2inst, authPass: "secret" })).toBe("bad-auth");
    expect(checkForInstance(decode(v3v4({ version: 2, authPass: "secret" })), { ...v2inst, authPass: "secret" })).toBeNull();
  });
  test("passwords compare on their first 8 bytes, as on the wire", () => {
    expect(checkForInstance(decode(v3v4({ version: 2, authPass: "12345678-a" })), { ...v2inst, authPass: "12345678-b" })).toBeNull();
  });
  test("interval-mismatch: v2 drops an advert with another Adver Int (RFC 3768 §7.1)", () => {
    expect(checkForInstance(decode(v3v4({ version: 2, advertIntervalCs: 200 })), v2inst)).toBe("interval-mismatch");
  });
  test("v3 accepts another interval and flags it (it learns instead, §6.4.2)", () => {
    const p = decode(v3v4({ advertIntervalCs: 50 }));
    const inst = { ...v2inst, version: 3 as const };
    expect(checkForInstance(p, inst)).toBeNull();
    expect(instanceNotes(p, inst)).toEqual({ addressMismatch: false, intervalMismatch: true });
  });
  test("address list mismatch is informational, not a drop (RFC 5798 §7.1 MAY log; keepalived accepts)", () => {
    const p = decode(v3v4({ version: 2, addresses: ["192.168.0.253"] }));
    expect(checkForInstance(p, v2inst)).toBeNull();
    expect(instanceNotes(p, v2inst).addressMismatch).toBe(true);
  });
  test("address lists compare as sets of canonical addresses", () => {
    const p = decode({ ...v3v4({ family: 6, addresses: ["fe80::1", "2001:db8::1"] }), srcAddress: V6.srcAddress, dstAddress: V6.dstAddress }, V6);
    const inst = { version: 3 as const, vrid: 51, advertIntervalCs: 100, addresses: ["2001:DB8:0::1/64", "fe80:0::1"] };
    expect(instanceNotes(p, inst)).toEqual({ addressMismatch: false, intervalMismatch: false });
  });
});
