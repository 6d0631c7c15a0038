// Paths 7 and 8: signals. 0.1.0 died on SIGUSR1/SIGUSR2 (keepalived's data and stats dumps, which
// operators and exporters send) with the VIP left on the interface; a second SIGTERM was ignored;
// with nobody to hand over to at 10 s adverts the stop took 20 s, past systemd's TimeoutStopSec.
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { holds } from "../netns/scenario-kit.ts";
import { startVigil } from "../netns/vigil-node.ts";
import { conf, ctx, lab, until, useLab, VIP } from "./kit.ts";

useLab();

test("SIGUSR1 writes the state dump, SIGUSR2 the stats dump; neither stops vigil", async () => {
  const l = lab(["r1"]);
  const r1 = startVigil(l, "r1", conf(200));
  ctx.nodes.push(r1);
  await r1.waitState("master");
  r1.signal("SIGUSR1");
  await until(() => existsSync(join(r1.stateDir, "vigil.data")), "vigil.data written");
  r1.signal("SIGUSR2");
  await until(() => existsSync(join(r1.stateDir, "vigil.stats")), "vigil.stats written");
  const data = readFileSync(join(r1.stateDir, "vigil.data"), "utf8");
  expect(data).toContain("VRRP Instance = VI_1");
  expect(data).toContain("State = MASTER");
  expect(data).toContain(VIP);
  expect(readFileSync(join(r1.stateDir, "vigil.stats"), "utf8")).toMatch(/Advertisements sent: [1-9]/);
  await r1.waitLog("stats dump written");
  expect(r1.proc.exitCode).toBeNull();
  expect((await r1.instance())?.state).toBe("master");
  expect(holds(l, "r1", VIP)).toBe(true);
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
}, 60_000);

test("a second SIGTERM during the make-before-break hold releases the VIP now and exits 0", async () => {
  const l = lab(["r1"]);
  // Alone at 5 s adverts (v3): the hold would last 10 s with nobody taking over.
  const r1 = startVigil(l, "r1", conf(255, { advertInt: 5 }));
  ctx.nodes.push(r1);
  await r1.waitState("master");
  r1.signal("SIGTERM");
  await r1.waitLog("resigning and stopping");
  expect(holds(l, "r1", VIP)).toBe(true); // still holding: nobody has taken over
  r1.signal("SIGTERM");
  await r1.waitLog("releasing the VIPs now");
  expect(await r1.exited()).toBe(0);
  expect(holds(l, "r1", VIP)).toBe(false);
  // The stop ended on the second signal, not at the bound.
  expect(r1.log()).not.toContain("stop bound reached");
}, 60_000);

test("with nobody to hand over to at 10 s adverts, the stop is bounded at min(3 x advert_int, 10 s) = 10 s", async () => {
  const l = lab(["r1"]);
  const r1 = startVigil(l, "r1", conf(255, { advertInt: 10 }));
  ctx.nodes.push(r1);
  await r1.waitState("master");
  r1.signal("SIGTERM");
  await r1.waitLog("bound_ms=10000");
  await r1.waitLog("stop bound reached", 30_000);
  expect(await r1.exited()).toBe(0);
  expect(holds(l, "r1", VIP)).toBe(false);
}, 60_000);
