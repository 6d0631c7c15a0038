// RFC 5798 §6.4.3 Accept_Mode on the real kernel with the compiled vigil: a master that does not own
// its VIP (priority < 255) with no_accept, or under vrrp_strict, drops packets addressed to it (as
// keepalived: firewall rules; here the nftables table inet vigil); with accept it answers. The table
// is gone after a stop and after SIGKILL + restart.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "../netns/lab.ts";
import { startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";
import { acceptConf, FLAVOUR, nftTable, ping, VIP } from "./kit.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

test("vrrp_strict (no_accept by default): the non-owner master holds the VIP but does not answer a ping to it; the table goes at stop", async () => {
  lab = createLab({ nodes: ["r1", "c"], prefix: "vga" });
  const r1 = startVigil(lab, "r1", acceptConf(100, [], ["vrrp_strict"]), { flavour: FLAVOUR });
  nodes.push(r1);
  await r1.waitState("master");
  expect(lab.exec("r1", ["ip", "-br", "a", "show", "eth0"]).stdout).toContain(`${VIP}/24`);
  expect(nftTable(lab, "r1")).toContain(VIP);
  expect(ping(lab)).not.toBe(0);
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  expect(nftTable(lab, "r1")).toBeNull();
}, 60_000);

test("accept: the same master answers; no table is made", async () => {
  lab = createLab({ nodes: ["r1", "c"], prefix: "vgb" });
  const r1 = startVigil(lab, "r1", acceptConf(100, ["accept"], ["vrrp_strict"]), { flavour: FLAVOUR });
  nodes.push(r1);
  await r1.waitState("master");
  expect(ping(lab)).toBe(0);
  expect(nftTable(lab, "r1")).toBeNull();
}, 60_000);

test("no_accept: after SIGKILL the table stays; the next start (now with accept) removes it and the VIP answers", async () => {
  lab = createLab({ nodes: ["r1", "c"], prefix: "vgc" });
  const r1 = startVigil(lab, "r1", acceptConf(100, ["no_accept"]), { flavour: FLAVOUR });
  nodes.push(r1);
  await r1.waitState("master");
  expect(ping(lab)).not.toBe(0);
  r1.signal("SIGKILL");
  await r1.proc.exited;
  expect(nftTable(lab, "r1")).toContain(VIP);

  const again = startVigil(lab, "r1", acceptConf(100, ["accept"]), { flavour: FLAVOUR, stateDir: r1.stateDir });
  nodes.push(again);
  await again.waitState("master");
  await again.waitLog("removed the nftables table inet vigil");
  expect(nftTable(lab, "r1")).toBeNull();
  expect(ping(lab)).toBe(0);
}, 60_000);

test("an address owner (priority 255) always accepts, even with no_accept: no table", async () => {
  lab = createLab({ nodes: ["r1", "c"], prefix: "vgo" });
  const r1 = startVigil(lab, "r1", acceptConf(255, ["no_accept"]), { flavour: FLAVOUR });
  nodes.push(r1);
  await r1.waitState("master");
  expect(nftTable(lab, "r1")).toBeNull();
  expect(ping(lab)).toBe(0);
}, 60_000);
