// The contract world over the Linux ports: a lab.ts namespace lab (a, b, c on one bridge), one
// linux-driver.ts per node.

import { createLab, type Rpc } from "../netns/lab.ts";
import { type NodeName, NODES, type World } from "./world.ts";

const DRIVER = new URL("./linux-driver.ts", import.meta.url).pathname;

export async function linuxWorld(): Promise<World> {
  const lab = createLab({ nodes: [...NODES], ipv6: true, prefix: "vgc" });
  const drv = {} as Record<NodeName, Rpc>;
  try {
    for (const n of NODES) drv[n] = lab.rpc(n, DRIVER);
    for (const n of NODES) await drv[n].call("ifindex", {}, 10_000); // driver loaded
  } catch (e) {
    await lab.cleanup();
    throw e;
  }
  const call = <T>(n: NodeName, op: string, args: Record<string, unknown> = {}, timeoutMs = 8000) => drv[n].call<T>(op, args, timeoutMs);
  return {
    kind: "linux",
    ifindex: (n) => call(n, "ifindex"),
    open: (n, family, ifname = "eth0", ifindex) => call(n, "open", { family, ifname, ...(ifindex !== undefined && { ifindex }) }),
    release: (n, family) => call(n, "release", { family }),
    send: (n, family, hex, dst, src, ifindex) => call(n, "send", { family, hex, dst, src, ...(ifindex !== undefined && { ifindex }) }),
    received: (n, min) => call(n, "received", { min, timeoutMs: min > 0 ? 3000 : 0 }),
    subscribe: (n, kind) => call(n, "subscribe", { kind }),
    unsubscribe: async (n, sub) => void (await call(n, "unsubscribe", { sub })),
    calls: (n, sub) => call(n, "calls", { sub }),
    addAddr: (n, spec) => call(n, "addAddr", { spec }),
    removeAddr: (n, spec) => call(n, "removeAddr", { spec }),
    listAddrs: (n, ifindex) => call(n, "listAddrs", { ifindex }),
    addRoute: (n, spec) => call(n, "addRoute", { spec }),
    removeRoute: (n, spec) => call(n, "removeRoute", { spec }),
    addRule: (n, spec) => call(n, "addRule", { spec }),
    removeRule: (n, spec) => call(n, "removeRule", { spec }),
    link: (n, name) => call(n, "link", { name }),
    linkEvents: (n, min) => call(n, "linkEvents", { min, timeoutMs: min > 0 ? 3000 : 0 }),
    carrier: async (n, up) => (up ? lab.linkUp(n) : lab.linkDown(n)),
    admin: async (n, up) => void lab.exec(n, ["ip", "link", "set", "eth0", up ? "up" : "down"]),
    async close() {
      await Promise.all(NODES.map((n) => drv[n].end(3000)));
      await lab.cleanup();
    },
  };
}
