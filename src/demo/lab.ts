// The demo's private network: four namespaces named vgdemo-<pid>-{br,r1,r2,c}. br holds a bridge;
// r1, r2 and the client c each get a veth `eth0` plugged into it. Every address lives inside these
// namespaces (192.168.0.0/24, as in the keepalived wiki); the host's own interfaces are never
// touched. cleanup() is idempotent and also runs from an exit hook, so an error anywhere still
// removes every namespace and process the demo created.
import type { Subprocess } from "bun";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { within } from "./engines.ts";

export type NodeName = "r1" | "r2" | "c";

export interface LabNode {
  ns: string;
  /** Bridge-side end of the node's cable (in the bridge namespace). */
  port: string;
  mac: string;
  address: string;
}

const PREFIX = "vgdemo";
const PLAN: Record<NodeName, { n: number; address: string }> = {
  r1: { n: 1, address: "192.168.0.1" },
  r2: { n: 2, address: "192.168.0.2" },
  c: { n: 3, address: "192.168.0.10" },
};

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string[], allowFail = false): RunResult {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const res = { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  if (res.code !== 0 && !allowFail) throw new Error(`${cmd.join(" ")}: exit ${res.code}: ${res.stderr.trim()}`);
  return res;
}

/** A demo process still running: present in /proc and not a zombie waiting for its parent. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Kills whatever still runs inside a namespace, then deletes it (a live process would pin it). */
function removeNamespace(ns: string): void {
  const pids = run(["ip", "netns", "pids", ns], true).stdout.split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  run(["ip", "netns", "del", ns], true);
}

/** Labs left by a demo that was itself SIGKILLed: their owner pid is gone. Returns what was removed. */
export function sweepStaleLabs(): string[] {
  const names = run(["ip", "netns", "list"], true).stdout.split("\n").map((l) => l.split(/\s+/)[0] ?? "");
  const stale = names.filter((n) => {
    const m = new RegExp(`^${PREFIX}-(\\d+)-(br|r1|r2|c)$`).exec(n);
    return m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1]));
  });
  stale.forEach(removeNamespace);
  // Their temp dirs (configs, logs, state): vigil-demo-<pid>-XXXXXX, see story.ts.
  for (const d of readdirSync(tmpdir())) {
    const m = /^vigil-demo-(\d+)-/.exec(d);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  }
  return stale;
}

export class DemoLab {
  readonly id = `${PREFIX}-${process.pid}`;
  readonly bridgeNs = `${this.id}-br`;
  readonly nodes: Record<NodeName, LabNode>;
  private readonly created: string[] = [];
  private readonly children = new Set<Subprocess>();
  private readonly tempDirs: string[] = [];
  private cleaned = false;
  private readonly onExit = () => this.cleanupSync();

  constructor() {
    const nodes = {} as Record<NodeName, LabNode>;
    for (const [name, p] of Object.entries(PLAN) as [NodeName, (typeof PLAN)[NodeName]][]) {
      nodes[name] = { ns: `${this.id}-${name}`, port: `vp${p.n}`, mac: `02:76:67:00:00:0${p.n}`, address: p.address };
    }
    this.nodes = nodes;
    process.on("exit", this.onExit);
  }

  /** Builds the namespaces, bridge and cables. On failure the caller's cleanup() removes the parts. */
  create(): void {
    const br = this.bridgeNs;
    this.addNs(br);
    // No multicast snooping: the bridge floods VRRP to every port, like a plain switch.
    run(["ip", "-n", br, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0", "forward_delay", "0"]);
    run(["ip", "-n", br, "link", "set", "br0", "up"]);
    for (const node of Object.values(this.nodes)) {
      this.addNs(node.ns);
      run(["ip", "-n", node.ns, "link", "add", "eth0", "address", node.mac, "type", "veth", "peer", "name", node.port, "netns", br]);
      run(["ip", "-n", br, "link", "set", node.port, "master", "br0", "up"]);
      run(["ip", "-n", node.ns, "addr", "add", `${node.address}/24`, "dev", "eth0"]);
      run(["ip", "-n", node.ns, "link", "set", "eth0", "up"]);
    }
  }

  private addNs(ns: string): void {
    run(["ip", "netns", "add", ns]);
    this.created.push(ns);
    run(["ip", "-n", ns, "link", "set", "lo", "up"]);
  }

  get namespaces(): readonly string[] {
    return this.created;
  }

  trackTempDir(dir: string): void {
    this.tempDirs.push(dir);
  }

  /** Starts a process inside a node's namespace (`ip netns exec` execs it: the pid is the process). */
  spawn(node: NodeName, cmd: string[], stdio: { stdout: number | "pipe"; stderr: number | "pipe" }): Subprocess<"ignore", "pipe" | number, "pipe" | number> {
    const p = Bun.spawn(["ip", "netns", "exec", this.nodes[node].ns, ...cmd], { stdin: "ignore", ...stdio });
    this.children.add(p);
    void p.exited.then(() => this.children.delete(p));
    return p as Subprocess<"ignore", "pipe" | number, "pipe" | number>;
  }

  /** `ip -n NS -br a` as a user would type it, and its output. */
  brief(node: NodeName): { cmd: string; out: string } {
    const ns = this.nodes[node].ns;
    return { cmd: `ip -n ${ns} -br a`, out: run(["ip", "-n", ns, "-br", "a"]).stdout };
  }

  /** Whether the node's eth0 carries `address` right now. */
  holds(node: NodeName, address: string): boolean {
    return this.brief(node).out.split(/\s+/).some((w) => w.startsWith(`${address}/`));
  }

  /** The MAC the client's ARP cache maps `address` to, or null. */
  arpEntry(node: NodeName, address: string): string | null {
    const out = run(["ip", "-n", this.nodes[node].ns, "neigh", "show", address], true).stdout;
    return /lladdr (\S+)/.exec(out)?.[1] ?? null;
  }

  /** Pulls / plugs the node's cable: the bridge-side end goes down, the node sees NO-CARRIER. */
  cable(node: NodeName, plugged: boolean): void {
    run(["ip", "-n", this.bridgeNs, "link", "set", this.nodes[node].port, plugged ? "up" : "down"]);
  }

  whoIs(mac: string | null): string {
    const hit = (Object.entries(this.nodes) as [NodeName, LabNode][]).find(([, n]) => n.mac === mac);
    return hit ? hit[0] : "nobody";
  }

  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    const kids = [...this.children];
    for (const p of kids) p.kill("SIGKILL");
    await within(Promise.all(kids.map((p) => p.exited)), 2000);
    this.cleanupSync();
  }

  /** Synchronous so the exit hook can run it too. */
  cleanupSync(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const p of this.children) p.kill("SIGKILL");
    for (const ns of [...this.created].reverse()) removeNamespace(ns);
    for (const d of this.tempDirs) rmSync(d, { recursive: true, force: true });
    process.off("exit", this.onExit);
  }
}
