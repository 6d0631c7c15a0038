// The threads of a process as /proc shows them: which run realtime (the io thread alone should).
import { readdirSync, readFileSync } from "node:fs";

export interface ThreadSched {
  tid: number;
  /** 0 SCHED_OTHER, 2 SCHED_RR. */
  policy: number;
  /** The thread's name ("Worker" for the io thread). */
  comm: string;
}

/** Every thread of `pid` with its scheduling policy (/proc/PID/task/TID/sched). */
export function threadPolicies(pid: number): ThreadSched[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const sched = readFileSync(`/proc/${pid}/task/${tid}/sched`, "utf8");
    const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
    return { tid: Number(tid), policy: Number(sched.match(/^policy\s*:\s*(\d+)/m)?.[1]), comm };
  });
}
