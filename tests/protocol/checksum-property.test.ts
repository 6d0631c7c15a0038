// Property test of src/protocol/checksum.ts against an independent reference: the reference builds
// the whole summed buffer (pseudo-header + message) and adds it byte by byte into a BigInt, then
// folds until no carry is left. A checksum that folds its carry only once differs from it in about
// 1 case in 20,000; the generator below leans towards 0xff bytes so such cases come up often, and
// the test asserts that they did come up (else it could not fail).

import { describe, expect, test } from "bun:test";
import { parseAddress } from "../../src/protocol/address.ts";
import {
  type ChecksumContext,
  type ChecksumForm,
  foldSum,
  internetChecksum,
  onesComplementSum,
  verifyVrrpChecksum,
  vrrpChecksum,
} from "../../src/protocol/checksum.ts";
import { encodeAdvert } from "../../src/protocol/packet.ts";
import type { Family, VrrpVersion } from "../../src/protocol/types.ts";
import { Prng } from "../fakes/prng.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** Byte-wise one's complement sum: even offsets are high bytes, odd offsets low bytes. */
function refSum(parts: Uint8Array[]): { sum: number; folds: number } {
  let acc = 0n;
  for (const p of parts) {
    // Every part here has even length except possibly the last, so offsets stay aligned.
    p.forEach((b, i) => (acc += i % 2 === 0 ? BigInt(b) << 8n : BigInt(b)));
  }
  let folds = 0;
  while (acc >> 16n !== 0n) {
    acc = (acc & 0xffffn) + (acc >> 16n);
    folds++;
  }
  return { sum: Number(acc), folds };
}

const refChecksum = (parts: Uint8Array[]) => {
  const r = refSum(parts);
  return { value: ~r.sum & 0xffff, folds: r.folds };
};

function be16(n: number): Uint8Array {
  return new Uint8Array([(n >> 8) & 0xff, n & 0xff]);
}

/** The pseudo-header as bytes, laid out as RFC 768 (IPv4) and RFC 8200 §8.1 (IPv6) draw it. */
function pseudoBytes(form: ChecksumForm, ctx: ChecksumContext, len: number): Uint8Array[] {
  if (form === "v2" || form === "vrrp-only") return [];
  if (form === "group-pseudo-header") return [ctx.src, hex("e0000012"), new Uint8Array([0, 112]), be16(len)];
  if (ctx.family === 4) return [ctx.src, ctx.dst, new Uint8Array([0, 112]), be16(len)];
  return [ctx.src, ctx.dst, new Uint8Array([0, 0]), be16(len), new Uint8Array([0, 0, 0, 112])];
}

function zeroField(msg: Uint8Array): Uint8Array {
  const m = msg.slice();
  m[6] = 0;
  m[7] = 0;
  return m;
}

/** Bytes that are mostly 0xff/0xfe push the sum next to 0xffff, where a single fold goes wrong. */
function skewedBytes(prng: Prng, n: number, skew: number): Uint8Array {
  const out = prng.bytes(n);
  for (let i = 0; i < n; i++) if (prng.chance(skew)) out[i] = prng.pick([0xff, 0xfe, 0xff, 0x00]);
  return out;
}

interface Case {
  version: VrrpVersion;
  family: Family;
  form: ChecksumForm;
  ctx: ChecksumContext;
  msg: Uint8Array;
}

function randomCase(prng: Prng): Case {
  const version: VrrpVersion = prng.pick([2, 3] as const);
  const family: Family = version === 2 ? 4 : prng.pick([4, 6] as const);
  const alen = family === 4 ? 4 : 16;
  const count = prng.int(0, family === 4 ? 20 : 8);
  const skew = prng.pick([0, 0.5, 0.9, 1]);
  const msg = skewedBytes(prng, 8 + count * alen + (version === 2 ? 8 : 0), skew);
  const ctx: ChecksumContext = { version, family, src: skewedBytes(prng, alen, skew), dst: skewedBytes(prng, alen, skew) };
  const forms: ChecksumForm[] = version === 2 ? ["v2"] : family === 6 ? ["pseudo-header", "vrrp-only"] : ["pseudo-header", "vrrp-only", "group-pseudo-header"];
  const c: Case = { version, family, form: prng.pick(forms), ctx, msg };
  if (prng.chance(0.25)) forceCarryChain(c);
  return c;
}

/**
 * Sets bytes 2–3 so that the 32-bit sum is h·0x10000 + 0xffff with h ≥ 1: folding it once leaves
 * 0xffff + h > 0xffff, so only an implementation that folds until no carry is left gets it right.
 */
function forceCarryChain(c: Case): void {
  c.msg[2] = 0;
  c.msg[3] = 0;
  const rest = [...pseudoBytes(c.form, c.ctx, c.msg.length), zeroField(c.msg)];
  let raw = 0;
  for (const p of rest) p.forEach((b, i) => (raw += i % 2 === 0 ? b << 8 : b));
  const target = raw - (raw & 0xffff) + 0xffff + (raw >= 0x10000 ? 0 : 0x10000);
  const w = target - raw;
  c.msg[2] = w >> 8;
  c.msg[3] = w & 0xff;
}

describe("RFC 1071 examples", () => {
  test("§3: 0001 f203 f4f5 f6f7 sums to ddf2, checksum 220d, in both implementations", () => {
    const data = hex("0001f203f4f5f6f7");
    expect(foldSum(onesComplementSum(data))).toBe(0xddf2);
    expect(refSum([data]).sum).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(0x220d);
  });

  test("§2(B) byte-order independence: the byte-swapped data sums to the byte-swapped result f2dd", () => {
    expect(foldSum(onesComplementSum(hex("0100 03f2 f5f4 f7f6".replaceAll(" ", ""))))).toBe(0xf2dd);
  });

  test("§2(C) parallel summation: the sum of halves folded equals the sum of the whole", () => {
    const data = hex("0001f203f4f5f6f7");
    const halves = foldSum(onesComplementSum(data, 0, 0, 4)) + foldSum(onesComplementSum(data, 0, 4, 8));
    expect(foldSum(halves)).toBe(0xddf2);
  });

  test("end-around carry needs more than one fold: 0x2ffff folds to 0x0002, never to 0x10001", () => {
    expect(foldSum(0x2ffff)).toBe(0x0002);
    expect(foldSum(0xffff_ffff)).toBe(0xffff);
    expect(refSum([hex("ffffffffffff")]).sum).toBe(0xffff);
  });
});

describe("v2 adverts byte for byte against a reference encoder (the checksum covers the auth data)", () => {
  // RFC 3768 §5.1 laid out by hand: version/type, VRID, priority, count, auth type, interval (s),
  // checksum, addresses, 8 bytes of Authentication Data (the password, zero-padded or cut at 8).
  function refV2(vrid: number, priority: number, addrs: string[], password: string): Uint8Array {
    const pass = new Uint8Array(8);
    pass.set(new TextEncoder().encode(password).slice(0, 8));
    const msg = new Uint8Array([0x21, vrid, priority, addrs.length, 1, 1, 0, 0, ...addrs.flatMap((a) => [...parseAddress(a)!]), ...pass]);
    const sum = refChecksum([msg]).value;
    msg[6] = sum >> 8;
    msg[7] = sum & 0xff;
    return msg;
  }

  test("passwords of 1 to 12 characters: identical bytes, so keepalived with an 8-character password agrees", () => {
    for (let n = 1; n <= 12; n++) {
      const password = "abcdefghijkl".slice(0, n);
      const got = encodeAdvert({
        version: 2,
        family: 4,
        vrid: 51,
        priority: 150,
        advertIntervalCs: 100,
        addresses: ["192.168.0.254"],
        authPass: password,
        srcAddress: "192.168.0.1",
        dstAddress: "224.0.0.18",
      });
      expect(Buffer.from(got).toString("hex")).toBe(Buffer.from(refV2(51, 150, ["192.168.0.254"], password)).toString("hex"));
    }
  });
});

describe("when two forms give the same checksum", () => {
  test("the pseudo-header form (keepalived's and FRR's default) is the one named", () => {
    // 10.0.21.105 → 224.0.0.18, 20 bytes: 0x0a00 + 0x1569 + 0xe000 + 0x0012 + 0x0070 + 0x0014 = 0xffff,
    // which is zero in one's complement: the pseudo-header adds nothing and both forms match.
    const ctx: ChecksumContext = { version: 3, family: 4, src: parseAddress("10.0.21.105")!, dst: parseAddress("224.0.0.18")! };
    const msg = hex("3102960300640000" + "0a000001" + "0a000801" + "0a000901");
    const sum = vrrpChecksum(msg, ctx, "vrrp-only");
    expect(vrrpChecksum(msg, ctx, "pseudo-header")).toBe(sum);
    msg[6] = sum >> 8;
    msg[7] = sum & 0xff;
    expect(verifyVrrpChecksum(msg, ctx)).toBe("pseudo-header");
  });
});

describe("VRRP checksum against the byte-wise BigInt reference", () => {
  const N = 60_000;

  test(`${N} random packets: v2/v3, IPv4/IPv6, every form, with and without pseudo-header`, () => {
    const prng = new Prng(0x1071);
    const seen = new Set<string>();
    let multiFold = 0;
    let mismatches = 0;
    const firstBad: string[] = [];
    for (let i = 0; i < N; i++) {
      const c = randomCase(prng);
      seen.add(`v${c.version}/ipv${c.family}/${c.form}`);
      const ref = refChecksum([...pseudoBytes(c.form, c.ctx, c.msg.length), zeroField(c.msg)]);
      if (ref.folds > 1) multiFold++;
      const got = vrrpChecksum(c.msg, c.ctx, c.form);
      if (got !== ref.value) {
        mismatches++;
        if (firstBad.length < 3) firstBad.push(`${[...seen].at(-1)} ${Buffer.from(c.msg).toString("hex")} got ${got} want ${ref.value}`);
      }
    }
    expect(firstBad).toEqual([]);
    expect(mismatches).toBe(0);
    // The generator must reach the cases a single fold gets wrong, and every combination.
    expect(multiFold).toBeGreaterThan(100);
    expect([...seen].sort()).toEqual([
      "v2/ipv4/v2",
      "v3/ipv4/group-pseudo-header",
      "v3/ipv4/pseudo-header",
      "v3/ipv4/vrrp-only",
      "v3/ipv6/pseudo-header",
      "v3/ipv6/vrrp-only",
    ]);
  });

  test("a packet carrying the reference checksum verifies as its form; one flipped bit never does", () => {
    const prng = new Prng(1624);
    let verified = 0;
    let tried = 0;
    for (let i = 0; i < 20_000; i++) {
      const c = randomCase(prng);
      if (c.version === 3 && c.family === 6 && c.form === "vrrp-only") continue; // not accepted for IPv6
      tried++;
      const msg = zeroField(c.msg);
      const sum = refChecksum([...pseudoBytes(c.form, c.ctx, msg.length), msg]).value;
      msg[6] = sum >> 8;
      msg[7] = sum & 0xff;
      const form = verifyVrrpChecksum(msg, c.ctx);
      // Two forms can coincide by chance (same sum); then the earlier accepted form is named.
      expect(form).not.toBeNull();
      if (form === c.form) verified++;
      const bad = msg.slice();
      const bit = prng.int(0, bad.length * 8 - 1);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const badForm = verifyVrrpChecksum(bad, c.ctx);
      // A flip may land in a form another accepted form now matches; never in the one it had.
      if (badForm !== null) expect(badForm).not.toBe(form);
    }
    expect(tried).toBeGreaterThan(15_000);
    expect(verified).toBeGreaterThan(tried * 0.99);
  });

  test("the verified sum of data plus its checksum is 0xffff (RFC 1071 §2) for every length, odd ones too", () => {
    const prng = new Prng(20);
    for (let n = 1; n <= 600; n++) {
      const data = skewedBytes(prng, n, 0.8);
      const ref = refChecksum([data]).value;
      expect(internetChecksum(data)).toBe(ref);
    }
  });
});
