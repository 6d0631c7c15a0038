// Path 2: the state journal cannot be written. 0.1.0 threw from a microtask right after adding
// the VIP: EISDIR/EACCES killed the daemon holding it (a crash loop under procd), ENOSPC left a
// stack in the log and no record. Now a write error is logged once, counted, and never fatal.
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { holds } from "../netns/scenario-kit.ts";
import { startVigil } from "../netns/vigil-node.ts";
import { conf, ctx, lab, metric, netnsId, until, useLab, VIP } from "./kit.ts";

useLab();

test("journal path is a directory (EISDIR): vigil keeps running as master, error counted and logged once; SIGTERM still cleans up", async () => {
  const l = lab(["r1"]);
  const state = mkdtempSync("/tmp/vigil-state-");
  ctx.cleanups.push(() => rmSync(state, { recursive: true, force: true }));
  mkdirSync(join(state, `owned-${netnsId(l, "r1")}.json`));
  const r1 = startVigil(l, "r1", conf(200), { stateDir: state });
  ctx.nodes.push(r1);
  await r1.waitState("master");
  await until(() => metric(l, "r1", "vigil_state_write_errors_total", { errno: "EISDIR" }) >= 1, "state write error counted");
  expect(r1.proc.exitCode).toBeNull();
  expect(holds(l, "r1", VIP)).toBe(true);
  await r1.waitLog("cannot write the state file");
  expect(r1.log().split("\n").filter((x) => x.includes("cannot write the state file")).length).toBe(1);
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  expect(holds(l, "r1", VIP)).toBe(false);
}, 60_000);

test("state dir full (ENOSPC, a tiny tmpfs as on OpenWrt's /tmp): no stack in the log, vigil runs on, counted", async () => {
  const l = lab(["r1"]);
  const state = mkdtempSync("/tmp/vigil-full-");
  const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", state]);
  expect(mounted.exitCode).toBe(0);
  ctx.cleanups.push(() => {
    Bun.spawnSync(["umount", "-l", state]);
    rmSync(state, { recursive: true, force: true });
  });
  Bun.spawnSync(["dd", "if=/dev/zero", `of=${join(state, "fill")}`, "bs=1k", "count=64"], { stderr: "ignore" });
  const r1 = startVigil(l, "r1", conf(200), { stateDir: state });
  ctx.nodes.push(r1);
  await r1.waitState("master");
  await until(() => metric(l, "r1", "vigil_state_write_errors_total", { errno: "ENOSPC" }) >= 1, "ENOSPC counted");
  expect(r1.proc.exitCode).toBeNull();
  expect(holds(l, "r1", VIP)).toBe(true);
  expect(r1.log()).not.toMatch(/\n\s+at /);
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  expect(holds(l, "r1", VIP)).toBe(false);
}, 60_000);
