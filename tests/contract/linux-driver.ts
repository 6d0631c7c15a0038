// JSON-lines driver of the Linux ports for the contract suite; runs INSIDE a lab namespace
// (`lab.rpc(node, this file)`). Every port failure is returned as an outcome {ok:false, code} —
// the same shape the fake world returns — instead of a rejected call.

import type { Family } from "../../src/protocol/types.ts";
import type { LinkInfo, ReceivedDatagram } from "../../src/runtime/ports.ts";
import { createLinuxPorts, ifNameToIndex, type LinuxPorts, OsError } from "../../src/os/linux/index.ts";
import { linkJson, type Outcome } from "./world.ts";

type Req = { id: number; op: string } & Record<string, unknown>;

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const fam = (v: unknown): Family => (Number(v) === 6 ? 6 : 4);

const ports: LinuxPorts = createLinuxPorts();
const received: ReceivedDatagram[] = [];
const linkEvents: LinkInfo[] = [];
let wake: (() => void) | null = null;
const notify = () => (wake?.(), (wake = null));
ports.transport.onReceive((d) => (received.push(d), notify()));
ports.links.onChange((l) => (linkEvents.push(l), notify()));

/** Extra subscriptions by id: how many calls each got, and how to end it. */
const subs = new Map<number, { calls: number; off: () => void }>();
let nextSub = 1;

async function waitFor<T>(list: T[], min: number, timeoutMs: number): Promise<T[]> {
  const until = performance.now() + timeoutMs;
  while (list.length < min && performance.now() < until) {
    let t: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((r) => {
      wake = r;
      t = setTimeout(r, Math.max(1, until - performance.now()));
    });
    clearTimeout(t);
  }
  return list.splice(0, list.length);
}

function outcome(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof OsError) return { ok: false, name: e.name, code: e.code };
    return { ok: false, name: e instanceof Error ? e.name : "Error", code: "", message: String(e) };
  }
}

const ifindexOf = (r: Req) => (r.ifindex !== undefined ? Number(r.ifindex) : ifNameToIndex(String(r.ifname ?? "eth0")));

async function handle(r: Req): Promise<unknown> {
  switch (r.op) {
    case "ifindex":
      return ifNameToIndex(String(r.ifname ?? "eth0"));
    case "open":
      return outcome(() => ports.transport.open(String(r.ifname ?? "eth0"), ifindexOf(r), fam(r.family)));
    case "release":
      return outcome(() => ports.transport.release(ifindexOf(r), fam(r.family)));
    case "send":
      return outcome(() => ports.transport.send(ifindexOf(r), fam(r.family), unhex(String(r.hex)), String(r.dst), String(r.src ?? "")));
    case "received": {
      const got = await waitFor(received, Number(r.min ?? 1), Number(r.timeoutMs ?? 3000));
      const index = ifNameToIndex("eth0");
      return got.map((d) => ({ family: d.family, onEth0: d.ifindex === index, src: d.src, dst: d.dst, ttl: d.ttl, payload: hex(d.payload) }));
    }
    case "subscribe": {
      const id = nextSub++;
      const s = { calls: 0, off: () => {} };
      s.off = r.kind === "link" ? ports.links.onChange(() => s.calls++) : ports.transport.onReceive(() => s.calls++);
      subs.set(id, s);
      return id;
    }
    case "unsubscribe":
      subs.get(Number(r.sub))?.off();
      return true;
    case "calls":
      return subs.get(Number(r.sub))?.calls ?? -1;
    case "addAddr":
      return outcome(() => ports.addresses.add(r.spec as never));
    case "removeAddr":
      return outcome(() => ports.addresses.remove(r.spec as never));
    case "listAddrs":
      return ports.addresses.list(Number(r.ifindex));
    case "addRoute":
      return outcome(() => ports.addresses.addRoute(r.spec as never));
    case "removeRoute":
      return outcome(() => ports.addresses.removeRoute(r.spec as never));
    case "addRule":
      return outcome(() => ports.addresses.addRule(r.spec as never));
    case "removeRule":
      return outcome(() => ports.addresses.removeRule(r.spec as never));
    case "link": {
      const l = ports.links.link(String(r.name));
      return l ? linkJson(l) : null;
    }
    case "linkEvents": {
      const got = await waitFor(linkEvents, Number(r.min ?? 1), Number(r.timeoutMs ?? 3000));
      return got.map(linkJson);
    }
    default:
      throw new Error(`unknown op ${r.op}`);
  }
}

for await (const line of console) {
  if (!line.trim()) continue;
  const r = JSON.parse(line) as Req;
  try {
    process.stdout.write(`${JSON.stringify({ id: r.id, ok: true, result: await handle(r) })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ id: r.id, ok: false, error: { message: String(e) } })}\n`);
  }
}
await ports.close();
