// Failover and failback with the real daemon on a real kernel (VRRPv3, 50 ms adverts):
// SIGTERM (priority 0, make-before-break), cable unplug (Fault, link:eth0, failback on replug),
// and a SIGKILLed master that returns and preempts. What an operator sees: `ip -br a`, tcpdump,
// `vigil status --json`.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { holds, indexOf, v3Conf, watchAddresses } from "./scenario-kit.ts";
import { startPair, startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];

afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const VIP = "10.99.0.100/24";
const conf = (priority: number) => v3Conf({ priority, vips: [VIP] });

async function pair(l: Lab, flavour: { r1?: "compiled" | "source"; r2?: "compiled" | "source" } = {}): Promise<[VigilNode, VigilNode]> {
  const [r1, r2] = await startPair(l, conf, nodes, flavour);
  expect(holds(l, "r1", VIP)).toBe(true);
  expect(holds(l, "r2", VIP)).toBe(false);
  return [r1, r2];
}

test("SIGTERM: the master resigns with prio 0, the backup takes over first, then the old master drops the VIP and exits 0", async () => {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgd" });
  const cap = await lab.capture("c", "proto 112");
  const watch = await watchAddresses(lab, "c", ["r1", "r2"]);
  const [r1, r2] = await pair(lab);

  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  await r2.waitState("master", { timeoutMs: 5000 });
  await watch.waitFor((e) => e.node === "r1" && e.op === "del" && e.cidr === VIP);
  const events = await watch.stop();

  // On the wire: the old master's priority-0 advert.
  const resign = await cap.waitFor(/10\.99\.0\.1 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 51, prio 0\b/, 5000);
  expect(resign).toContain("ttl 255");
  // The new master advertises with its own priority afterwards.
  await cap.waitFor(/10\.99\.0\.2 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 51, prio 100\b/, 5000);
  const lines = await cap.stop();
  const firstPrio0 = lines.findIndex((l) => /10\.99\.0\.1 > .* prio 0\b/.test(l));
  const firstFromR2 = lines.findIndex((l) => /10\.99\.0\.2 > .*VRRPv3/.test(l));
  expect(firstPrio0).toBeGreaterThanOrEqual(0);
  expect(firstFromR2).toBeGreaterThan(firstPrio0); // the backup spoke only after the resignation

  const s = await r2.instance();
  expect(s?.lastTransition).toMatchObject({ from: "backup", to: "master", reason: "priority-zero-received" });
  // Make-before-break, in the kernel's own order of address changes: the new master added the
  // VIP before the old master deleted it — never a moment with the VIP on neither router.
  const added = indexOf(events, "r2", "add", VIP);
  const deleted = indexOf(events, "r1", "del", VIP);
  expect(added).toBeGreaterThanOrEqual(0);
  expect(deleted).toBeGreaterThan(added);
  expect(holds(lab, "r1", VIP)).toBe(false);
  expect(holds(lab, "r2", VIP)).toBe(true);
  expect(await r1.waitLog("vigil stopped")).toContain("SIGTERM");
}, 30_000);

test("cable unplug: the master goes to Fault (faults: link:eth0) and drops the VIP, the backup takes over; replug: failback", async () => {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgd" });
  const [r1, r2] = await pair(lab);

  lab.linkDown("r1");
  await r1.waitState("fault", { timeoutMs: 5000 });
  await r2.waitState("master", { timeoutMs: 5000 });
  const f = await r1.instance();
  expect(f?.faults).toContain("link:eth0");
  expect(f?.lastTransition).toMatchObject({ from: "master", to: "fault", reason: "link-down" });
  expect((await r2.instance())?.lastTransition).toMatchObject({ from: "backup", to: "master", reason: "master-down-timeout" });
  expect(holds(lab, "r1", VIP)).toBe(false);
  expect(holds(lab, "r2", VIP)).toBe(true);
  // /health reports the fault (503 with the reason) while /status still answers.
  const health = lab.exec("r1", ["curl", "-s", "-w", "\n%{http_code}", "http://127.0.0.1:9650/health"]).stdout;
  expect(health.trim().split("\n").at(-1)).toBe("503");
  expect(health).toContain("link:eth0");

  lab.linkUp("r1");
  await r1.waitState("master", { timeoutMs: 8000 });
  await r2.waitState("backup", { timeoutMs: 5000 });
  const back = await r1.instance();
  expect(back?.faults).toEqual([]);
  expect(back?.lastTransition).toMatchObject({ from: "backup", to: "master", reason: "preempt" });
  expect((await r2.instance())?.lastTransition).toMatchObject({ from: "master", to: "backup", reason: "higher-priority-advert" });
  expect(holds(lab, "r1", VIP)).toBe(true);
  expect(holds(lab, "r2", VIP)).toBe(false);
}, 30_000);

test("SIGKILLed master (from source) returns with its state dir: cleans its stale VIP, preempts; the backup gives the VIP back", async () => {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgd" });
  const [r1, r2] = await pair(lab, { r1: "source" });

  r1.signal("SIGKILL");
  await r1.exited();
  await r2.waitState("master", { timeoutMs: 5000 });
  expect((await r2.instance())?.lastTransition?.reason).toBe("master-down-timeout");
  expect(holds(lab, "r2", VIP)).toBe(true);
  expect(holds(lab, "r1", VIP)).toBe(true); // nobody cleaned up after the kill

  const r1b = startVigil(lab, "r1", conf(200), { flavour: "source", stateDir: `${r1.dir}/state` });
  nodes.push(r1b);
  await r1b.waitState("master", { timeoutMs: 8000 });
  await r2.waitState("backup", { timeoutMs: 5000 });
  await r1b.waitLog("removed stale VIPs");
  expect((await r1b.instance())?.lastTransition?.reason).toBe("preempt");
  expect(holds(lab, "r1", VIP)).toBe(true);
  expect(holds(lab, "r2", VIP)).toBe(false);
}, 30_000);

test(
  "SIGTERM of a lone master (nobody to hand over to): prio 0 sent, VIP removed after the hold, exit 0; SIGTERM of a backup: exit 0 at once, no advert",
  async () => {
    lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgd" });
    const cap = await lab.capture("c", "proto 112");
    const r1 = startVigil(lab, "r1", conf(200));
    nodes.push(r1);
    await r1.waitState("master");
    expect(holds(lab, "r1", VIP)).toBe(true);
    r1.signal("SIGTERM");
    expect(await r1.exited()).toBe(0);
    expect(holds(lab, "r1", VIP)).toBe(false);
    await cap.waitFor(/10\.99\.0\.1 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 51, prio 0\b/, 5000);

    const r2 = startVigil(lab, "r2", conf(100));
    nodes.push(r2);
    await r2.waitState("master"); // alone: it takes over
    const r3 = startVigil(lab, "r1", conf(50));
    nodes.push(r3);
    await r3.waitState("backup");
    const fromBackupBefore = cap.lines.filter((l) => /10\.99\.0\.1 > .*VRRP/.test(l)).length;
    r3.signal("SIGTERM");
    expect(await r3.exited()).toBe(0);
    expect(holds(lab, "r1", VIP)).toBe(false);
    expect((await r2.instance())?.state).toBe("master");
    const lines = await cap.stop();
    // A backup that stops says nothing on the wire.
    expect(lines.filter((l) => /10\.99\.0\.1 > .*VRRP/.test(l)).length).toBe(fromBackupBefore);
  },
  30_000,
);
