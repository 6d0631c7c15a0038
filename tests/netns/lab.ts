// A private network lab for real-kernel tests: one namespace per node, each with an `eth0` veth
// plugged into a bridge that lives in its own namespace. Nothing is created in the root namespace.
//
//   const lab = createLab({ nodes: ["r1", "r2", "c"], ipv6: true });
//   try { lab.exec("r1", ["ip", "-br", "a"]); … } finally { await lab.cleanup(); }
//
// Addresses: node i (0-based) gets 10.99.0.(i+1)/24, with ipv6 also 2001:db8::(i+1)/64, and always
// the link-local derived from its MAC 02:99:00:00:00:(i+1). DAD is off in every namespace.
// Code that uses the FFI layer must run inside the namespace: `lab.spawn(node, [bun, file])` or
// `lab.rpc(node, file)` (a JSON-lines driver, see os-driver.ts).

import type { Subprocess } from "bun";
import { readLines } from "../../src/demo/watch.ts";

export interface LabOptions {
  nodes: string[];
  ipv6?: boolean;
  /** Namespace name prefix; a random suffix keeps parallel labs apart. */
  prefix?: string;
}

export interface LabNode {
  name: string;
  ns: string;
  ifname: "eth0";
  /** Bridge-side veth (in the bridge namespace). */
  peer: string;
  mac: string;
  ipv4: string; // without prefix
  ipv6?: string;
  linkLocal: string;
}

export interface BriefLink {
  ifname: string;
  state: string;
  addresses: string[]; // "10.99.0.1/24"
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Capture {
  /** Lines printed so far (tcpdump -l -n -v; continuation lines joined to the packet line). */
  readonly lines: string[];
  /** Resolves with the first line matching `re`; rejects after timeoutMs. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Stops tcpdump (flushes) and returns every line. */
  stop(): Promise<string[]>;
}

export interface Rpc {
  call<T = unknown>(op: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Closes stdin and waits for the process to exit by itself; returns its exit code or null on timeout. */
  end(timeoutMs?: number): Promise<number | null>;
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  stderr(): string;
}

export interface Lab {
  readonly id: string;
  readonly bridgeNs: string;
  readonly nodes: Record<string, LabNode>;
  ns(node: string): string;
  exec(node: string, cmd: string[], opts?: { allowFail?: boolean }): ExecResult;
  spawn(node: string, cmd: string[]): Subprocess<"pipe", "pipe", "pipe">;
  rpc(node: string, script: string, args?: string[]): Rpc;
  addrs(node: string): BriefLink[];
  /** Unplugs the node's cable: sets the bridge-side veth down (the node sees carrier loss). */
  linkDown(node: string): void;
  linkUp(node: string): void;
  capture(node: string, filter: string, opts?: { ifname?: string; extraArgs?: string[] }): Promise<Capture>;
  cleanup(): Promise<void>;
}

/** The bun binary running the tests; drivers in namespaces run with the same one. */
export const BUN = process.execPath;

const live = new Set<string>(); // namespaces of every lab not yet cleaned (exit safety net)
process.on("exit", () => {
  for (const ns of live) Bun.spawnSync(["ip", "netns", "del", ns]);
});

function run(cmd: string[], allowFail = false): ExecResult {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  const res = { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  if (res.code !== 0 && !allowFail) throw new Error(`lab: ${cmd.join(" ")} → exit ${res.code}: ${res.stderr.trim()}`);
  return res;
}

export function parseBrief(text: string): BriefLink[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [name = "", state = "", ...addresses] = l.trim().split(/\s+/);
      return { ifname: name.replace(/@.*$/, ""), state, addresses };
    });
}

export function createLab(opts: LabOptions): Lab {
  const id = `${opts.prefix ?? "vgt"}-${Math.random().toString(16).slice(2, 8)}`;
  const bridgeNs = `${id}-br`;
  const nodes: Record<string, LabNode> = {};
  const children = new Set<Subprocess>();
  let cleaned = false;

  const nsOf = (node: string): string => {
    const n = nodes[node];
    if (!n) throw new Error(`lab: unknown node ${node}`);
    return n.ns;
  };
  const addNs = (ns: string) => {
    run(["ip", "netns", "add", ns]);
    live.add(ns);
    run([
      "ip",
      "netns",
      "exec",
      ns,
      "sysctl",
      "-qw",
      "net.ipv6.conf.all.accept_dad=0",
      "net.ipv6.conf.default.accept_dad=0",
      "net.ipv6.conf.all.dad_transmits=0",
      "net.ipv6.conf.default.dad_transmits=0",
    ]);
    run(["ip", "-n", ns, "link", "set", "lo", "up"]);
  };

  const lab: Lab = {
    id,
    bridgeNs,
    nodes,
    ns: nsOf,
    exec(node, cmd, o) {
      return run(["ip", "netns", "exec", nsOf(node), ...cmd], o?.allowFail);
    },
    spawn(node, cmd) {
      const p = Bun.spawn(["ip", "netns", "exec", nsOf(node), ...cmd], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
      children.add(p);
      void p.exited.then(() => children.delete(p));
      return p;
    },
    rpc(node, script, args = []) {
      return startRpc(lab.spawn(node, [BUN, script, ...args]));
    },
    addrs(node) {
      return parseBrief(run(["ip", "-n", nsOf(node), "-br", "a"]).stdout);
    },
    linkDown(node) {
      run(["ip", "-n", bridgeNs, "link", "set", nodes[node]!.peer, "down"]);
    },
    linkUp(node) {
      run(["ip", "-n", bridgeNs, "link", "set", nodes[node]!.peer, "up"]);
    },
    async capture(node, filter, o) {
      const p = lab.spawn(node, ["tcpdump", "-i", o?.ifname ?? "eth0", "-n", "-l", "-v", ...(o?.extraArgs ?? []), ...filter.split(/\s+/).filter(Boolean)]);
      return startCapture(p);
    },
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      for (const p of children) p.kill("SIGKILL");
      await Promise.all([...children].map((p) => p.exited));
      for (const n of Object.values(nodes)) delNs(n.ns);
      delNs(bridgeNs);
    },
  };
  const delNs = (ns: string) => {
    if (!live.has(ns)) return;
    run(["ip", "netns", "del", ns], true);
    live.delete(ns);
  };

  try {
    addNs(bridgeNs);
    run(["ip", "-n", bridgeNs, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0", "forward_delay", "0"]);
    run(["ip", "-n", bridgeNs, "link", "set", "br0", "up"]);
    opts.nodes.forEach((name, i) => {
      if (nodes[name]) throw new Error(`lab: duplicate node ${name}`);
      const n = i + 1;
      const hex = n.toString(16).padStart(2, "0");
      const node: LabNode = {
        name,
        ns: `${id}-${name}`,
        ifname: "eth0",
        peer: `vp${n}`,
        mac: `02:99:00:00:00:${hex}`,
        ipv4: `10.99.0.${n}`,
        ipv6: opts.ipv6 ? `2001:db8::${n.toString(16)}` : undefined,
        linkLocal: `fe80::99:ff:fe00:${n.toString(16)}`,
      };
      nodes[name] = node;
      addNs(node.ns);
      run(["ip", "-n", node.ns, "link", "add", "eth0", "address", node.mac, "type", "veth", "peer", "name", node.peer, "netns", bridgeNs]);
      run(["ip", "-n", bridgeNs, "link", "set", node.peer, "master", "br0", "up"]);
      run(["ip", "-n", node.ns, "addr", "add", `${node.ipv4}/24`, "dev", "eth0"]);
      if (node.ipv6) run(["ip", "-n", node.ns, "addr", "add", `${node.ipv6}/64`, "dev", "eth0", "nodad"]);
      run(["ip", "-n", node.ns, "link", "set", "eth0", "up"]);
    });
  } catch (e) {
    void lab.cleanup();
    throw e;
  }
  return lab;
}

type Waiter = { re: RegExp; resolve: (l: string) => void };

async function startCapture(p: Subprocess<"pipe", "pipe", "pipe">): Promise<Capture> {
  const lines: string[] = [];
  const waiters = new Set<Waiter>();
  const check = (l: string) => {
    for (const w of waiters) if (w.re.test(l)) (waiters.delete(w), w.resolve(l));
  };
  // tcpdump -v prints the IP header on one line and the payload indented on the next: join them.
  // A packet line counts (for waitFor) once the next packet starts or output pauses for 50 ms.
  let settle: ReturnType<typeof setTimeout> | undefined;
  let open = false;
  const finish = () => {
    if (open) (open = false), check(lines[lines.length - 1]!);
  };
  const out = readLines(p.stdout, (l) => {
    clearTimeout(settle);
    if (/^\s/.test(l) && lines.length > 0) lines[lines.length - 1] += ` ${l.trim()}`;
    else {
      finish();
      lines.push(l);
      open = true;
    }
    settle = setTimeout(finish, 50);
  });
  let err = "";
  let ready!: () => void;
  const listening = new Promise<void>((r) => (ready = r));
  const errDone = readLines(p.stderr, (l) => {
    err += `${l}\n`;
    if (l.includes("listening on")) ready();
  });
  const started = await Promise.race([listening.then(() => true), p.exited.then(() => false), Bun.sleep(5000).then(() => false)]);
  if (!started) {
    p.kill("SIGKILL");
    throw new Error(`lab: tcpdump did not start: ${err.trim()}`);
  }
  return {
    lines,
    waitFor(re, timeoutMs = 3000) {
      const hit = lines.slice(0, open ? -1 : undefined).find((l) => re.test(l));
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w: Waiter = { re, resolve: (l) => (clearTimeout(t), resolve(l)) };
        const t = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`lab: no capture line matched ${re} within ${timeoutMs} ms; got:\n${lines.join("\n")}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    async stop() {
      p.kill("SIGINT");
      await Promise.race([p.exited, Bun.sleep(2000)]);
      p.kill("SIGKILL");
      await Promise.all([out, errDone]);
      clearTimeout(settle);
      finish();
      return lines;
    },
  };
}

function startRpc(p: Subprocess<"pipe", "pipe", "pipe">): Rpc {
  let nextId = 1;
  let err = "";
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  void readLines(p.stdout, (l) => {
    if (!l.startsWith("{")) return;
    const m = JSON.parse(l) as { id: number; ok: boolean; result?: unknown; error?: { message: string } & Record<string, unknown> };
    const w = pending.get(m.id);
    if (!w) return;
    pending.delete(m.id);
    if (m.ok) w.resolve(m.result);
    else w.reject(Object.assign(new Error(m.error?.message ?? "rpc error"), m.error));
  });
  void readLines(p.stderr, (l) => (err += `${l}\n`));
  void p.exited.then((code) => {
    for (const w of pending.values()) w.reject(new Error(`rpc: driver exited ${code}: ${err.trim()}`));
    pending.clear();
  });
  return {
    proc: p,
    stderr: () => err,
    call<T>(op: string, args: Record<string, unknown> = {}, timeoutMs = 5000): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`rpc: ${op} timed out after ${timeoutMs} ms; stderr: ${err.trim()}`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => (clearTimeout(t), resolve(v as T)),
          reject: (e) => (clearTimeout(t), reject(e)),
        });
        p.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
        p.stdin.flush();
      });
    },
    async end(timeoutMs = 3000) {
      p.stdin.end();
      const code = await Promise.race([p.exited, Bun.sleep(timeoutMs).then(() => null)]);
      return code;
    },
  };
}

/**
 * Stops a capture on `node` once it has printed all it saw before: `node` sends a UDP datagram to
 * `toIp`:9 (the capture's filter must pass it), captured after everything before it, and the
 * capture is stopped once that shows. Stopped at once, a capture starved on a loaded machine
 * loses what it had not printed yet.
 */
export async function stopDrained(lab: Lab, cap: Capture, node: string, toIp: string): Promise<string[]> {
  lab.exec(node, ["python3", "-c", `import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"drained", ("${toIp}", 9))`]);
  await cap.waitFor(new RegExp(`> ${toIp.replaceAll(".", "\\.")}\\.9: UDP`), 10_000);
  return cap.stop();
}

/**
 * Everything a child prints on stdout and stderr, accumulated as it arrives; `done` resolves at the
 * end of both. The child's exit and its last lines are separate events here: a test that reads
 * the text once the child exited awaits `done` first, or may miss the lines printed last.
 */
export function collectOutput(proc: Subprocess<"pipe", "pipe", "pipe">): { readonly text: string; readonly done: Promise<void> } {
  const acc = { text: "" };
  const drain = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) acc.text += dec.decode(chunk, { stream: true });
  };
  const done = Promise.all([drain(proc.stderr), drain(proc.stdout)]).then(() => {}, () => {});
  return Object.assign(acc, { done });
}
