// keepalived's own adverts, captured on the wire once (tests/interop/capture-vectors.ts) and kept in
// tests/vectors/keepalived-*.json, decoded by the pure core. No root, no network.
// Each packet also has to come out byte for byte from vigil's encoder given the same content: then
// vigil and keepalived put identical messages on the wire.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeAdvert, encodeAdvert } from "../../src/protocol/packet.ts";
import type { Family } from "../../src/protocol/types.ts";

const DIR = join(import.meta.dir, "..", "vectors");

interface Packet {
  name: string;
  note: string;
  hex: string;
  family: Family;
  src: string;
  dst: string;
  ttl: number;
  expect: {
    version: 2 | 3;
    vrid: number;
    priority: number;
    maxAdvertIntervalCs: number;
    authType: number;
    authPass?: string;
    addresses: string[];
    checksumForm: "v2" | "pseudo-header" | "vrrp-only";
    length: number;
  };
  wireshark: { default: string; v3_checksum_as_in_v2: string };
}
interface VectorFile {
  _about: string;
  keepalived: string;
  config: string;
  keepalivedLog: string[];
  packets: Packet[];
}

const files = readdirSync(DIR)
  .filter((f) => /^keepalived-.*\.json$/.test(f))
  .sort();
const load = (f: string) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as VectorFile;
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const all = files.flatMap((f) => load(f).packets.map((p) => ({ file: f, ...p })));
const ctx = (p: Packet, over: Partial<{ src: string; dst: string; ttl: number }> = {}) => ({
  family: p.family,
  srcAddress: over.src ?? p.src,
  dstAddress: over.dst ?? p.dst,
  ttl: over.ttl ?? p.ttl,
});

test("the captures are all there", () => {
  expect(files).toEqual([
    "keepalived-v2-auth-pass.json",
    "keepalived-v2.json",
    "keepalived-v3-ipv4-checksum-as-v2-ignored.json",
    "keepalived-v3-ipv4-pseudo-header.json",
    "keepalived-v3-ipv4-unicast.json",
    "keepalived-v3-ipv4-vrrp-only.json",
    "keepalived-v3-ipv6.json",
  ]);
  for (const f of files) {
    const v = load(f);
    expect(v.keepalived).toMatch(/^Keepalived v2\.\d+\.\d+/);
    expect(v.packets.map((p) => p.expect.priority > 0)).toEqual([true, false]); // one advert + the priority 0 on stop
  }
});

describe.each(all.map((p) => [p.name, p] as const))("%s", (_name, p) => {
  test("decodes to what the config says, with the checksum form found independently", () => {
    const r = decodeAdvert(bytes(p.hex), ctx(p));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { authPass, checksumForm, ...fields } = p.expect;
    expect({ ...r.packet, authData: undefined }).toEqual({ ...fields, authData: undefined });
    expect(r.checksumForm).toBe(checksumForm);
    if (p.expect.version === 2) {
      const pass = new Uint8Array(8);
      pass.set(new TextEncoder().encode(authPass ?? ""));
      expect(r.packet.authData).toEqual(pass);
    }
  });

  test("Wireshark agrees on the form (pseudo-header by default, vrrp-only with v3_checksum_as_in_v2)", () => {
    const f = p.expect.checksumForm;
    const want = f === "vrrp-only"
      ? { default: "bad", v3_checksum_as_in_v2: "good" }
      : f === "pseudo-header" && p.family === 4
      ? { default: "good", v3_checksum_as_in_v2: "bad" }
      : { default: "good", v3_checksum_as_in_v2: "good" };
    expect(p.wireshark).toEqual(want);
  });

  test("vigil's encoder produces the same bytes from the same content", () => {
    const e = p.expect;
    const out = encodeAdvert({
      version: e.version,
      family: p.family,
      vrid: e.vrid,
      priority: e.priority,
      advertIntervalCs: e.maxAdvertIntervalCs,
      addresses: e.addresses,
      authPass: e.version === 2 && e.authType === 1 ? e.authPass : undefined,
      srcAddress: p.src,
      dstAddress: p.dst,
      v3Ipv4Checksum: e.checksumForm === "vrrp-only" ? "vrrp-only" : "pseudo-header",
    });
    expect(Buffer.from(out).toString("hex")).toBe(p.hex);
  });

  test("Ethernet padding after the message is ignored; TTL other than 255 is dropped", () => {
    const padded = new Uint8Array([...bytes(p.hex), 0, 0, 0, 0, 0, 0]);
    const r = decodeAdvert(padded, ctx(p));
    expect(r.ok && r.checksumForm).toBe(p.expect.checksumForm);
    expect(decodeAdvert(bytes(p.hex), ctx(p, { ttl: 254 }))).toEqual({ ok: false, reason: "bad-ttl" });
  });

  test("the pseudo-header form depends on the addresses; the other forms do not", () => {
    const other = p.family === 4 ? "10.99.0.77" : "fe80::77";
    const r = decodeAdvert(bytes(p.hex), ctx(p, { src: other }));
    if (p.expect.checksumForm === "pseudo-header") expect(r).toEqual({ ok: false, reason: "bad-checksum" });
    else expect(r.ok && r.checksumForm).toBe(p.expect.checksumForm);
  });
});

test("keepalived 2.2.7 does not know v3_checksum_as_v2 (added in 2.2.8): it logs it and keeps the pseudo-header", () => {
  const v = load("keepalived-v3-ipv4-checksum-as-v2-ignored.json");
  expect(v.keepalived).toContain("v2.2.7");
  expect(v.config).toContain("v3_checksum_as_v2");
  expect(v.keepalivedLog).toContain("(Line 2) Unknown keyword 'v3_checksum_as_v2'");
  expect(v.packets.every((p) => p.expect.checksumForm === "pseudo-header")).toBe(true);
});

test("keepalived's unicast v3 IPv4 checksum covers the unicast destination, not 224.0.0.18 (pre-1.3.6 form)", () => {
  const p = load("keepalived-v3-ipv4-unicast.json").packets[0]!;
  expect(p.dst).toBe("10.99.0.2");
  expect(decodeAdvert(bytes(p.hex), ctx(p)).ok).toBe(true);
  expect(decodeAdvert(bytes(p.hex), ctx(p, { dst: "224.0.0.18" }))).toEqual({ ok: false, reason: "bad-checksum" });
});
