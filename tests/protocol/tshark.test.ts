// Cross-check with an independent dissector: vigil's encoded adverts, wrapped in IPv4/IPv6
// headers in a pcap file, must be decoded by tshark with the expected fields and a checksum
// tshark itself calls Good. tshark is required (CI installs it): missing → a failing test.
//
// Wireshark's preference is `vrrp.v3_checksum_as_in_v2` (checked with `tshark -G defaultprefs`):
// FALSE = v3/IPv4 with the IPv4 pseudo-header, TRUE = VRRP message only.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeAdvert, type EncodeOptions } from "../../src/protocol/packet.ts";
import { pcapFile, type RawPacket } from "../fakes/pcap.ts";

const TSHARK = Bun.which("tshark");
let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vigil-tshark-"));
});
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

interface Row {
  version: number;
  vrid: number;
  priority: number;
  checksumStatus: string;
  addresses: string;
  authString: string;
}

/** Runs tshark on the packets; one row per frame. checksumStatus: "1" Good, "0" Bad. */
function dissect(packets: RawPacket[], v3ChecksumAsInV2: boolean): Row[] {
  if (TSHARK === null) {
    throw new Error("tshark is not installed: `apt-get install -y tshark` (CI installs it; this test must not be skipped)");
  }
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(file, pcapFile(packets));
  const fields = ["vrrp.version", "vrrp.virt_rtr_id", "vrrp.prio", "vrrp.checksum.status", "vrrp.ip_addr", "vrrp.ipv6_addr", "vrrp.auth_string"];
  const proc = Bun.spawnSync([
    TSHARK,
    "-r",
    file,
    "-o",
    `vrrp.v3_checksum_as_in_v2:${v3ChecksumAsInV2 ? "TRUE" : "FALSE"}`,
    "-T",
    "fields",
    "-E",
    "separator=|",
    ...fields.flatMap((f) => ["-e", f]),
  ]);
  if (proc.exitCode !== 0) throw new Error(`tshark failed: ${proc.stderr.toString()}`);
  return proc.stdout
    .toString()
    .trim()
    .split("\n")
    .map((line) => {
      const [version, vrid, priority, checksumStatus, ip4, ip6, authString] = line.split("|");
      return {
        version: Number(version),
        vrid: Number(vrid),
        priority: Number(priority),
        checksumStatus: checksumStatus ?? "",
        addresses: ip4 || ip6 || "",
        authString: authString ?? "",
      };
    });
}

function packet(o: EncodeOptions): RawPacket {
  return { family: o.family, src: o.srcAddress, dst: o.dstAddress, payload: encodeAdvert(o) };
}

const base4 = { family: 4 as const, srcAddress: "192.168.0.1", dstAddress: "224.0.0.18" };
const v2 = packet({ ...base4, version: 2, vrid: 51, priority: 255, advertIntervalCs: 100, addresses: ["192.168.0.254"] });
const v2pass = packet({ ...base4, version: 2, vrid: 51, priority: 254, advertIntervalCs: 100, addresses: ["192.168.0.254"], authPass: "secret" });
const v3pseudo = packet({ ...base4, version: 3, vrid: 52, priority: 100, advertIntervalCs: 100, addresses: ["192.168.0.254", "192.168.0.253"] });
const v3only = packet({ ...base4, version: 3, vrid: 53, priority: 150, advertIntervalCs: 50, addresses: ["192.168.0.252"], v3Ipv4Checksum: "vrrp-only" });
const v3v6 = packet({
  version: 3,
  family: 6,
  vrid: 7,
  priority: 200,
  advertIntervalCs: 50,
  addresses: ["fe80::1", "2001:db8::1"],
  srcAddress: "fe80::2",
  dstAddress: "ff02::12",
});

describe("tshark decodes vigil's adverts", () => {
  test("tshark is installed", () => {
    expect(TSHARK, "tshark is required: apt-get install -y tshark").not.toBeNull();
  });

  test("v2, v2 PASS, v3 IPv4 (pseudo-header), v3 IPv6: fields and Good checksums", () => {
    const rows = dissect([v2, v2pass, v3pseudo, v3v6], false);
    expect(rows).toEqual([
      { version: 2, vrid: 51, priority: 255, checksumStatus: "1", addresses: "192.168.0.254", authString: "" },
      { version: 2, vrid: 51, priority: 254, checksumStatus: "1", addresses: "192.168.0.254", authString: "secret" },
      { version: 3, vrid: 52, priority: 100, checksumStatus: "1", addresses: "192.168.0.254,192.168.0.253", authString: "" },
      { version: 3, vrid: 7, priority: 200, checksumStatus: "1", addresses: "fe80::1,2001:db8::1", authString: "" },
    ]);
  });

  test("v3 IPv4 checksum forms are told apart by the preference", () => {
    const asPseudo = dissect([v3pseudo, v3only], false).map((r) => r.checksumStatus);
    const asV2 = dissect([v3pseudo, v3only], true).map((r) => r.checksumStatus);
    expect(asPseudo).toEqual(["1", "0"]);
    expect(asV2).toEqual(["0", "1"]);
  });

  test("a corrupted advert is reported Bad (the check can fail)", () => {
    const bad = { ...v3pseudo, payload: v3pseudo.payload.slice() };
    bad.payload[2] = 99;
    expect(dissect([bad], false)[0]!.checksumStatus).toBe("0");
  });
});
