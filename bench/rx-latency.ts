// Receive-path latency: a sender in one namespace stamps each VRRP datagram with CLOCK_MONOTONIC,
// the receiver (another namespace, same kernel, same clock) notes when the datagram reaches the
// main thread through the rx Worker. Prints percentiles of
//   wire→main   sendmsg() in the sender → the datagram handed to the runtime on the main thread
//   worker→main recvmsg() returned in the Worker → postMessage delivered on the main thread
// Run as root: bun bench/rx-latency.ts [count=2000] [gapMs=2] [--rt]   (--rt: receiver SCHED_RR 10)

import { createLab } from "../tests/netns/lab.ts";

const self = new URL(import.meta.url).pathname;
const [role, ...rest] = process.argv.slice(2);

async function receiver(count: number, rt: boolean): Promise<void> {
  const { createLinuxPorts, ifNameToIndex, enableRealtime } = await import("../src/os/linux/index.ts");
  if (rt) {
    const r = enableRealtime(10); // before the Worker exists, so it inherits SCHED_RR
    if (!r.ok) console.error(`realtime: ${r.error.message}`);
  }
  const { monotonicMs } = await import("../src/os/linux/libc.ts");
  const ports = createLinuxPorts();
  const wire: number[] = [];
  const hop: number[] = [];
  const done = new Promise<void>((resolve) => {
    ports.transport.onReceive((d) => {
      const now = performance.now();
      const sentMono = new DataView(d.payload.buffer, d.payload.byteOffset).getFloat64(12, true);
      wire.push(monotonicMs() - sentMono);
      hop.push(now - d.rxMs);
      if (wire.length >= count) resolve();
    });
  });
  ports.transport.open("eth0", ifNameToIndex("eth0"), 4);
  await ports.rx.ready();
  console.log("ready");
  let t: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([done, new Promise<void>((r) => (t = setTimeout(r, 60_000)))]);
  clearTimeout(t);
  await ports.close();
  console.log(JSON.stringify({ wire, hop }));
}

async function sender(count: number, gapMs: number): Promise<void> {
  const { createLinuxPorts, ifNameToIndex } = await import("../src/os/linux/index.ts");
  const { monotonicMs } = await import("../src/os/linux/libc.ts");
  const ports = createLinuxPorts();
  const idx = ifNameToIndex("eth0");
  ports.transport.open("eth0", idx, 4);
  const pkt = new Uint8Array(new ArrayBuffer(20));
  pkt.set([0x31, 1, 100, 1, 0, 100, 0, 0, 10, 99, 0, 100]);
  const dv = new DataView(pkt.buffer);
  for (let i = 0; i < count; i++) {
    dv.setFloat64(12, monotonicMs(), true);
    ports.transport.send(idx, 4, pkt, "224.0.0.18", "10.99.0.1");
    await new Promise((r) => setTimeout(r, gapMs));
  }
  await ports.close();
}

function pct(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => (s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 1000).toFixed(0);
  return `n=${s.length} p50 ${q(0.5)} µs  p90 ${q(0.9)} µs  p99 ${q(0.99)} µs  max ${q(1 - 1e-9)} µs`;
}

const rt = process.argv.includes("--rt");
if (role === "--recv") await receiver(Number(rest[0]), rt);
else if (role === "--send") await sender(Number(rest[0]), Number(rest[1]));
else {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const count = Number(args[0] ?? 2000);
  const gapMs = Number(args[1] ?? 2);
  const lab = createLab({ nodes: ["tx", "rx"], prefix: "vgb" });
  try {
    const rx = lab.spawn("rx", [process.execPath, self, "--recv", String(count), ...(rt ? ["--rt"] : [])]);
    const reader = rx.stdout.getReader();
    let out = "";
    while (!out.includes("ready\n")) out += new TextDecoder().decode((await reader.read()).value);
    const tx = lab.spawn("tx", [process.execPath, self, "--send", String(count), String(gapMs)]);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    await tx.exited;
    await rx.exited;
    const res = JSON.parse(out.slice(out.indexOf("{"))) as { wire: number[]; hop: number[] };
    console.log(
      `rx latency, ${count} datagrams every ${gapMs} ms${rt ? ", receiver SCHED_RR" : ""} (bun ${Bun.version}, load ${
        (await Bun.file("/proc/loadavg").text()).split(" ")[0]
      })`,
    );
    console.log(`  wire→main    ${pct(res.wire)}`);
    console.log(`  worker→main  ${pct(res.hop)}`);
  } finally {
    await lab.cleanup();
  }
}
