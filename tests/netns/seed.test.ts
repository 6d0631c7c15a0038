// The seed scenario on a real kernel with the compiled binary: the keepalived wiki's two configs,
// verbatim, on two routers of one bridge. What an operator sees: `ip -br a` and `tcpdump proto 112`.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { seedConfig, startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];

afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

/** The seed's addresses: the routers sit in 192.168.0.0/24 next to the VIP (inside the lab only). */
function seedLab(): Lab {
  const l = createLab({ nodes: ["r1", "r2", "c"] });
  ["r1", "r2", "c"].forEach((n, i) => l.exec(n, ["ip", "addr", "add", `192.168.0.${i + 1}/24`, "dev", "eth0"]));
  return l;
}

const holds = (l: Lab, node: string) => l.addrs(node).find((a) => a.ifname === "eth0")!.addresses.includes("192.168.0.254/24");

test("priority 255 holds 192.168.0.254/24; tcpdump shows VRRPv2 vrid 51 prio 255, TTL 255", async () => {
  lab = seedLab();
  const cap = await lab.capture("c", "proto 112");
  const r1 = startVigil(lab, "r1", seedConfig(255));
  const r2 = startVigil(lab, "r2", seedConfig(254));
  nodes = [r1, r2];
  await r1.waitState("master");
  await r2.waitState("backup");
  expect(holds(lab, "r1")).toBe(true);
  expect(holds(lab, "r2")).toBe(false);
  const line = await cap.waitFor(/VRRPv2, Advertisement, vrid 51, prio 255/, 5000);
  expect(line).toContain("ttl 255");
  expect(line).toContain("addrs: 192.168.0.254");
  expect(line).toMatch(/> 224\.0\.0\.18/);
  // Only the master speaks: the backup sends nothing.
  await Bun.sleep(1500);
  const lines = await cap.stop();
  expect(lines.filter((l) => /VRRP/.test(l)).every((l) => l.includes("prio 255"))).toBe(true);
});

test("SIGKILL of the master: the backup takes the VIP; a restarted 255 cleans its stale VIP and preempts", async () => {
  lab = seedLab();
  const r1 = startVigil(lab, "r1", seedConfig(255));
  const r2 = startVigil(lab, "r2", seedConfig(254));
  nodes = [r1, r2];
  await r1.waitState("master");
  await r2.waitState("backup");
  r1.signal("SIGKILL");
  await r1.exited();
  expect(holds(lab, "r1")).toBe(true); // a killed process cannot clean up: the VIP stays behind
  await r2.waitState("master", { timeoutMs: 6000 });
  expect(holds(lab, "r2")).toBe(true);
  const r1b = startVigil(lab, "r1", seedConfig(255), { stateDir: `${r1.dir}/state` });
  nodes.push(r1b);
  await r1b.waitState("master");
  await r2.waitState("backup");
  expect(await r1b.waitLog("removed stale VIPs")).toContain("192.168.0.254/24");
  expect(holds(lab, "r1")).toBe(true);
  expect(holds(lab, "r2")).toBe(false);
});
