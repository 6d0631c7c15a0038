// Shared by the keepalived-parity tests (VMAC, accept mode): configs and what an operator reads.
import type { Lab } from "../netns/lab.ts";
import type { VigilFlavour } from "../netns/vigil-node.ts";

/** PARITY_FLAVOUR=source runs main.ts (while developing); the default is dist/vigil. */
export const FLAVOUR = (process.env.PARITY_FLAVOUR ?? "compiled") as VigilFlavour;
export const VIP = "10.99.0.100";
export const VMAC = "00:00:5e:00:01:33";

/** One VRRPv3 instance at 100 ms with use_vmac and the VIP given (IPv4 or IPv6). */
function useVmacConf(name: string, vip: string, priority: number, extra: string[]): string {
  return `vrrp_instance ${name} {
    interface eth0
    virtual_router_id 51
    version 3
    priority ${priority}
    advert_int 0.1
    use_vmac
${extra.map((e) => `    ${e}\n`).join("")}    virtual_ipaddress {
        ${vip}
    }
}
`;
}

export const vmacConf = (priority: number, extra: string[] = []): string => useVmacConf("VI_1", `${VIP}/24`, priority, extra);

/** IPv6 use_vmac (tests/parity/vmac6.test.ts, vmac-interop.test.ts): VRID 51 → 00:00:5e:00:02:33. */
export const VIP6 = "2001:db8::100";
export const VMAC6 = "00:00:5e:00:02:33";

export const vmac6Conf = (priority: number, extra: string[] = []): string => useVmacConf("VI_6", `${VIP6}/64`, priority, extra);

/** busybox ping -6 from the client: 0 when the VIP answered. */
export const ping6 = (l: Lab) => l.exec("c", ["busybox", "ping", "-6", "-c", "1", "-W", "2", VIP6], { allowFail: true }).code;
export const neigh6 = (l: Lab) => /lladdr (\S+)/.exec(l.exec("c", ["ip", "-6", "neigh", "show", VIP6]).stdout)?.[1];
/** tcpdump -e lines of adverts of priority `prio`. */
export const advertsOf = (lines: string[], prio: number) => lines.filter((l) => l.includes("VRRPv3") && l.includes(`prio ${prio},`));

/** `ip -d -j addr show NAME` in a node; undefined when there is no such interface. */
export function linkOf(l: Lab, node: string, name: string): { address: string; kind?: string; mode?: string; addrs: string[] } | undefined {
  const r = l.exec(node, ["ip", "-d", "-j", "addr", "show", "dev", name], { allowFail: true });
  if (r.code !== 0) return undefined;
  const j = JSON.parse(r.stdout || "[]")[0];
  if (!j) return undefined; // gone between the look-up and the dump
  return {
    address: j.address,
    kind: j.linkinfo?.info_kind,
    mode: j.linkinfo?.info_data?.mode,
    addrs: (j.addr_info ?? []).map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`),
  };
}

/** One instance on eth0 with a plain VIP; `lines` go inside vrrp_instance, `global` inside global_defs. */
export function acceptConf(priority: number, lines: string[], global: string[] = []): string {
  const g = global.length > 0 ? `global_defs {\n${global.map((l) => `    ${l}\n`).join("")}}\n` : "";
  return `${g}vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    version 3
    priority ${priority}
    advert_int 0.1
${lines.map((e) => `    ${e}\n`).join("")}    virtual_ipaddress {
        ${VIP}/24
    }
}
`;
}

/** busybox ping from the client: 0 when the VIP answered. */
export const ping = (l: Lab, from = "c") => l.exec(from, ["busybox", "ping", "-c", "1", "-W", "2", VIP], { allowFail: true }).code;

/** The nft table vigil owns, as `nft list` prints it; null when it does not exist. */
export function nftTable(l: Lab, node: string): string | null {
  const r = l.exec(node, ["nft", "list", "table", "inet", "vigil"], { allowFail: true });
  return r.code === 0 ? r.stdout : null;
}
