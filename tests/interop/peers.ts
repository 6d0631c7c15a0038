// One face for both implementations, so every interop scenario runs in both directions from one
// description: the same keepalived.conf text is given to vigil and to keepalived.
import type { Lab } from "../netns/lab.ts";
import { removeDirs, startVigil, type VigilNode } from "../netns/vigil-node.ts";
import { cleanupKeepalived, type KeepalivedNode, startKeepalived } from "./keepalived-node.ts";

export type Kind = "vigil" | "keepalived";
export type PeerState = "master" | "backup" | "fault";

export interface Peer {
  readonly kind: Kind;
  readonly node: string;
  /** Waits until the implementation reports `state` (vigil: /status; keepalived: its log). */
  waitState(state: PeerState, timeoutMs?: number): Promise<number>;
  /** The state it reports now ("init" before any). */
  state(): Promise<string>;
  /** SIGTERM: resign with priority 0, remove VIPs, exit. Returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash (no priority 0, VIPs stay on the interface). */
  crash(): Promise<void>;
  /** Did this peer log/report that it took over because the master sent priority 0? */
  sawPriorityZero(): Promise<boolean>;
  log(): string;
  readonly vigil?: VigilNode;
  readonly keepalived?: KeepalivedNode;
}

export interface PeerOptions {
  /** Another keepalived binary (e.g. a newer build) for keepalived peers. */
  keepalivedBinary?: string;
  /** A restart of this peer: vigil reuses its --state-dir (its record of the VIPs it added). */
  previous?: Peer;
  /** vigil only: the config is TOML, not keepalived.conf. */
  toml?: boolean;
}

export function startPeer(lab: Lab, kind: Kind, node: string, conf: string, opts: PeerOptions = {}): Peer {
  if (kind === "vigil") {
    const stateDir = opts.previous?.vigil ? `${opts.previous.vigil.dir}/state` : undefined;
    const v = startVigil(lab, node, conf, { ext: opts.toml ? "toml" : "conf", stateDir });
    return {
      kind,
      node,
      vigil: v,
      waitState: (s, timeoutMs = 15_000) => v.waitState(s, { timeoutMs }),
      state: async () => (await v.instance().catch(() => undefined))?.state ?? "unreachable",
      async stop() {
        v.signal("SIGTERM");
        return v.exited(10_000);
      },
      async crash() {
        v.signal("SIGKILL");
        await v.proc.exited;
      },
      async sawPriorityZero() {
        const i = await v.instance();
        return i?.lastTransition?.reason === "priority-zero-received";
      },
      log: () => v.log(),
    };
  }
  const k = startKeepalived(lab, node, conf, { binary: opts.keepalivedBinary });
  return {
    kind,
    node,
    keepalived: k,
    waitState: (s, timeoutMs = 15_000) => k.waitState(s, { timeoutMs }),
    state: async () => k.state(),
    stop: () => k.stop(),
    crash: () => k.crash(),
    sawPriorityZero: async () => /Backup received priority 0 advertisement/.test(k.log()),
    log: () => k.log(),
  };
}

/** Kills every peer still running and removes their temp dirs. */
export async function cleanupPeers(peers: Peer[]): Promise<void> {
  for (const p of peers) {
    if (p.vigil) {
      if (p.vigil.proc.exitCode === null) {
        p.vigil.signal("SIGKILL");
        await p.vigil.proc.exited;
      }
      removeDirs([p.vigil]);
    }
    if (p.keepalived) await cleanupKeepalived([p.keepalived]);
  }
}

/** What a finished test may not leave: keepalived processes it started, namespaces of its lab. */
export function snapshotOwned(lab: Lab | undefined, peers: Peer[]): { pids: number[]; namespaces: string[] } {
  return {
    pids: peers.flatMap((p) => (p.keepalived ? [p.keepalived.proc.pid, p.keepalived.vrrpPid() ?? -1].filter((x) => x > 0) : [])),
    namespaces: lab ? [lab.bridgeNs, ...Object.values(lab.nodes).map((n) => n.ns)] : [],
  };
}

/** The subset of `owned` still present (call after cleanup; both lists must be empty). */
export function leftovers(owned: { pids: number[]; namespaces: string[] }): { pids: number[]; namespaces: string[] } {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const listed = new Set(
    Bun.spawnSync(["ip", "netns", "list"], { stdout: "pipe" })
      .stdout.toString()
      .split("\n")
      .map((l) => l.split(" ")[0]),
  );
  return { pids: owned.pids.filter(alive), namespaces: owned.namespaces.filter((n) => listed.has(n)) };
}

/** Addresses on the node's eth0 as `ip -br a` shows them ("10.99.0.100/24"). */
export function eth0(lab: Lab, node: string): string[] {
  return lab.addrs(node).find((a) => a.ifname === "eth0")?.addresses ?? [];
}

export const holds = (lab: Lab, node: string, vip: string): boolean => eth0(lab, node).includes(vip);

export interface ConfOptions {
  name?: string;
  vrid?: number;
  priority: number;
  /** keepalived `version`; omitted = keepalived's default (2 for IPv4). */
  version?: 2 | 3;
  /** advert_int text, e.g. "1" or "0.1". */
  advertInt?: string;
  vips: string[];
  state?: "MASTER" | "BACKUP";
  nopreempt?: boolean;
  authPass?: string;
  unicastSrc?: string;
  unicastPeers?: string[];
  /** Lines inside global_defs { }. */
  globalDefs?: string[];
  /** Extra lines inside vrrp_instance. */
  extra?: string[];
}

/** A keepalived.conf both implementations read. */
export function kaConf(o: ConfOptions): string {
  const l: string[] = [];
  if (o.globalDefs?.length) l.push("global_defs {", ...o.globalDefs.map((g) => `\t${g}`), "}", "");
  l.push(`vrrp_instance ${o.name ?? "VI_1"} {`);
  if (o.state) l.push(`\tstate ${o.state}`);
  l.push("\tinterface eth0", `\tvirtual_router_id ${o.vrid ?? 51}`, `\tpriority ${o.priority}`);
  if (o.version) l.push(`\tversion ${o.version}`);
  l.push(`\tadvert_int ${o.advertInt ?? "1"}`);
  if (o.nopreempt) l.push("\tnopreempt");
  if (o.authPass !== undefined) l.push("\tauthentication {", "\t\tauth_type PASS", `\t\tauth_pass ${o.authPass}`, "\t}");
  if (o.unicastSrc) l.push(`\tunicast_src_ip ${o.unicastSrc}`);
  if (o.unicastPeers?.length) l.push("\tunicast_peer {", ...o.unicastPeers.map((p) => `\t\t${p}`), "\t}");
  for (const e of o.extra ?? []) l.push(`\t${e}`);
  l.push("\tvirtual_ipaddress {", ...o.vips.map((v) => `\t\t${v}`), "\t}", "}", "");
  return l.join("\n");
}

/** Isolates / rejoins a node's bridge port (carrier stays up: a partition, not an unplug). */
export function isolate(lab: Lab, node: string, on: boolean): void {
  const r = Bun.spawnSync(["ip", "netns", "exec", lab.bridgeNs, "bridge", "link", "set", "dev", lab.nodes[node]!.peer, "isolated", on ? "on" : "off"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0) throw new Error(`isolate: ${r.stderr.toString()}`);
}

/** Makes the lab bridge flood every frame (a hub), so a third node sees unicast adverts too. */
export function hubMode(lab: Lab): void {
  const r = Bun.spawnSync(["ip", "-n", lab.bridgeNs, "link", "set", "br0", "type", "bridge", "ageing_time", "0"], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`hubMode: ${r.stderr.toString()}`);
}

export const DIRECTIONS: { name: string; first: Kind; second: Kind }[] = [
  { name: "vigil master + keepalived backup", first: "vigil", second: "keepalived" },
  { name: "keepalived master + vigil backup", first: "keepalived", second: "vigil" },
];
