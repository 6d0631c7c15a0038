// VRRP adverts out of a pcap, with what the equivalence check compares: the header fields as sent
// (no checksum or validity judgement: both daemons' bytes are compared as they are), the source MAC
// and whether the destination is the VRRP multicast group.

export interface Advert {
  t: number;
  srcMac: string;
  src: string;
  dst: string;
  multicast: boolean;
  version: number;
  vrid: number;
  priority: number;
  count: number;
  /** v2: "none", "pass:SECRET", "ah" (inside IPsec AH) or the number; v3: "-". */
  auth: string;
}

const hex2 = (b: number) => b.toString(16).padStart(2, "0");
const mac = (f: Uint8Array, o: number) => [...f.subarray(o, o + 6)].map(hex2).join(":");
const v4 = (b: Uint8Array, o: number) => [...b.subarray(o, o + 4)].join(".");
function v6(b: Uint8Array, o: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[o + i]! << 8) | b[o + i + 1]!).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::").replace(/:{3,}/, "::");
}

export function readVrrpPcap(bytes: Uint8Array): Advert[] {
  if (bytes.length < 24) return [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = v.getUint32(0, true) === 0xa1b2c3d4;
  const out: Advert[] = [];
  for (let off = 24; off + 16 <= bytes.length;) {
    const t = v.getUint32(off, le) + v.getUint32(off + 4, le) / 1e6;
    const incl = v.getUint32(off + 8, le);
    if (off + 16 + incl > bytes.length) break; // record still being written
    const a = frame(bytes.subarray(off + 16, off + 16 + incl), t);
    if (a) out.push(a);
    off += 16 + incl;
  }
  return out;
}

function frame(f: Uint8Array, t: number): Advert | undefined {
  if (f.length < 14) return undefined;
  const type = (f[12]! << 8) | f[13]!;
  const ip = f.subarray(14);
  let src: string;
  let dst: string;
  let p: Uint8Array;
  let ah = false;
  if (type === 0x0800 && ip.length >= 20 && (ip[9] === 112 || ip[9] === 51)) {
    src = v4(ip, 12);
    dst = v4(ip, 16);
    p = ip.subarray((ip[0]! & 0x0f) * 4);
    // keepalived's auth_type AH wraps the advert in IPsec AH (RFC 4302): skip that header.
    if (ip[9] === 51) {
      if (p.length < 2 || p[0] !== 112) return undefined;
      p = p.subarray((p[1]! + 2) * 4);
      ah = true;
    }
  } else if (type === 0x86dd && ip.length >= 40 && ip[6] === 112) {
    src = v6(ip, 8);
    dst = v6(ip, 24);
    p = ip.subarray(40);
  } else return undefined;
  if (p.length < 8) return undefined;
  const version = p[0]! >> 4;
  const count = p[3]!;
  let auth = "-";
  if (version === 2) {
    const kind = p[4]!;
    const data = p.subarray(8 + count * 4, 8 + count * 4 + 8);
    auth = ah ? "ah" : kind === 0 ? "none" : kind === 1 ? `pass:${new TextDecoder().decode(data).replace(/\0+$/, "")}` : kind === 2 ? "ah" : String(kind);
  }
  const multicast = dst === "224.0.0.18" || dst === "ff02::12";
  return { t, srcMac: mac(f, 6), src, dst, multicast, version, vrid: p[1]!, priority: p[2]!, count, auth };
}
