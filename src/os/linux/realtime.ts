// Realtime scheduling and memory locking (keepalived's vrrp_rt_priority / vrrp_no_swap).
// vigil runs only its io thread SCHED_RR (RxLoop.setRealtime, from that thread, with
// SCHED_RESET_ON_FORK), bounded by RLIMIT_RTTIME (limitRealtimeCpu); the main, GC, JIT and HTTP
// threads stay SCHED_OTHER. The process-wide helpers below remain for benches and tests.

import { readdirSync, readFileSync } from "node:fs";
import * as C from "./consts.ts";
import { OsError } from "./errors.ts";
import { errno, libc } from "./libc.ts";
import { int32 } from "./structs.ts";

export type RealtimeResult = { ok: true } | { ok: false; error: OsError };

/** SCHED_RR at `priority` (1–99) for this thread and the threads it creates later. */
export function enableRealtime(priority: number): RealtimeResult {
  if (!Number.isInteger(priority) || priority < 1 || priority > 99) {
    return { ok: false, error: new OsError("sched_setscheduler", 22, `priority ${priority} not in 1..99`) };
  }
  const r = libc.sched_setscheduler(0, C.SCHED_RR, int32(priority));
  return r < 0 ? { ok: false, error: new OsError("sched_setscheduler", errno(), `SCHED_RR ${priority}`) } : { ok: true };
}

/**
 * SCHED_RR for every thread of the process (/proc/self/task): the JIT, GC and allocator threads
 * created before enableRealtime() stay SCHED_OTHER otherwise, and CPU hogs starve them into
 * stalling the main thread (priority inversion; measured: advert max error 40 ms → 1.3 ms).
 */
export function enableRealtimeAllThreads(priority: number): RealtimeResult {
  const first = enableRealtime(priority);
  if (!first.ok) return first;
  let tids: string[] = [];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return first;
  }
  for (const tid of tids) {
    const r = libc.sched_setscheduler(Number(tid), C.SCHED_RR, int32(priority));
    if (r < 0) return { ok: false, error: new OsError("sched_setscheduler", errno(), `SCHED_RR ${priority} tid ${tid}`) };
  }
  return { ok: true };
}

/**
 * SCHED_OTHER for every thread: a child of a realtime vigil (the SIGHUP config loader) inherits
 * SCHED_RR, and must not compete with the parent's advert pacing while it parses.
 */
export function disableRealtimeAllThreads(): RealtimeResult {
  let tids: string[] = [];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return disableRealtime();
  }
  for (const tid of tids) {
    const r = libc.sched_setscheduler(Number(tid), C.SCHED_OTHER, int32(0));
    if (r < 0) return { ok: false, error: new OsError("sched_setscheduler", errno(), `SCHED_OTHER tid ${tid}`) };
  }
  return { ok: true };
}

/** Back to SCHED_OTHER. */
export function disableRealtime(): RealtimeResult {
  const r = libc.sched_setscheduler(0, C.SCHED_OTHER, int32(0));
  return r < 0 ? { ok: false, error: new OsError("sched_setscheduler", errno(), "SCHED_OTHER") } : { ok: true };
}

/** Current policy of the calling thread: "other" | "fifo" | "rr" | number. */
export function currentPolicy(): string | number {
  const p = libc.sched_getscheduler(0);
  return p === C.SCHED_OTHER ? "other" : p === C.SCHED_FIFO ? "fifo" : p === C.SCHED_RR ? "rr" : p;
}

/** keepalived's vrrp_rlimit_rttime default: 10 ms of CPU without a blocking call. */
export const DEFAULT_RLIMIT_RTTIME_US = 10_000;

/**
 * RLIMIT_RTTIME for the process (counted per realtime thread): past `softUs` of CPU without
 * blocking the kernel sends SIGXCPU (the caller demotes the thread), past `hardUs` SIGKILL. A
 * runaway realtime loop cannot starve the router. keepalived: soft = rttime / 2, hard = rttime.
 */
export function limitRealtimeCpu(softUs: number, hardUs: number): RealtimeResult {
  const rl = new BigUint64Array(2);
  rl[0] = BigInt(Math.round(softUs));
  rl[1] = BigInt(Math.round(hardUs));
  const r = libc.setrlimit(C.RLIMIT_RTTIME, new Uint8Array(rl.buffer));
  return r < 0 ? { ok: false, error: new OsError("setrlimit", errno(), "RLIMIT_RTTIME") } : { ok: true };
}

/** Scheduling policy of any thread of this process, from /proc (e.g. "SCHED_RR 10", "SCHED_OTHER"). */
export function threadPolicy(tid: number): string {
  try {
    const sched = readFileSync(`/proc/self/task/${tid}/sched`, "utf8");
    const policy = Number(sched.match(/^policy\s*:\s*(\d+)/m)?.[1] ?? -1);
    const prio = Number(sched.match(/^prio\s*:\s*(\d+)/m)?.[1] ?? 120);
    return policy === C.SCHED_RR ? `SCHED_RR ${99 - prio}` : policy === C.SCHED_FIFO ? `SCHED_FIFO ${99 - prio}` : "SCHED_OTHER";
  } catch {
    return "unknown";
  }
}

export interface LockMemoryOptions {
  /**
   * Lock pages only when first touched (MCL_ONFAULT, Linux ≥ 4.4). Default true: JavaScriptCore
   * reserves large address ranges up front, and MCL_FUTURE alone would populate them.
   */
  onFault?: boolean;
}

/**
 * mlockall(MCL_CURRENT | MCL_FUTURE [| MCL_ONFAULT]): no page of the daemon is swapped out.
 * `vigil run` calls it only under vrrp_no_swap, as keepalived: locked pages can never be handed
 * back to the kernel (madvise fails on them), so private memory only grows.
 */
export function lockMemory(opts: LockMemoryOptions = {}): RealtimeResult {
  const flags = C.MCL_CURRENT | C.MCL_FUTURE | (opts.onFault ?? true ? C.MCL_ONFAULT : 0);
  const r = libc.mlockall(flags);
  return r < 0 ? { ok: false, error: new OsError("mlockall", errno()) } : { ok: true };
}

export function unlockMemory(): RealtimeResult {
  const r = libc.munlockall();
  return r < 0 ? { ok: false, error: new OsError("munlockall", errno()) } : { ok: true };
}
