// Paths 5, 6 and 10: reload. 0.1.0 (a) launched a re-created instance after a SIGTERM that came
// during its handover — it became master and kept the process alive until a SIGKILL left its VIP;
// (b) did not serialise SIGHUPs, so two in a row could leave the old VIP and priority running;
// (c) parsed the new file on the thread that paces adverts, so a config bomb silenced the master.
import { expect, test } from "bun:test";
import { holds, scrape, sum } from "../netns/scenario-kit.ts";
import { startVigil } from "../netns/vigil-node.ts";
import { conf, ctx, lab, until, useLab, VIP } from "./kit.ts";

useLab();

const ip = (l: ReturnType<typeof lab>, node: string) => l.exec(node, ["ip", "-br", "addr", "show", "dev", "eth0"]).stdout;

test("SIGTERM while a reload waits for a re-created instance's handover: the reload is cancelled, exit 0, no VIP left", async () => {
  const l = lab(["r1"]);
  // Alone, 1 s adverts: the old instance's make-before-break hold lasts 2 s with nobody to take over.
  const r1 = startVigil(l, "r1", conf(200, { advertInt: 1 }));
  ctx.nodes.push(r1);
  await r1.waitState("master");
  r1.rewriteConfig(conf(200, { advertInt: 1, vrid: 52, vips: ["10.99.0.101/24"] }));
  r1.signal("SIGHUP");
  await r1.waitLog("SIGHUP: reloading");
  await Bun.sleep(600); // lands inside the 2 s hold (or before the apply: both must end the same)
  r1.signal("SIGTERM");
  expect(await r1.exited(20_000)).toBe(0);
  const log = r1.log();
  expect(log).not.toContain("OsError");
  expect(log).not.toMatch(/\n\s+at /);
  expect(log).toContain("vigil stopped");
  expect(ip(l, "r1")).not.toContain("10.99.0.100/24");
  expect(ip(l, "r1")).not.toContain("10.99.0.101/24");
}, 60_000);

test("two SIGHUPs in a row: the last file wins (its VRID, priority and VIP), nothing of the middle one is left", async () => {
  const l = lab(["r1"]);
  const r1 = startVigil(l, "r1", conf(200));
  ctx.nodes.push(r1);
  await r1.waitState("master");
  r1.rewriteConfig(conf(150, { vrid: 52, vips: ["10.99.0.101/24"] }));
  r1.signal("SIGHUP");
  r1.rewriteConfig(conf(180, { vrid: 53, vips: ["10.99.0.102/24"] }));
  r1.signal("SIGHUP");
  await until(async () => {
    const s = await r1.status().catch(() => null);
    return s?.instances.length === 1 && s.instances[0]!.vrid === 53 && s.instances[0]!.state === "master";
  }, "vrid 53 master");
  // Settle: no reload still queued behind.
  await until(
    async () => !(await r1.status()).instances.some((i) => i.vrid !== 53) && r1.log().split("configuration reloaded").length >= 2,
    "reloads done",
    20_000,
  ).catch(() => {});
  const s = await r1.status();
  expect(s.instances.map((i) => [i.vrid, i.basePriority, i.virtualIps])).toEqual([[53, 180, ["10.99.0.102/24"]]]);
  expect(s.lastReload?.ok).toBe(true);
  await until(() => ip(l, "r1").includes("10.99.0.102/24"), "VIP of the last file");
  expect(ip(l, "r1")).not.toContain("10.99.0.100/24");
  expect(ip(l, "r1")).not.toContain("10.99.0.101/24");
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
}, 60_000);

test("a config bomb sent with SIGHUP: refused with a position, and the master never stops advertising (the backup stays backup)", async () => {
  const l = lab(["r1", "r2"]);
  const r1 = startVigil(l, "r1", conf(200));
  ctx.nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(l, "r2", conf(100));
  ctx.nodes.push(r2);
  await r2.waitState("backup");
  // ~530 bytes: each parameter is 8 copies of the previous one, 8^8 × 8 bytes = 128 MiB if
  // expanded naively (0.1.0 spent seconds on the advert thread and let the backup take over).
  const bomb = ["$F0=abcdefgh", ...Array.from({ length: 8 }, (_, k) => `$F${k + 1}=${`\${F${k}}`.repeat(8)}`)].join("\n");
  r1.rewriteConfig(`${bomb}\n${conf(200, { vips: ["${F8}"] })}`);
  r1.signal("SIGHUP");
  await r1.waitLog("reload refused", 45_000);
  expect((await r1.instance())?.state).toBe("master");
  expect((await r2.instance())?.state).toBe("backup");
  const toMaster = sum(scrape(l, "r2"), "vigil_vrrp_transitions_total", { to: "master" });
  expect(toMaster).toBe(0);
  expect(holds(l, "r1", VIP)).toBe(true);
  expect(holds(l, "r2", VIP)).toBe(false);
}, 90_000);
