// Wire capture for the benchmarks: tcpdump in a lab node with kernel timestamps (-tt, µs) and the
// Ethernet header (-e, to tell which router sent a reply), parsed into VRRP adverts and ICMP echoes.
//   const cap = await startCapture(lab, "c", "ip proto 112 or icmp");
//   await cap.until((p) => p.kind === "vrrp" && p.src === "10.99.0.2", 5000);
//   const pkts = await cap.stop();

import type { Subprocess } from "bun";
import type { Lab } from "../../tests/netns/lab.ts";

export type Packet =
  | { kind: "vrrp"; t: number; srcMac: string; src: string; version: 2 | 3; vrid: number; prio: number }
  | { kind: "echo-request" | "echo-reply"; t: number; srcMac: string; src: string; dst: string; seq: number }
  | { kind: "other"; t: number; line: string };

// 1764094000.123456 02:99:00:00:00:01 > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 54: 10.99.0.1 > 224.0.0.18: VRRPv3, Advertisement, vrid 51, prio 255, intvl 2cs, length 12
const HEAD = /^(\d+\.\d+) ([0-9a-f:]{17}) > [0-9a-f:]{17}, ethertype IPv4 \(0x0800\), length \d+: (\S+) > (\S+): (.*)$/;
const VRRP = /^VRRPv([23]), Advertisement, vrid (\d+), prio (\d+)/;
const ECHO = /^ICMP echo (request|reply), id \d+, seq (\d+)/;

/** Parses one `tcpdump -tt -e -n` line (time in ms since the epoch, CLOCK_REALTIME). */
export function parseLine(line: string): Packet | null {
  const h = HEAD.exec(line);
  if (!h) {
    const t = /^(\d+\.\d+) /.exec(line);
    return t ? { kind: "other", t: Number(t[1]) * 1000, line } : null;
  }
  const t = Number(h[1]) * 1000;
  const [srcMac, src, dst, rest] = [h[2]!, h[3]!, h[4]!, h[5]!];
  const v = VRRP.exec(rest);
  if (v) return { kind: "vrrp", t, srcMac, src, version: Number(v[1]) as 2 | 3, vrid: Number(v[2]), prio: Number(v[3]) };
  const e = ECHO.exec(rest);
  if (e) return { kind: e[1] === "request" ? "echo-request" : "echo-reply", t, srcMac, src, dst, seq: Number(e[2]) };
  return { kind: "other", t, line };
}

export interface Capture {
  readonly packets: Packet[];
  /** Resolves with the first packet (from index `from` on) matching `pred`; rejects after timeoutMs. */
  until(pred: (p: Packet) => boolean, timeoutMs: number, from?: number): Promise<Packet>;
  /** Stops tcpdump and returns every packet; reports packets the kernel dropped. */
  stop(): Promise<Packet[]>;
}

export async function startCapture(lab: Lab, node: string, filter: string): Promise<Capture> {
  const p: Subprocess<"pipe", "pipe", "pipe"> = lab.spawn(node, [
    "tcpdump",
    "-i",
    "eth0",
    "-tt",
    "-e",
    "-n",
    "-l",
    "--immediate-mode",
    "-B",
    "8192",
    ...filter.split(/\s+/),
  ]);
  const packets: Packet[] = [];
  let err = "";
  const dec = new TextDecoder();
  const out = (async () => {
    let pending = "";
    for await (const chunk of p.stdout) {
      pending += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const pk = parseLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (pk) packets.push(pk);
      }
    }
  })();
  let ready!: () => void;
  const listening = new Promise<void>((r) => (ready = r));
  const errDone = (async () => {
    for await (const chunk of p.stderr) {
      err += dec.decode(chunk, { stream: true });
      if (err.includes("listening on")) ready();
    }
  })();
  const ok = await Promise.race([listening.then(() => true), p.exited.then(() => false), Bun.sleep(5000).then(() => false)]);
  if (!ok) {
    p.kill("SIGKILL");
    throw new Error(`tcpdump did not start in ${node}: ${err.trim()}`);
  }
  return {
    packets,
    async until(pred, timeoutMs, from = 0) {
      const deadline = performance.now() + timeoutMs;
      let i = from;
      for (;;) {
        for (; i < packets.length; i++) if (pred(packets[i]!)) return packets[i]!;
        if (performance.now() > deadline) throw new Error(`capture in ${node}: no matching packet within ${timeoutMs} ms`);
        await Bun.sleep(2);
      }
    },
    async stop() {
      p.kill("SIGINT");
      await Promise.race([p.exited, Bun.sleep(3000)]);
      p.kill("SIGKILL");
      await Promise.all([out, errDone]);
      const drop = /(\d+) packets? dropped by kernel/.exec(err);
      if (drop && drop[1] !== "0") console.error(`warning: tcpdump in ${node}: ${drop[1]} packets dropped by kernel`);
      return packets;
    },
  };
}
