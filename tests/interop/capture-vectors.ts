// Captures keepalived's own adverts once and writes tests/vectors/keepalived-*.json (run as root):
//
//   bun tests/interop/capture-vectors.ts [--newer /path/to/keepalived>=2.2.8]
//
// Each capture: keepalived alone as master in a lab node (r1), `tcpdump -w` on the client (c), a few
// adverts, then SIGTERM (its priority-0 advert is kept too). The expected fields are written from the
// config, not from vigil's decoder; the checksum form is found here with an independent RFC 1071 sum,
// and Wireshark's verdict (tshark, both settings of vrrp.v3_checksum_as_in_v2) is recorded beside it.
// keepalived only runs inside the lab's namespaces.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLab, type Lab } from "../netns/lab.ts";
import { cleanupKeepalived, KEEPALIVED, type KeepalivedNode, startKeepalived } from "./keepalived-node.ts";
import { type ConfOptions, hubMode, kaConf } from "./peers.ts";
import { hex, startWire, type WireAdvert } from "./wire.ts";

const OUT = join(import.meta.dir, "..", "vectors");

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const NEWER = argValue("--newer") ?? process.env.VIGIL_KEEPALIVED_NEW;

function version(bin: string): string {
  const r = Bun.spawnSync([bin, "--version"], { stdout: "pipe", stderr: "pipe" });
  return (r.stderr.toString() + r.stdout.toString()).split("\n")[0]!.trim();
}

// --- independent checksum (RFC 1071), not vigil's checksum.ts ----------------------------------
function sum16(bytes: number[]): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += (bytes[i]! << 8) + (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
function v4(a: string): number[] {
  return a.split(".").map(Number);
}
function v6(a: string): number[] {
  const [h, t] = a.split("::");
  const hs = h ? h.split(":") : [];
  const ts = t !== undefined && t !== "" ? t.split(":") : [];
  const groups = [...hs, ...Array(8 - hs.length - ts.length).fill("0"), ...ts];
  return groups.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}
/** Which computation makes the message's checksum verify: "v2" | "pseudo-header" | "vrrp-only" | "none". */
function checksumForm(w: WireAdvert): string {
  const msg = [...w.payload];
  const version = msg[0]! >> 4;
  const plain = sum16(msg) === 0xffff;
  if (version === 2) return plain ? "v2" : "none";
  const len = msg.length;
  const pseudo = w.family === 4
    ? [...v4(w.src), ...v4(w.dst), 0, 112, len >> 8, len & 0xff]
    : [...v6(w.src), ...v6(w.dst), 0, 0, len >> 8, len & 0xff, 0, 0, 0, 112];
  if (sum16([...pseudo, ...msg]) === 0xffff) return "pseudo-header";
  return w.family === 4 && plain ? "vrrp-only" : "none";
}

function tsharkStatus(pcap: string, asInV2: boolean): string[] {
  const r = Bun.spawnSync(
    ["tshark", "-r", pcap, "-o", `vrrp.v3_checksum_as_in_v2:${asInV2 ? "TRUE" : "FALSE"}`, "-Y", "vrrp", "-T", "fields", "-e", "vrrp.checksum.status"],
    { stdout: "pipe", stderr: "pipe" },
  );
  // 0 = bad, 1 = good, 2 = unverified (Wireshark's PROTO_CHECKSUM_E_*)
  return r.stdout
    .toString()
    .split("\n")
    .filter(Boolean)
    .map((s) => ({ "0": "bad", "1": "good", "2": "unverified" })[s.trim()] ?? s.trim());
}

interface Capture {
  file: string;
  note: string;
  binary: string;
  ipv6?: boolean;
  seed?: boolean;
  hub?: boolean;
  conf: ConfOptions | string;
  /** Expected content (from the config). */
  expect: { version: 2 | 3; vrid: number; priority: number; maxAdvertIntervalCs: number; authType: number; authPass?: string; addresses: string[] };
  adverts: number;
}

async function capture(c: Capture): Promise<void> {
  const lab: Lab = createLab({ nodes: ["r1", "r2", "c"], ipv6: c.ipv6, prefix: "vgcap" });
  const dir = mkdtempSync(join(tmpdir(), "vigil-cap-"));
  const pcap = join(dir, "cap.pcap");
  let ka: KeepalivedNode | undefined;
  try {
    if (c.seed) ["r1", "r2", "c"].forEach((n, i) => lab.exec(n, ["ip", "addr", "add", `192.168.0.${i + 1}/24`, "dev", "eth0"]));
    if (c.hub) hubMode(lab);
    const wire = await startWire(lab, "c", pcap);
    const confText = typeof c.conf === "string" ? c.conf : kaConf(c.conf);
    ka = startKeepalived(lab, "r1", confText, { binary: c.binary });
    await ka.waitState("master");
    await wire.waitFor(() => wire.adverts().length >= c.adverts, 15_000, `${c.adverts} adverts`);
    const code = await ka.stop();
    await wire.waitFor((a) => a.payload[2] === 0, 5000, "the priority-0 advert");
    const all = await wire.stop();
    const keep = [all.find((a) => a.payload[2] !== 0)!, all.find((a) => a.payload[2] === 0)!];
    const tsDefault = tsharkStatus(pcap, false);
    const tsAsV2 = tsharkStatus(pcap, true);
    const idx = keep.map((k) => all.indexOf(k));
    const packets = keep.map((a, i) => {
      const prio = a.payload[2]!;
      return {
        name: `${c.file}-${prio === 0 ? "priority0" : "advert"}`,
        note: prio === 0 ? "sent on SIGTERM: the master resigns with priority 0" : "a periodic advert as master",
        hex: hex(a.payload),
        family: a.family,
        src: a.src,
        dst: a.dst,
        ttl: a.ttl,
        expect: { ...c.expect, priority: prio === 0 ? 0 : c.expect.priority, checksumForm: checksumForm(a), length: a.payload.length },
        wireshark: { default: tsDefault[idx[i]!], v3_checksum_as_in_v2: tsAsV2[idx[i]!] },
      };
    });
    const doc = {
      _about: c.note,
      keepalived: version(c.binary),
      command:
        "keepalived --use-file=CONF --pid=PID --vrrp_pid=VRRP_PID --dont-fork --log-console --log-detail --no-syslog --dont-respawn --vrrp (inside `ip netns exec`)",
      capturedWith: "tcpdump -w on a third node of the lab bridge; hex is the VRRP message (IP header removed)",
      capturedAt: new Date().toISOString().slice(0, 10),
      keepalivedExit: code,
      keepalivedLog: ka
        .log()
        .split("\n")
        .filter((l) => /keyword|checksum|WARNING|Entering/i.test(l))
        .map((l) => l.replace(/^.*?\d{4}: /, "")),
      config: confText,
      packets,
    };
    writeFileSync(join(OUT, `${c.file}.json`), `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`${c.file}.json: ${packets.map((p) => `${p.expect.priority}/${p.expect.checksumForm}`).join(" ")}  [${doc.keepalived}]`);
  } finally {
    await cleanupKeepalived([ka]);
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

const VIP4 = ["10.99.0.100/24"];
const v3base = { version: 3 as const, vrid: 51, priority: 200, maxAdvertIntervalCs: 10, authType: 0 };

const captures: Capture[] = [
  {
    file: "keepalived-v2",
    note: "VRRPv2, the seed config (priority 255, advert_int 1, VIP 192.168.0.254/24), Debian's keepalived",
    binary: KEEPALIVED,
    seed: true,
    conf:
      `vrrp_instance VI_1 {\n\tinterface eth0\n\tvirtual_router_id 51\n\tpriority 255\n\tadvert_int 1\n\tvirtual_ipaddress {\n\t\t192.168.0.254/24\n\t}\n}\n`,
    expect: { version: 2, vrid: 51, priority: 255, maxAdvertIntervalCs: 100, authType: 0, addresses: ["192.168.0.254"] },
    adverts: 2,
  },
  {
    file: "keepalived-v2-auth-pass",
    note: "VRRPv2 with authentication PASS 's3cr3t' (zero-padded to 8 bytes), Debian's keepalived",
    binary: KEEPALIVED,
    conf: { priority: 200, vips: VIP4, authPass: "s3cr3t", state: "MASTER" },
    expect: { version: 2, vrid: 51, priority: 200, maxAdvertIntervalCs: 100, authType: 1, authPass: "s3cr3t", addresses: ["10.99.0.100"] },
    adverts: 2,
  },
  {
    file: "keepalived-v3-ipv4-pseudo-header",
    note: "VRRPv3 IPv4 at 100 ms, keepalived's default checksum (with the IPv4 pseudo-header), Debian's keepalived",
    binary: KEEPALIVED,
    conf: { priority: 200, version: 3, advertInt: "0.1", vips: VIP4 },
    expect: { ...v3base, addresses: ["10.99.0.100"] },
    adverts: 3,
  },
  {
    file: "keepalived-v3-ipv4-unicast",
    note: "VRRPv3 IPv4 unicast to 10.99.0.2: the pseudo-header carries the unicast destination, Debian's keepalived",
    binary: KEEPALIVED,
    hub: true,
    conf: { priority: 200, version: 3, advertInt: "0.1", vips: VIP4, unicastSrc: "10.99.0.1", unicastPeers: ["10.99.0.2"] },
    expect: { ...v3base, addresses: ["10.99.0.100"] },
    adverts: 3,
  },
  {
    file: "keepalived-v3-ipv4-checksum-as-v2-ignored",
    note:
      "Debian's keepalived 2.2.7 given `v3_checksum_as_v2` in global_defs: it does not know the keyword (added in 2.2.8) and still sends the pseudo-header form",
    binary: KEEPALIVED,
    conf: { priority: 200, version: 3, advertInt: "0.1", vips: VIP4, globalDefs: ["v3_checksum_as_v2"] },
    expect: { ...v3base, addresses: ["10.99.0.100"] },
    adverts: 3,
  },
  {
    file: "keepalived-v3-ipv6",
    note: "VRRPv3 IPv6 at 100 ms, VIPs fe80::100 (first, link-local) and 2001:db8::100, Debian's keepalived",
    binary: KEEPALIVED,
    ipv6: true,
    conf: { priority: 200, version: 3, advertInt: "0.1", vips: ["fe80::100/64", "2001:db8::100/64"] },
    expect: { ...v3base, addresses: ["fe80::100", "2001:db8::100"] },
    adverts: 3,
  },
];
if (NEWER) {
  captures.push({
    file: "keepalived-v3-ipv4-vrrp-only",
    note:
      "VRRPv3 IPv4 at 100 ms with `v3_checksum_as_v2` in global_defs (keepalived >= 2.2.8, built from the upstream tag): checksum over the VRRP message only (RFC 9568 §5.2.8)",
    binary: NEWER,
    conf: { priority: 200, version: 3, advertInt: "0.1", vips: VIP4, globalDefs: ["v3_checksum_as_v2"] },
    expect: { ...v3base, addresses: ["10.99.0.100"] },
    adverts: 3,
  });
} else console.log("no --newer keepalived: keepalived-v3-ipv4-vrrp-only.json not rewritten");

const only = argValue("--only");
for (const c of captures) if (!only || c.file === only) await capture(c);
