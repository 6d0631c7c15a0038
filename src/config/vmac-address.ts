// The MAC word of keepalived's `use_vmac [NAME] [MAC]` (TOML `vmac_address`), read as keepalived
// 2.2.7 reads it (observed: each case below run in a namespace): hex octets separated by ':'
// (one or two digits each); five octets take the virtual_router_id as the sixth; octets after the
// sixth are not used; a multicast MAC or an RFC 5798 §7.3 VRRP prefix (00:00:5e:00:01 / :02) is
// refused and the virtual MAC is used instead (keepalived: "- ignoring"). A MAC that fails here
// is a warning, never an error: keepalived starts with the virtual MAC.

export type VmacAddressResult = { mac: string; note?: string } | { problem: string };

export function parseVmacAddress(text: string, vrid: number): VmacAddressResult {
  const parts = text.split(":");
  const octets = parts.slice(0, 6);
  if (octets.length < 5 || !octets.every((p) => /^[0-9a-f]{1,2}$/i.test(p))) {
    return { problem: `use_vmac: invalid MAC address ${text}; the VRRP virtual MAC is used (as keepalived)` };
  }
  const bytes = octets.map((p) => parseInt(p, 16));
  if (bytes.length === 5) bytes.push(vrid & 0xff);
  const mac = bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
  if ((bytes[0]! & 1) === 1) return { problem: `use_vmac: MAC address ${text} is multicast; the VRRP virtual MAC is used (as keepalived)` };
  if (/^00:00:5e:00:0[12]:/.test(mac)) {
    return { problem: `use_vmac: MAC address ${text} is an RFC 5798 VRRP address; the VRRP virtual MAC is used (as keepalived)` };
  }
  return parts.length > 6 ? { mac, note: `use_vmac: MAC address ${text}: octets after the sixth are not used (${mac})` } : { mac };
}
