// A 10 ms ICMP echo sender for the "what a client sees" figure (the machines have no iputils ping).
// Runs inside a lab node: bun bench/lib/pinger.ts DEST [intervalMs=10]. Sends echo requests on an
// ideal schedule (drift-free), discards whatever the raw socket receives; the replies are read
// from the wire capture, so requests, replies and adverts share one clock. Stops on SIGTERM,
// SIGINT, or when stdin closes.
import { dlopen, FFIType } from "bun:ffi";

const { i32, u32, u64, ptr, i64_fast } = FFIType;
const libc = dlopen("libc.so.6", {
  socket: { args: [i32, i32, i32], returns: i32 },
  sendto: { args: [i32, ptr, u64, i32, ptr, u32], returns: i64_fast },
  recv: { args: [i32, ptr, u64, i32], returns: i64_fast },
  close: { args: [i32], returns: i32 },
}).symbols;

const AF_INET = 2, SOCK_RAW = 3, IPPROTO_ICMP = 1, MSG_DONTWAIT = 0x40;

function checksum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (b.length & 1) s += b[b.length - 1]! << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}

const [dest = "", intervalArg = "10"] = process.argv.slice(2);
const intervalMs = Number(intervalArg);
const octets = dest.split(".").map(Number);
if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)) || !(intervalMs > 0)) {
  console.error("usage: pinger.ts IPV4 [intervalMs]");
  process.exit(2);
}

const fd = libc.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
if (fd < 0) {
  console.error("pinger: socket(AF_INET, SOCK_RAW, ICMP) failed (root needed)");
  process.exit(1);
}
const sa = new Uint8Array(new ArrayBuffer(16));
sa[0] = AF_INET; // sin_family (little-endian u16), port 0
sa.set(octets, 4);
const pkt = new Uint8Array(new ArrayBuffer(16)); // type 8, code 0, cksum, id, seq, 8 bytes payload
const dv = new DataView(pkt.buffer);
const id = process.pid & 0xffff;
const sink = new Uint8Array(new ArrayBuffer(2048));

let seq = 0;
let stopped = false;
const stop = () => {
  stopped = true;
  libc.close(fd);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
void (async () => {
  for await (const _ of process.stdin) { /* wait for EOF */ }
  stop();
})();

let next = performance.now();
const tick = () => {
  if (stopped) return;
  while (Number(libc.recv(fd, sink, sink.length, MSG_DONTWAIT)) > 0); // drop replies
  seq = (seq + 1) & 0xffff;
  pkt.fill(0);
  dv.setUint8(0, 8);
  dv.setUint16(4, id);
  dv.setUint16(6, seq);
  dv.setFloat64(8, Date.now());
  dv.setUint16(2, checksum(pkt));
  libc.sendto(fd, pkt, pkt.length, 0, sa, sa.length); // EHOSTUNREACH while ARP fails: keep going
  next += intervalMs;
  setTimeout(tick, Math.max(0, next - performance.now()));
};
console.log("pinging");
tick();
