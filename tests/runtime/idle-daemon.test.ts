// A config without any vrrp_instance (keepalived runs idle): the daemon starts, reports an empty
// status, a reload adds instances, and a stop finishes at once.
import { expect, test } from "bun:test";
import { STOP_BOUND_MAX_MS } from "../../src/runtime/daemon.ts";
import { config, Lab, seedConf, stateOf } from "./harness.ts";

const IDLE = "global_defs {\n  router_id idle\n}\n";

test("idle: starts with no instance, stop bound 0, an empty status", () => {
  const lab = new Lab();
  const c = config(IDLE);
  expect(c.instances).toEqual([]);
  const r = lab.node("192.168.0.1", c);
  r.daemon.start();
  expect(r.daemon.status().instances).toEqual([]);
  const bound = r.daemon.stopBoundMs();
  expect(Number.isFinite(bound) && bound >= 0 && bound <= STOP_BOUND_MAX_MS).toBe(true);
  lab.advance(60_000);
  expect(lab.wire.sent).toEqual([]);
});

test("idle → a reload adds an instance: it becomes master; a stop resigns it", async () => {
  const lab = new Lab();
  const r = lab.node("192.168.0.1", config(IDLE));
  r.daemon.start();
  lab.advance(1000);
  const res = await r.daemon.reload(config(seedConf(100)));
  expect(res.ok).toBe(true);
  await lab.settle(5000);
  expect(stateOf(r)).toBe("master");
  expect(r.host.addresses("eth0")).toContain("192.168.0.254/24");
  const stopped = r.daemon.shutdown();
  await lab.settle(10_000);
  await stopped;
  expect(r.host.addresses("eth0")).toEqual(["192.168.0.1/24"]);
});

test("idle stop finishes without waiting for anything", async () => {
  const lab = new Lab();
  const r = lab.node("192.168.0.1", config(IDLE));
  r.daemon.start();
  let done = false;
  void r.daemon.shutdown().then(() => (done = true));
  await lab.settle(0);
  expect(done).toBe(true);
});
