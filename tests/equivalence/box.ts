// A box for one daemon run: a node namespace holding one veth per interface a config names (the
// `dummy` driver is missing on this kernel), each plugged into a private "wire" namespace where
// tcpdump records what goes out. Nothing is created in the root namespace. The node side of every
// veth has a fixed MAC, so two boxes built from one plan show the same source MACs.
//
// It offers spawn/exec like tests/netns/lab.ts, so tests/interop/keepalived-node.ts and
// tests/netns/vigil-node.ts run daemons in it unchanged.

import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecResult, Lab } from "../netns/lab.ts";
import { readLines } from "../../src/demo/watch.ts";
import { type Advert, readVrrpPcap } from "./pcap.ts";

export interface IfacePlan {
  name: string;
  /** Addresses with prefix, the first is the primary ("10.254.1.1/24"). */
  addrs: string[];
  /** Unicast peers: a host route and a permanent neighbour each, so adverts leave the box. */
  peers: string[];
}

export interface Box {
  readonly ns: string;
  /** What tests/interop/keepalived-node.ts and tests/netns/vigil-node.ts need from a lab. */
  readonly lab: Lab;
  /** Addresses per interface right now ("ip -j addr"), link-local and planned ones left out. */
  vips(): Record<string, string[]>;
  /** Starts tcpdump on the wire side of every interface; resolves once each listens. */
  capture(): Promise<void>;
  /** Every advert captured so far, per interface. */
  adverts(): Record<string, Advert[]>;
  cleanup(): Promise<void>;
}

function run(cmd: string[], allowFail = false): ExecResult {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  const res = { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  if (res.code !== 0 && !allowFail) throw new Error(`box: ${cmd.join(" ")} → exit ${res.code}: ${res.stderr.trim()}`);
  return res;
}

export const PEER_MAC = "02:ee:ff:00:00:01";
const nodeMac = (i: number) => `02:ee:00:00:00:${(i + 1).toString(16).padStart(2, "0")}`;

const live = new Set<string>();
process.on("exit", () => {
  for (const ns of live) Bun.spawnSync(["ip", "netns", "del", ns]);
});

export function createBox(plan: IfacePlan[], tag: string): Box {
  const id = `veq-${tag}-${Math.random().toString(16).slice(2, 7)}`;
  const ns = `${id}-n`;
  const wire = `${id}-w`;
  const dir = mkdtempSync(join(tmpdir(), `${id}-`));
  const children = new Set<Subprocess>();
  const planned = new Set(plan.flatMap((p) => p.addrs.map((a) => `${p.name} ${a}`)));
  for (const n of [ns, wire]) {
    run(["ip", "netns", "add", n]);
    live.add(n);
    run([
      "ip",
      "netns",
      "exec",
      n,
      "sysctl",
      "-qw",
      "net.ipv6.conf.all.accept_dad=0",
      "net.ipv6.conf.default.accept_dad=0",
      "net.ipv6.conf.default.dad_transmits=0",
    ]);
    run(["ip", "-n", n, "link", "set", "lo", "up"]);
  }
  plan.forEach((p, i) => {
    run(["ip", "-n", ns, "link", "add", p.name, "address", nodeMac(i), "type", "veth", "peer", "name", `w${i}`, "netns", wire]);
    run(["ip", "-n", wire, "link", "set", `w${i}`, "up"]);
    for (const a of p.addrs) run(["ip", "-n", ns, "addr", "add", a, "dev", p.name, ...(a.includes(":") ? ["nodad"] : [])]);
    run(["ip", "-n", ns, "link", "set", p.name, "up"]);
    for (const peer of p.peers) {
      const six = peer.includes(":");
      run(["ip", "-n", ns, ...(six ? ["-6"] : []), "route", "replace", `${peer}/${six ? 128 : 32}`, "dev", p.name], true);
      run(["ip", "-n", ns, "neigh", "replace", peer, "lladdr", PEER_MAC, "dev", p.name, "nud", "permanent"], true);
    }
  });

  const spawn = (_node: string, cmd: string[]) => {
    const p = Bun.spawn(["ip", "netns", "exec", ns, ...cmd], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    children.add(p);
    void p.exited.then(() => children.delete(p));
    return p;
  };
  const lab = { id, spawn, exec: (_node: string, cmd: string[], o?: { allowFail?: boolean }) => run(["ip", "netns", "exec", ns, ...cmd], o?.allowFail) };
  const pcap = (i: number) => join(dir, `w${i}.pcap`);

  return {
    ns,
    // Only spawn and exec are used by the daemon helpers; the rest of Lab is the bridge lab's.
    lab: lab as unknown as Lab,
    vips() {
      const out: Record<string, string[]> = {};
      const links = JSON.parse(run(["ip", "-n", ns, "-j", "addr"]).stdout) as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[];
      for (const l of links) {
        const a = l.addr_info
          .map((x) => `${x.local}/${x.prefixlen}`)
          .filter((x) =>
            !planned.has(`${l.ifname} ${x}`) && !(l.ifname === "lo" && (x === "127.0.0.1/8" || x === "::1/128")) &&
            !(x.startsWith("fe80:") && x.endsWith("/64"))
          )
          .sort();
        if (a.length > 0) out[l.ifname] = a;
      }
      return out;
    },
    async capture() {
      await Promise.all(
        plan.map(async (_p, i) => {
          const p = Bun.spawn([
            "ip",
            "netns",
            "exec",
            wire,
            "tcpdump",
            "-i",
            `w${i}`,
            "-n",
            "--immediate-mode",
            "-U",
            "-s",
            "0",
            "-w",
            pcap(i),
            "proto",
            "112",
            "or",
            "proto",
            "51",
          ], { stdout: "pipe", stderr: "pipe" });
          children.add(p);
          // stderr is drained for the whole capture: a closed pipe would end tcpdump at its next line.
          let err = "";
          let ready!: (ok: boolean) => void;
          const listening = new Promise<boolean>((r) => (ready = r));
          void readLines(p.stderr, (l) => {
            err += `${l}\n`;
            if (l.includes("listening on")) ready(true);
          }).then(() => ready(false));
          if (await Promise.race([listening, Bun.sleep(5000).then(() => false)])) return;
          throw new Error(`box: tcpdump on w${i} did not start: ${err}`);
        }),
      );
    },
    adverts() {
      const out: Record<string, Advert[]> = {};
      plan.forEach((p, i) => (out[p.name] = existsSync(pcap(i)) ? readVrrpPcap(new Uint8Array(readFileSync(pcap(i)))) : []));
      return out;
    },
    async cleanup() {
      for (const p of children) p.kill("SIGKILL");
      await Promise.all([...children].map((p) => p.exited));
      for (const n of [ns, wire]) {
        run(["ip", "netns", "del", n], true);
        live.delete(n);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
