// Shared helpers for the daemon-*.test.ts scenarios: config text, what `ip -br a` shows, the
// daemon's own /metrics read with curl inside the namespace, and a make-before-break watcher.
import type { Lab } from "./lab.ts";

export interface V3Options {
  priority: number;
  vips: string[];
  /** Seconds; VRRPv3 allows centiseconds. Default 0.05 (50 ms). */
  advertInt?: number;
  vrid?: number;
  name?: string;
  unicastSrc?: string;
  unicastPeers?: string[];
  interface?: string;
  extra?: string[];
}

/** A keepalived.conf VRRPv3 instance (the syntax operators migrate with). */
export function v3Conf(o: V3Options): string {
  const lines = [
    `vrrp_instance ${o.name ?? "VI_1"} {`,
    `    interface ${o.interface ?? "eth0"}`,
    `    virtual_router_id ${o.vrid ?? 51}`,
    `    version 3`,
    `    priority ${o.priority}`,
    `    advert_int ${o.advertInt ?? 0.05}`,
  ];
  if (o.unicastSrc) lines.push(`    unicast_src_ip ${o.unicastSrc}`);
  if (o.unicastPeers) lines.push(`    unicast_peer {`, ...o.unicastPeers.map((p) => `        ${p}`), `    }`);
  for (const e of o.extra ?? []) lines.push(`    ${e}`);
  lines.push(`    virtual_ipaddress {`, ...o.vips.map((v) => `        ${v}`), `    }`, `}`, ``);
  return lines.join("\n");
}

/** Addresses on the node's eth0 as `ip -br a` prints them. */
export function eth0Addrs(lab: Lab, node: string): string[] {
  return lab.addrs(node).find((a) => a.ifname === "eth0")?.addresses ?? [];
}

export function holds(lab: Lab, node: string, cidr: string): boolean {
  return eth0Addrs(lab, node).includes(cidr);
}

/** Every address of every interface of a node, for "nothing changed" checks. */
export function allAddrs(lab: Lab, node: string): string {
  return lab
    .addrs(node)
    .map((l) => `${l.ifname} ${l.addresses.join(" ")}`)
    .join("\n");
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (enough for counters and gauges). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** GET /metrics from inside the node, the way an operator on that host would (curl). */
export function scrape(lab: Lab, node: string, port = 9650): Sample[] {
  const r = lab.exec(node, ["curl", "-sS", "--max-time", "5", `http://127.0.0.1:${port}/metrics`]);
  return parseMetrics(r.stdout);
}

/** Sum of a metric over every series whose labels include `match`. */
export function sum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

export const DROPPED = "vigil_vrrp_packets_dropped_total";

export function drops(lab: Lab, node: string, reason?: string): number {
  return sum(scrape(lab, node), DROPPED, reason ? { reason } : {});
}

export interface AddrEvent {
  node: string;
  op: "add" | "del";
  cidr: string;
}

export interface AddressWatch {
  /** Address events of the watched nodes, in the kernel's order. */
  readonly events: AddrEvent[];
  waitFor(pred: (e: AddrEvent) => boolean, timeoutMs?: number): Promise<AddrEvent>;
  stop(): Promise<AddrEvent[]>;
}

/**
 * One `ip monitor all-nsid address` in `observer`, which gives each watched node's namespace an
 * nsid: the events of every node arrive on ONE netlink socket, so their order is the order the
 * kernel made the changes in (not a sampling artefact). Resolves once the monitor is listening.
 */
export async function watchAddresses(lab: Lab, observer: string, watched: string[]): Promise<AddressWatch> {
  const byId = new Map<string, string>();
  watched.forEach((n, i) => {
    lab.exec(observer, ["ip", "netns", "set", lab.ns(n), String(i + 1)]);
    byId.set(String(i + 1), n);
  });
  byId.set("current", observer);
  const events: AddrEvent[] = [];
  const waiters = new Set<{ pred: (e: AddrEvent) => boolean; resolve: (e: AddrEvent) => void }>();
  const p = lab.spawn(observer, ["ip", "monitor", "all-nsid", "address"]);
  const dec = new TextDecoder();
  const reader = (async () => {
    let pending = "";
    for await (const chunk of p.stdout) {
      pending += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const m = /^\[nsid (\S+)\](Deleted )?\d+: \S+\s+inet6? (\S+)/.exec(line);
        if (!m) continue;
        const e: AddrEvent = { node: byId.get(m[1]!) ?? `nsid ${m[1]}`, op: m[2] ? "del" : "add", cidr: m[3]! };
        events.push(e);
        for (const w of waiters) if (w.pred(e)) (waiters.delete(w), w.resolve(e));
      }
    }
  })();
  const waitFor = (pred: (e: AddrEvent) => boolean, timeoutMs = 5000) => {
    const hit = events.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise<AddrEvent>((resolve, reject) => {
      const w = { pred, resolve: (e: AddrEvent) => (clearTimeout(t), resolve(e)) };
      const t = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`address watch: no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
      }, timeoutMs);
      waiters.add(w);
    });
  };
  // Ready check: a probe address on the observer's own lo must show up (and go again).
  const probe = "192.0.2.201/32";
  const seen = waitFor((e) => e.node === observer && e.cidr === probe && e.op === "add", 5000);
  for (let i = 0; i < 50; i++) {
    lab.exec(observer, ["ip", "addr", "add", probe, "dev", "lo"]);
    const ok = await Promise.race([seen.then(() => true), Bun.sleep(100).then(() => false)]);
    if (ok) break;
    lab.exec(observer, ["ip", "addr", "del", probe, "dev", "lo"]);
  }
  await seen;
  lab.exec(observer, ["ip", "addr", "del", probe, "dev", "lo"]);
  return {
    events,
    waitFor,
    async stop() {
      p.kill("SIGTERM");
      await p.exited;
      await reader;
      return events;
    },
  };
}

/** The index of the first event matching, or -1. */
export function indexOf(events: AddrEvent[], node: string, op: "add" | "del", cidr: string): number {
  return events.findIndex((e) => e.node === node && e.op === op && e.cidr === cidr);
}

/** Runs `vigil run` to completion (for start-up failures) and returns its exit code and output. */
export function runToExit(lab: Lab, node: string, argv: string[], timeoutMs = 15_000): { code: number; stdout: string; stderr: string } {
  const ns = lab.ns(node);
  const r = Bun.spawnSync(["timeout", "-s", "KILL", String(Math.ceil(timeoutMs / 1000)), "ip", "netns", "exec", ns, ...argv], {
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Polls /metrics until the drop counter for `reason` reaches `atLeast`; returns the last value. */
export async function waitDrops(lab: Lab, node: string, reason: string, atLeast: number, timeoutMs = 5000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let v = drops(lab, node, reason);
  while (v < atLeast && performance.now() < deadline) {
    await Bun.sleep(50);
    v = drops(lab, node, reason);
  }
  return v;
}

export const HOSTILE_SENDER = `${import.meta.dir}/hostile-sender.py`;

export interface SenderReport {
  sent: number;
  errors: number;
  seconds: number;
  by_kind: Record<string, number>;
}

/** Runs hostile-sender.py in `node` with the given flags; returns its report. */
export function sendHostile(lab: Lab, node: string, flags: Record<string, string | number>): SenderReport {
  const args = Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const r = lab.exec(node, ["python3", HOSTILE_SENDER, ...args]);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as SenderReport;
}

/** Same, without blocking the test's event loop (for floods). */
export async function sendHostileAsync(lab: Lab, node: string, flags: Record<string, string | number>): Promise<SenderReport> {
  const args = Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const p = lab.spawn(node, ["python3", HOSTILE_SENDER, ...args]);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`hostile-sender exited ${code}: ${err}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as SenderReport;
}
