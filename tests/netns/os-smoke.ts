// Smoke program for the compiled binary: proves the rx Worker loads from a `bun build --compile`
// executable. Run inside a namespace; prints one JSON line and exits 0 when a VRRP datagram sent
// by a peer arrived through the Worker (3 on timeout, 4 when the Worker cannot load).
//   bun build --compile tests/netns/os-smoke.ts src/os/linux/rx-worker.ts --outfile /tmp/smoke

import { createLinuxPorts, ifNameToIndex } from "../../src/os/linux/index.ts";

const ifname = process.argv[2] ?? "eth0";
const timeoutMs = Number(process.argv[3] ?? 3000);
const ports = createLinuxPorts();
const ifindex = ifNameToIndex(ifname);
let result: unknown = null;
const got = new Promise<void>((resolve) => {
  ports.transport.onReceive((d) => {
    result = { src: d.src, dst: d.dst, ttl: d.ttl, ifindex: d.ifindex, bytes: d.payload.byteLength };
    resolve();
  });
});
ports.transport.open(ifname, ifindex, 4);
try {
  await ports.rx.ready(2000);
} catch (e) {
  console.log(JSON.stringify({ ready: false, error: (e as Error).message }));
  await ports.close();
  process.exit(4);
}
console.log(JSON.stringify({ ready: true, link: ports.links.link(ifname)?.up ?? null }));
let timer: ReturnType<typeof setTimeout> | undefined;
await Promise.race([got, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
clearTimeout(timer);
await ports.close();
console.log(JSON.stringify({ received: result }));
process.exitCode = result ? 0 : 3;
