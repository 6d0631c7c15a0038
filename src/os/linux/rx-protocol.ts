// The contract between rx.ts (main thread) and rx-worker.ts: a SharedArrayBuffer fd table guarded by
// a seqlock (so the worker re-reads it synchronously, without waiting for its event loop), an
// eventfd to wake poll(), and the messages the worker posts.

import type { Family } from "../../protocol/types.ts";

export type RxKind = "vrrp4" | "vrrp6" | "netlink";
export const KIND_CODE: Record<RxKind, number> = { vrrp4: 1, vrrp6: 2, netlink: 3 };
export const CODE_KIND: Record<number, RxKind> = { 1: "vrrp4", 2: "vrrp6", 3: "netlink" };

/** Int32 slots of the control block. */
export const CTL_GEN = 0; // seqlock generation: odd while the main thread writes
export const CTL_STOP = 1;
export const CTL_COUNT = 2;
export const CTL_ENTRIES = 3; // then (fd, kind) pairs
export const MAX_FDS = 256;
export const CTL_INTS = CTL_ENTRIES + 2 * MAX_FDS;

export interface RxInit {
  t: "init";
  control: SharedArrayBuffer;
  eventFd: number;
}

export interface RxDatagramMsg {
  t: "dgram";
  fd: number;
  family: Family;
  ifindex: number;
  src: string;
  dst: string;
  ttl: number;
  payload: Uint8Array;
  /** CLOCK_MONOTONIC ms when recvmsg returned. */
  rxMono: number;
}

export interface RxNetlinkMsg {
  t: "netlink";
  fd: number;
  data: Uint8Array;
  rxMono: number;
}

/** The socket lost messages (netlink ENOBUFS): the owner must resynchronise with a dump. */
export interface RxOverrunMsg {
  t: "overrun";
  fd: number;
}

export interface RxErrorMsg {
  t: "error";
  fd: number;
  syscall: string;
  errno: number;
}

export type RxFdMsg = RxDatagramMsg | RxNetlinkMsg | RxOverrunMsg | RxErrorMsg;
export type RxWorkerMsg = RxFdMsg | { t: "ready" } | { t: "stopped" };
