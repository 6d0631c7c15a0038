// Memory locking follows keepalived 2.2.7: mlockall only under vrrp_no_swap. Realtime adverts
// (20 ms: SCHED_RR on the io thread by default) do not lock — keepalived's vrrp_rt_priority does
// not either — because locked pages cannot be returned to the kernel (about 1 MiB of private
// memory at one instance, bench/README.md). Compiled binary, real namespace; VmLck from /proc.
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createLab, type Lab } from "./lab.ts";
import { v3Conf } from "./scenario-kit.ts";
import { threadPolicies } from "./threads.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => {
  [lab, nodes] = await tearDown(lab, nodes);
});

function lockedKiB(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmLck:\s+(\d+) kB/m)?.[1] ?? NaN);
}

/** Threads of `pid` running SCHED_RR. */
function realtimeThreads(pid: number): number {
  return threadPolicies(pid).filter((t) => t.policy === 2).length;
}

test("realtime adverts without vrrp_no_swap: the io thread is SCHED_RR, nothing is locked", async () => {
  lab = createLab({ nodes: ["r1"], prefix: "vgmlk" });
  const v = startVigil(lab, "r1", v3Conf({ priority: 200, vips: ["10.99.0.100/24"], advertInt: 0.02 }));
  nodes.push(v);
  await v.waitState("master");
  expect(realtimeThreads(v.proc.pid)).toBe(1);
  expect(lockedKiB(v.proc.pid)).toBe(0);
});

test("vrrp_no_swap locks the daemon's memory (as keepalived)", async () => {
  lab = createLab({ nodes: ["r1"], prefix: "vgmlk" });
  const conf = `global_defs {\n    vrrp_no_swap\n}\n` + v3Conf({ priority: 200, vips: ["10.99.0.100/24"], advertInt: 1 });
  const v = startVigil(lab, "r1", conf);
  nodes.push(v);
  await v.waitState("master");
  expect(lockedKiB(v.proc.pid)).toBeGreaterThan(0);
});
