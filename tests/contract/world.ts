// The contract suite's view of a small LAN: nodes a, b, c on one segment, each with eth0 carrying
// 10.99.0.N/24, 2001:db8::N/64 and fe80::99:ff:fe00:N. Two implementations: the fakes in memory
// (fake-world.ts) and the Linux ports in network namespaces (linux-world.ts). Every call is async
// and every port failure is an Outcome, so one suite runs unchanged against both.

import type { Family } from "../../src/protocol/types.ts";
import type { AddressSpec, LinkInfo, RouteSpec, RuleSpec } from "../../src/runtime/ports.ts";

export type Outcome = { ok: true; value?: unknown } | { ok: false; name: string; code: string; message?: string };

export interface Dgram {
  family: Family;
  /** Received on the node's eth0 (ifindex as the port reported it). */
  onEth0: boolean;
  src: string;
  dst: string;
  ttl: number;
  payload: string; // hex
}

export interface LinkJson {
  name: string;
  index: number;
  mac: string; // hex
  up: boolean;
  addresses: { family: Family; address: string; prefixLength: number }[];
}

export const linkJson = (l: LinkInfo): LinkJson => ({
  name: l.name,
  index: l.index,
  mac: Buffer.from(l.mac).toString("hex"),
  up: l.up,
  addresses: l.addresses.map(({ family, address, prefixLength }) => ({ family, address, prefixLength })),
});

export const NODES = ["a", "b", "c"] as const;
export type NodeName = (typeof NODES)[number];

export interface NodeAddrs {
  ipv4: string;
  ipv6: string;
  linkLocal: string;
  mac: string; // hex
}

/** The addresses lab.ts gives node i (0-based); the fake world copies them. */
export function nodeAddrs(name: NodeName): NodeAddrs {
  const n = NODES.indexOf(name) + 1;
  return {
    ipv4: `10.99.0.${n}`,
    ipv6: `2001:db8::${n}`,
    linkLocal: `fe80::99:ff:fe00:${n}`,
    mac: `0299000000${n.toString(16).padStart(2, "0")}`,
  };
}

export interface World {
  readonly kind: "fake" | "linux";
  ifindex(node: NodeName): Promise<number>;
  open(node: NodeName, family: Family, ifname?: string, ifindex?: number): Promise<Outcome>;
  release(node: NodeName, family: Family): Promise<Outcome>;
  send(node: NodeName, family: Family, payloadHex: string, dst: string, src: string, ifindex?: number): Promise<Outcome>;
  /** What the node's first onReceive handler got since the last call; waits (bounded) for `min`. */
  received(node: NodeName, min: number): Promise<Dgram[]>;
  /** Another onReceive / onChange handler that counts its calls; unsubscribe ends it. */
  subscribe(node: NodeName, kind: "receive" | "link"): Promise<number>;
  unsubscribe(node: NodeName, sub: number): Promise<void>;
  calls(node: NodeName, sub: number): Promise<number>;
  addAddr(node: NodeName, spec: AddressSpec): Promise<Outcome>;
  removeAddr(node: NodeName, spec: AddressSpec): Promise<Outcome>;
  listAddrs(node: NodeName, ifindex: number): Promise<LinkJson["addresses"]>;
  addRoute(node: NodeName, spec: RouteSpec): Promise<Outcome>;
  removeRoute(node: NodeName, spec: RouteSpec): Promise<Outcome>;
  addRule(node: NodeName, spec: RuleSpec): Promise<Outcome>;
  removeRule(node: NodeName, spec: RuleSpec): Promise<Outcome>;
  link(node: NodeName, name: string): Promise<LinkJson | null>;
  /** onChange calls of the node's first handler since the last call; waits (bounded) for `min`. */
  linkEvents(node: NodeName, min: number): Promise<LinkJson[]>;
  /** Unplug / plug the node's cable (carrier), as lab.linkDown does. */
  carrier(node: NodeName, up: boolean): Promise<void>;
  /** `ip link set eth0 up|down` on the node. */
  admin(node: NodeName, up: boolean): Promise<void>;
  close(): Promise<void>;
}
