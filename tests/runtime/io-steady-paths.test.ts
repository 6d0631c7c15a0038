// The io thread's steady-state shortcuts change nothing a user can see: the same scenario over
// fake ports, once with adverts sent and received the plain way and once with the io thread's
// pacer and repeat watch (tests/fakes/io-thread.ts: a master's advert counted without an FSM
// step, a backup's repeats kept from the main thread, its takeover advert sent by the watcher),
// gives the same transitions at the same times, the same adverts on the wire, and the same
// counters and gap observations.
import { expect, test } from "bun:test";
import { FakeIoTransport } from "../fakes/io-thread.ts";
import { config, Lab, seedConf } from "./harness.ts";

const withPreemptDelay = (p: number) => seedConf(p, "\tpreempt_delay 5\n");

type Node = ReturnType<Lab["node"]>;

async function failoverAndBack(lab: Lab, r1: Node, r2: Node): Promise<void> {
  r1.daemon.start();
  r2.daemon.start();
  lab.advance(20_000); // steady: r1 master, r2 backup
  r1.transport.connected = false; // r1's cable cut: r2 takes over on Master_Down
  lab.advance(10_000);
  r1.transport.connected = true; // both masters; r2 yields to the higher priority
  lab.advance(10_000);
  // r2 outranks r1 now, inside a fresh preempt_delay? No: the delay counts from start, long over,
  // so r2 preempts at the next Master_Down although r1's adverts are the same bytes as before.
  await r2.daemon.reload(config(withPreemptDelay(250)));
  await lab.settle(10_000);
  r1.daemon.shutdown();
  await lab.settle(10_000);
}

/** r2 outranks r1 but starts later with preempt_delay 5: it accepts r1's adverts only until then. */
async function lateStarterPreempts(lab: Lab, r1: Node, r2: Node): Promise<void> {
  r1.daemon.start();
  lab.advance(5_000);
  r2.daemon.start();
  lab.advance(20_000);
}

/** r2 reloads a config whose advert_int differs from r1's: VRRPv2 drops r1's adverts from then on (RFC 3768 §7.1). */
async function reloadedInterval(lab: Lab, r1: Node, r2: Node): Promise<void> {
  r1.daemon.start();
  r2.daemon.start();
  lab.advance(20_000);
  await r2.daemon.reload(config(seedConf(100).replace("advert_int 1", "advert_int 3")));
  await lab.settle(20_000);
}

async function scenario(io: boolean, r2Conf: string, steps: (lab: Lab, r1: Node, r2: Node) => Promise<void>) {
  const lab = new Lab({ io });
  const r1 = lab.node("192.168.0.1", config(seedConf(200)));
  const r2 = lab.node("192.168.0.2", config(r2Conf));
  await steps(lab, r1, r2);
  const calls = (n: Node) => n.metrics.calls.map((c) => `${c.kind} ${JSON.stringify(c.args)}`);
  return {
    wire: lab.wire.sent.map((s) => `${s.atMs} ${s.from} ${Buffer.from(s.payload).toString("hex")}`),
    r1: calls(r1),
    r2: calls(r2),
    repeats: (r2.transport as FakeIoTransport).repeats ?? 0,
    paced: (r1.transport as FakeIoTransport).pacedSent ?? 0,
    takeovers: (r2.transport as FakeIoTransport).takeoversSent ?? 0,
  };
}

/** The scenario both ways; the wire and r2's counter calls must be the same. */
async function bothWays(r2Conf: string, steps: (lab: Lab, r1: Node, r2: Node) => Promise<void>) {
  const plain = await scenario(false, r2Conf, steps);
  const io = await scenario(true, r2Conf, steps);
  expect(io.wire).toEqual(plain.wire);
  expect(io.r2).toEqual(plain.r2);
  return { plain, io, transitions: plain.r2.filter((c) => c.startsWith("transition")) };
}

test("pacer + repeat watch: same transitions, wire and counters as the plain path", async () => {
  const { plain, io, transitions } = await bothWays(withPreemptDelay(100), failoverAndBack);
  // The shortcuts were taken (the plain lab has neither).
  expect(io.repeats).toBeGreaterThan(15);
  expect(io.paced).toBeGreaterThan(30);
  expect(io.takeovers).toBe(1); // the Master_Down takeover's advert (the preemption's is the main thread's)
  expect(io.r1).toEqual(plain.r1);
  expect(transitions).toEqual([
    'transition ["init","backup","startup"]',
    'transition ["backup","master","master-down-timeout"]',
    'transition ["master","backup","higher-priority-advert"]',
    'transition ["backup","master","preempt"]',
  ]);
});

test("a backup that accepted adverts only inside preempt_delay preempts after it, with the watch as without", async () => {
  const { io, transitions } = await bothWays(withPreemptDelay(250), lateStarterPreempts);
  expect(io.paced).toBeGreaterThan(5);
  expect(transitions).toEqual(['transition ["init","backup","startup"]', 'transition ["backup","master","preempt"]']);
});

test("a reload that changes what the backup accepts ends the watch: it drops the master's adverts and takes over", async () => {
  const { io, transitions } = await bothWays(seedConf(100), reloadedInterval);
  expect(io.repeats).toBeGreaterThan(15);
  expect(transitions).toEqual(['transition ["init","backup","startup"]', 'transition ["backup","master","master-down-timeout"]']);
});

/**
 * r2's takeover advert leaves from the watcher at Master_Down, and the expiry reaches r2's
 * instance 5 ms later (the io thread's message); 1 ms after the advert, a reload ends the watch.
 * Master_Down came first: r2 takes over then handles the reload, sending nothing more for it.
 */
async function reloadAfterTheAdvert(lab: Lab, r1: Node, r2: Node): Promise<void> {
  if (r2.transport instanceof FakeIoTransport) r2.transport.downDelayMs = 5;
  r1.daemon.start();
  r2.daemon.start();
  lab.advance(20_000);
  r1.transport.connected = false;
  const from = lab.wire.sent.length;
  while (!lab.wire.sent.slice(from).some((s) => s.from === "192.168.0.2")) lab.advance(1);
  lab.advance(1);
  await r2.daemon.reload(config(seedConf(100, "\tgarp_master_repeat 2\n")));
  await lab.settle(10_000);
}

test("an event that ends the watch after its takeover advert left, before the expiry arrived: the takeover comes first, its advert sent once", async () => {
  const { io, transitions } = await bothWays(seedConf(100), reloadAfterTheAdvert);
  expect(io.takeovers).toBe(1);
  expect(transitions).toEqual(['transition ["init","backup","startup"]', 'transition ["backup","master","master-down-timeout"]']);
});
