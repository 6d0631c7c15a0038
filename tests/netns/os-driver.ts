// JSON-lines driver for real-kernel tests of src/os/linux: run it INSIDE a namespace
// (`lab.rpc(node, "tests/netns/os-driver.ts")`); each stdin line {id, op, ...} gets one stdout line
// {id, ok, result | error}. When stdin closes it closes every port and must exit by itself —
// which is how the tests prove the rx Worker joins cleanly.

import type { Family } from "../../src/protocol/types.ts";
import type { LinkInfo, ReceivedDatagram } from "../../src/runtime/ports.ts";
import { createLinuxPorts, ifNameToIndex, type LinuxPorts, type LinuxPortsOptions, OsError } from "../../src/os/linux/index.ts";
import { monotonicMs } from "../../src/os/linux/libc.ts";
import { encodeAdvertV3 } from "./advert-bytes.ts";

type Req = { id: number; op: string } & Record<string, unknown>;

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

let ports: LinuxPorts | null = null;
let portOptions: LinuxPortsOptions = {};
const received: ReceivedDatagram[] = [];
const linkEvents: LinkInfo[] = [];
let wake: (() => void) | null = null;
const notify = () => (wake?.(), (wake = null));

function p(): LinuxPorts {
  if (!ports) {
    ports = createLinuxPorts(portOptions);
    ports.transport.onReceive((d) => (received.push(d), notify()));
    ports.links.onChange((l) => (linkEvents.push(l), notify()));
  }
  return ports;
}

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

const str = (v: unknown) => String(v);
const fam = (v: unknown): Family => (Number(v) === 6 ? 6 : 4);
const linkJson = (l: LinkInfo) => ({ ...l, mac: hex(l.mac) });

function macOf(ifname: string): Uint8Array {
  const l = p().links.link(ifname);
  if (!l) throw new Error(`no link ${ifname}`);
  return l.mac;
}

function addrSpec(r: Req) {
  return {
    ifindex: r.ifindex !== undefined ? Number(r.ifindex) : ifNameToIndex(str(r.ifname)),
    family: fam(r.family),
    address: str(r.address),
    prefixLength: Number(r.prefixLength),
    ...(r.label !== undefined ? { label: str(r.label) } : {}),
    ...(r.broadcast !== undefined ? { broadcast: str(r.broadcast) } : {}),
  };
}

function routeSpec(r: Req) {
  return {
    family: fam(r.family),
    to: str(r.to),
    ...(r.via !== undefined ? { via: str(r.via) } : {}),
    ...(r.ifname !== undefined ? { ifindex: ifNameToIndex(str(r.ifname)) } : {}),
    ...(r.src !== undefined ? { src: str(r.src) } : {}),
    ...(r.metric !== undefined ? { metric: Number(r.metric) } : {}),
    ...(r.table !== undefined ? { table: Number(r.table) } : {}),
  };
}

async function handle(r: Req): Promise<unknown> {
  switch (r.op) {
    case "configure": // before any other op
      portOptions = r.options as LinuxPortsOptions;
      return true;
    case "index":
      return ifNameToIndex(str(r.name));
    case "open":
      p().transport.open(str(r.ifname), ifNameToIndex(str(r.ifname)), fam(r.family));
      return true;
    case "release":
      p().transport.release(ifNameToIndex(str(r.ifname)), fam(r.family));
      return true;
    case "ready":
      await p().rx.ready();
      return p().rx.running;
    case "send":
    case "advert": {
      const family = fam(r.family);
      const payload = r.op === "send" ? unhex(str(r.hex)) : encodeAdvertV3(
        family,
        str(r.src),
        str(r.dst),
        Number(r.vrid ?? 1),
        Number(r.priority ?? 100),
        Number(r.intervalCs ?? 100),
        (r.addrs as string[]) ?? [],
      );
      const count = Number(r.count ?? 1);
      for (let i = 0; i < count; i++) p().transport.send(ifNameToIndex(str(r.ifname)), family, payload, str(r.dst), str(r.src ?? ""));
      return hex(payload);
    }
    case "received": {
      const got = await waitFor(received, Number(r.min ?? 1), Number(r.timeoutMs ?? 2000));
      const perfToMono = monotonicMs() - performance.now();
      return got.map((d) => ({ ...d, payload: hex(d.payload), ageMs: performance.now() - d.rxMs, rxMono: d.rxMs + perfToMono }));
    }
    case "addAddr":
      return p().addresses.add(addrSpec(r));
    case "removeAddr":
      return p().addresses.remove(addrSpec(r));
    case "listAddrs":
      return p().addresses.list(ifNameToIndex(str(r.ifname)));
    case "addRoute":
      return p().addresses.addRoute(routeSpec(r));
    case "removeRoute":
      return p().addresses.removeRoute(routeSpec(r));
    case "garp":
      p().announcer.garp(ifNameToIndex(str(r.ifname)), macOf(str(r.ifname)), str(r.address));
      return true;
    case "na":
      p().announcer.unsolicitedNa(ifNameToIndex(str(r.ifname)), macOf(str(r.ifname)), str(r.address));
      return true;
    case "link": {
      const l = p().links.link(str(r.name));
      return l ? linkJson(l) : null;
    }
    case "linkEvents": {
      const got = await waitFor(linkEvents, Number(r.min ?? 1), Number(r.timeoutMs ?? 2000));
      return got.map(linkJson);
    }
    case "close":
      await ports?.close();
      return true;
    default:
      throw new Error(`unknown op ${r.op}`);
  }
}

function reply(o: unknown): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

for await (const line of console) {
  if (!line.trim()) continue;
  const r = JSON.parse(line) as Req;
  try {
    reply({ id: r.id, ok: true, result: await handle(r) });
  } catch (e) {
    const err = e instanceof OsError
      ? { name: e.name, message: e.message, syscall: e.syscall, errno: e.errno, code: e.code }
      : { name: "Error", message: e instanceof Error ? e.message : String(e) };
    reply({ id: r.id, ok: false, error: err });
  }
}
await (ports as LinuxPorts | null)?.close();
