// The io thread's guard for RLIMIT_RTTIME (vrrp_rlimit_rttime): at SCHED_RR it counts the packets of
// a burst — every master on the same tick, or a mass failover's takeover adverts — and sleeps 50 µs
// after every BURST_PACKETS of them. A blocking call resets the limit's count of CPU time
// (setrlimit(2)), so even hundreds of instances on a slow CPU stay far inside it. At SCHED_OTHER
// there is no such limit, and a sleep costs a wake-up (~0.07 % of a core at 255 masters): none.
import * as C from "./consts.ts";
import { libc } from "./libc.ts";
import { CTL_PAUSES } from "./rx-protocol.ts";
import { alloc, view } from "./structs.ts";

const BURST_PACKETS = 32;

export class BurstGuard {
  /** SCHED_RR (set by the "rt" command; cleared when SIGXCPU's handler demoted the thread). */
  realtime = false;
  private burst = 0;
  // struct timespec { 0 s, 50 µs }: long enough to really sleep at SCHED_RR (no timer slack); a
  // sleep so short that its timer expires before the thread is switched out does not block.
  private readonly pauseTs = alloc(16);

  constructor(private readonly ctl: Int32Array) {
    view(this.pauseTs).setUint32(8, 50_000, true);
  }

  /** A wake-up begins: its packets count from zero (the thread blocked before it). */
  start(): void {
    this.burst = 0;
  }

  /** `packets` more were sent in this wake-up. */
  sent(packets: number): void {
    this.burst += packets;
    if (!this.realtime || this.burst < BURST_PACKETS) return;
    this.burst = 0;
    // Sleeps only while still SCHED_RR (SIGXCPU's handler demotes this thread by tid: RxLoop.dropRealtime).
    this.realtime = (libc.sched_getscheduler(0) & ~C.SCHED_RESET_ON_FORK) === C.SCHED_RR;
    if (!this.realtime) return;
    libc.nanosleep(this.pauseTs, null);
    Atomics.add(this.ctl, CTL_PAUSES, 1);
  }
}
