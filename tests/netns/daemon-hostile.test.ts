// Malformed and hostile VRRP packets from a fourth namespace (hostile-sender.py builds the IP
// header itself): every one is dropped and counted by reason in /metrics, nothing transitions,
// nothing crashes, and a 10,000 packets/s flood does not stop the master's adverts.
import { afterEach, expect, test } from "bun:test";
import type { InstanceStatus } from "../../src/runtime/ports.ts";
import { createLab, type Lab } from "./lab.ts";
import { DROPPED, drops, holds, scrape, sendHostile, sendHostileAsync, sum, v3Conf, waitDrops } from "./scenario-kit.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];

afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const VIP = "10.99.0.100/24";
const ATTACKER = "10.99.0.4"; // node x

async function setup(advertInt: number): Promise<{ l: Lab; r1: VigilNode; r2: VigilNode; before: [InstanceStatus, InstanceStatus] }> {
  const l = createLab({ nodes: ["r1", "r2", "c", "x"], prefix: "vgd" });
  lab = l;
  const r1 = startVigil(l, "r1", v3Conf({ priority: 200, vips: [VIP], advertInt }));
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(l, "r2", v3Conf({ priority: 100, vips: [VIP], advertInt }));
  nodes.push(r2);
  await r2.waitState("backup");
  const before: [InstanceStatus, InstanceStatus] = [(await r1.instance())!, (await r2.instance())!];
  expect(before[0].lastTransition?.to).toBe("master");
  expect(before[1].lastTransition?.to).toBe("backup");
  return { l, r1, r2, before };
}

/** Same states, same last transitions, both processes alive and answering /status. */
async function unchanged(l: Lab, r1: VigilNode, r2: VigilNode, before: [InstanceStatus, InstanceStatus]): Promise<void> {
  expect(r1.proc.exitCode).toBeNull();
  expect(r2.proc.exitCode).toBeNull();
  const [a, b] = [(await r1.instance())!, (await r2.instance())!];
  expect(a.state).toBe("master");
  expect(b.state).toBe("backup");
  expect(a.lastTransition).toEqual(before[0].lastTransition);
  expect(b.lastTransition).toEqual(before[1].lastTransition);
  expect(b.masterAddress).toBe("10.99.0.1");
  expect(holds(l, "r1", VIP)).toBe(true);
  expect(holds(l, "r2", VIP)).toBe(false);
}

test("bad TTL, bad checksum, wrong VRID, short, garbage: dropped and counted by reason on both routers, no transition", async () => {
  const { l, r1, r2, before } = await setup(0.05);
  // Forged adverts claim priority 254 (> the master's 200): only the defect keeps them out.
  const cases: [kind: string, reason: string][] = [
    ["bad-ttl", "bad-ttl"],
    ["bad-checksum", "bad-checksum"],
    ["wrong-vrid", "bad-vrid"],
    ["short", "short"],
    ["garbage", "bad-version"],
  ];
  const N = 5;
  for (const [kind, reason] of cases) {
    const rep = sendHostile(l, "x", { src: ATTACKER, kind, count: N, prio: 254 });
    expect(rep.sent).toBe(N);
    for (const node of ["r2", "r1"]) {
      expect(await waitDrops(l, node, reason, N)).toBe(N);
    }
  }
  // Nothing else was counted: the drops are exactly the packets sent.
  expect(drops(l, "r2")).toBe(N * cases.length);
  await unchanged(l, r1, r2, before);
  const m = scrape(l, "r1");
  expect(sum(m, "vigil_vrrp_transitions_total", { from: "master" })).toBe(0);

  // Control: the same forged advert with a GOOD checksum and TTL is obeyed (so the drops above
  // were the checks at work, not packets lost on the way): the master steps down once.
  sendHostile(l, "x", { src: ATTACKER, kind: "valid", count: 1, prio: 254 });
  const deadline = performance.now() + 5000;
  while (sum(scrape(l, "r1"), "vigil_vrrp_transitions_total", { from: "master", to: "backup", reason: "higher-priority-advert" }) < 1) {
    if (performance.now() > deadline) throw new Error(`forged valid advert had no effect\n${r1.log()}`);
    await Bun.sleep(50);
  }
  await r1.waitState("master"); // nobody speaks for vrid 51 at 254 again: the master-down timer brings r1 back
}, 30_000);

test("a forged priority-255 advert with a bad checksum, repeated, never moves the master", async () => {
  const { l, r1, r2, before } = await setup(0.05);
  const rep = sendHostile(l, "x", { src: ATTACKER, kind: "bad-checksum", count: 200, rate: 1000, prio: 255 });
  expect(rep.sent).toBe(200);
  expect(await waitDrops(l, "r1", "bad-checksum", 200)).toBe(200);
  expect(await waitDrops(l, "r2", "bad-checksum", 200)).toBe(200);
  await unchanged(l, r1, r2, before);
}, 30_000);

test("a flood of 20,000 packets at 10,000/s: counted drops, master adverts keep flowing, no transition, no crash", async () => {
  const { l, r1, r2, before } = await setup(0.1);
  const cap = await l.capture("c", "proto 112 and src host 10.99.0.1");
  const rxBefore = before[1].advertsReceived;
  const capBefore = cap.lines.length;
  const rep = await sendHostileAsync(l, "x", { src: ATTACKER, kind: "mix", rate: 10_000, count: 20_000 });
  const capDuring = cap.lines.length - capBefore;
  const after = (await r2.instance())!;
  const m = scrape(l, "r2");
  const total = sum(m, DROPPED);
  const byReason = Object.fromEntries(["bad-checksum", "bad-vrid", "short", "bad-version", "bad-ttl"].map((r) => [r, sum(m, DROPPED, { reason: r })]));
  console.log(
    `flood: sent ${rep.sent} in ${rep.seconds} s (${rep.errors} send errors); backup counted ${total} drops ${JSON.stringify(byReason)}; ` +
      `master adverts on the wire during the flood ${capDuring}, received by the backup ${after.advertsReceived - rxBefore}`,
  );
  expect(rep.sent).toBe(20_000); // paced at 10,000/s: at least 2 s (longer if the sender is starved)
  for (const v of Object.values(byReason)) expect(v).toBeGreaterThan(0);
  expect(total).toBeLessThanOrEqual(rep.sent);
  expect(capDuring).toBeGreaterThanOrEqual(5); // ~20 expected at 100 ms; the point is "not stopped"
  expect(after.advertsReceived - rxBefore).toBeGreaterThanOrEqual(5);
  await unchanged(l, r1, r2, before);
  await cap.stop();
}, 30_000);

test("IPv6: hop limit 64 and bad checksums (checked by vigil, not the kernel) are dropped and counted; a good forged advert is obeyed", async () => {
  const l = createLab({ nodes: ["r1", "r2", "c", "x"], ipv6: true, prefix: "vgd" });
  lab = l;
  const vips = ["fe80::100/64", "2001:db8::100/64"];
  const r1 = startVigil(l, "r1", v3Conf({ priority: 200, vrid: 61, vips }));
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(l, "r2", v3Conf({ priority: 100, vrid: 61, vips }));
  nodes.push(r2);
  await r2.waitState("backup");
  const before = [(await r1.instance())!, (await r2.instance())!];
  const x = l.nodes.x!.linkLocal;
  const flags = { family: 6, src: x, vrid: 61, prio: 254, count: 5, addr: "fe80::100" };
  for (const [kind, reason] of [["bad-ttl", "bad-ttl"], ["bad-checksum", "bad-checksum"]] as const) {
    expect(sendHostile(l, "x", { ...flags, kind }).sent).toBe(5);
    for (const node of ["r2", "r1"]) expect(await waitDrops(l, node, reason, 5)).toBe(5);
  }
  expect(drops(l, "r2")).toBe(10);
  const [a, b] = [(await r1.instance())!, (await r2.instance())!];
  expect([a.state, b.state]).toEqual(["master", "backup"]);
  expect(a.lastTransition).toEqual(before[0]!.lastTransition);
  expect(b.lastTransition).toEqual(before[1]!.lastTransition);
  expect(b.masterAddress).toBe(l.nodes.r1!.linkLocal);

  // Control: hop limit 255 and a correct checksum — the master steps down once.
  sendHostile(l, "x", { ...flags, kind: "valid", count: 1 });
  const deadline = performance.now() + 5000;
  while (sum(scrape(l, "r1"), "vigil_vrrp_transitions_total", { from: "master", to: "backup", reason: "higher-priority-advert" }) < 1) {
    if (performance.now() > deadline) throw new Error(`forged valid IPv6 advert had no effect\n${r1.log()}`);
    await Bun.sleep(50);
  }
  await r1.waitState("master");
}, 30_000);
