// Path 1: an error nothing handles (here thrown from a timer by a preloaded module, like a bug).
// 0.1.0 printed a stack and exited 1 holding the VIP: two masters answered for one address.
// Now: the stack is logged, the master resigns (priority 0 on the wire, the backup takes over at
// once), the VIP is removed, and vigil exits 70 for systemd/procd to restart it.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUN } from "../netns/lab.ts";
import { holds } from "../netns/scenario-kit.ts";
import { ROOT, startVigil } from "../netns/vigil-node.ts";
import { conf, ctx, lab, useLab, VIP } from "./kit.ts";

useLab();

test("an unhandled throw: stack logged, priority 0 sent, VIP removed, exit 70; the backup takes over", async () => {
  const l = lab(["r1", "r2", "c"]);
  const cap = await l.capture("c", "proto 112");
  const trigger = `/tmp/vigil-trigger-${l.id}`;
  ctx.cleanups.push(() => Bun.spawnSync(["rm", "-f", trigger]));
  const command = [
    "env",
    `VIGIL_INJECT_THROW=${trigger}`,
    BUN,
    "--preload",
    join(import.meta.dir, "inject-throw.ts"),
    process.env.VIGIL_MAIN ?? join(ROOT, "main.ts"),
  ];
  const r1 = startVigil(l, "r1", conf(200), { command });
  ctx.nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(l, "r2", conf(100));
  ctx.nodes.push(r2);
  await r2.waitState("backup");
  expect(holds(l, "r1", VIP)).toBe(true);

  writeFileSync(trigger, "now");
  expect(await r1.exited(20_000)).toBe(70);
  const log = r1.log();
  expect(log).toContain("unhandled error");
  expect(log).toContain("injected fault");
  expect(log).toMatch(/stack=|"stack"/);
  expect(holds(l, "r1", VIP)).toBe(false);
  await cap.waitFor(/10\.99\.0\.1 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 51, prio 0\b/, 10_000);
  await r2.waitState("master");
  expect((await r2.instance())?.lastTransition?.reason).toBe("priority-zero-received");
  expect(holds(l, "r2", VIP)).toBe(true);
  await cap.stop();
}, 60_000);
