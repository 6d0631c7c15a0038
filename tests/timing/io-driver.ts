// JSON-lines driver for the io-thread tests (as tests/netns/os-driver.ts): run it INSIDE a namespace
// with `lab.rpc(node, "tests/timing/io-driver.ts")`. Ops:
//   open {queueCap?, rt?, dev?}  ports with a receive queue of that bound, socket on dev (eth0; IPv4); rt: the io thread's SCHED_RR priority
//   pace {dst, src, bytesHex, intervalMs, copies?}   a paced advert schedule (copies: packets per advert); → handle id
//   paceMany {dst, src, bytesHex, intervalMs, count}   `count` schedules with one first deadline (many masters on one tick)
//   sent                      paced adverts reported back so far (count, errnos seen)
//   ioSwitches                the io thread's voluntary context switches so far (/proc)
//   pauses                    burst pauses of the io thread so far (RxLoop.burstPauses)
//   demote                    SIGXCPU's path: the io thread back to SCHED_OTHER by tid (RxLoop.dropRealtime)
//   block {ms, settleMs, marker?, release?}   blocks this (main) thread synchronously — for ms, or
//                             until the file `release` exists (ms then bounds it) — then lets the
//                             queue drain; writes the file `marker` once blocking
//   received                  datagrams handled here, overflow count of the queue
//   stopPace {handle}           stops the schedule
//   close                     closes the ports (joins the io thread)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createLinuxPorts, ifNameToIndex, type LinuxPorts, OsError } from "../../src/os/linux/index.ts";
import type { TimerHandle } from "../../src/runtime/ports.ts";

type Req = { id: number; op: string } & Record<string, unknown>;

let ports: LinuxPorts | null = null;
let dev = "eth0";
let received = 0;
let sent = 0;
let sentPackets = 0;
const errnos = new Set<string>();
const handles = new Map<number, TimerHandle>();

function p(): LinuxPorts {
  if (!ports) throw new Error("open first");
  return ports;
}

function pace(r: Req, atMs: number): number {
  const h = p().transport.pacer!.start(
    ifNameToIndex(dev),
    4,
    Array.from({ length: Number(r.copies ?? 1) }, () => ({ dst: String(r.dst), bytes: new Uint8Array(Buffer.from(String(r.bytesHex), "hex")) })),
    String(r.src),
    atMs,
    Number(r.intervalMs),
    (res) => {
      sent++;
      sentPackets += res.errors.length;
      for (const e of res.errors) if (e) errnos.add((e as OsError).code);
    },
  );
  if (!h) throw new Error("no pacer");
  handles.set(h.id, h);
  return h.id;
}

async function handle(r: Req): Promise<unknown> {
  switch (r.op) {
    case "open": {
      ports = createLinuxPorts({ rx: { queueCap: Number(r.queueCap ?? 2048) }, ioTiming: true });
      await ports.rx.ready();
      if (r.rt !== undefined && !(await ports.rx.setRealtime(Number(r.rt))).ok) throw new Error("SCHED_RR refused");
      ports.transport.onReceive(() => received++);
      dev = String(r.dev ?? "eth0");
      ports.transport.open(dev, ifNameToIndex(dev), 4);
      return { tid: ports.rx.tid };
    }
    case "pace":
      return pace(r, p().clock.nowMs() + 5);
    case "paceMany": {
      const at = p().clock.nowMs() + 20;
      return Array.from({ length: Number(r.count) }, () => pace(r, at));
    }
    case "ioSwitches": {
      const status = readFileSync(`/proc/self/task/${p().rx.tid}/status`, "utf8");
      return { voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)![1]) };
    }
    case "pauses":
      return p().rx.burstPauses;
    case "demote":
      return p().rx.dropRealtime();
    case "sent":
      return { sent, sentPackets, errnos: [...errnos] };
    case "stopPace": {
      const h = handles.get(Number(r.handle));
      if (h) p().transport.pacer!.stop(h);
      return true;
    }
    case "block": {
      const release = typeof r.release === "string" ? r.release : null;
      if (typeof r.marker === "string") writeFileSync(r.marker, "");
      const until = performance.now() + Number(r.ms);
      // The main thread does nothing else meanwhile.
      while (performance.now() < until && !(release !== null && existsSync(release)));
      const queuedAtEnd = p().rx.queued;
      await Bun.sleep(Number(r.settleMs ?? 200));
      return { queuedAtEnd, received, overflow: p().rx.overflowCount };
    }
    case "received":
      return { received, overflow: p().rx.overflowCount };
    case "close":
      await ports?.close();
      return true;
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
    process.stdout.write(`${JSON.stringify({ id: r.id, ok: false, error: { name: "Error", message: e instanceof Error ? e.message : String(e) } })}\n`);
  }
}
await (ports as LinuxPorts | null)?.close();
