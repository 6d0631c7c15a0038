// The contract between rx.ts (main thread) and rx-worker.ts (the io thread): a SharedArrayBuffer fd
// table guarded by a seqlock (so the worker re-reads it synchronously, without waiting for its event
// loop), an eventfd to wake poll(), commands on a MessagePort that the worker drains synchronously
// (receiveMessageOnPort) after the eventfd woke it, advert-slot words in a second SharedArrayBuffer
// (so a cancel is synchronous), and the messages the worker posts.

import type { Family } from "../../protocol/types.ts";

export type RxKind = "vrrp4" | "vrrp6" | "netlink";
export const KIND_CODE: Record<RxKind, number> = { vrrp4: 1, vrrp6: 2, netlink: 3 };
export const CODE_KIND: Record<number, RxKind> = { 1: "vrrp4", 2: "vrrp6", 3: "netlink" };

/** Int32 slots of the control block. */
export const CTL_GEN = 0; // seqlock generation: odd while the main thread writes
export const CTL_STOP = 1;
export const CTL_COUNT = 2;
/** Datagrams posted to the main thread and not yet handled there (the bounded receive queue). */
export const CTL_INFLIGHT = 3;
/** Bound of that queue: past it, VRRP datagrams are read and dropped (counted in CTL_OVERFLOW). */
export const CTL_QUEUE_CAP = 4;
/** Datagrams dropped because the queue was full, since start. */
export const CTL_OVERFLOW = 5;
/** The paced-advert result ring (below): entries written by the worker / consumed by the main thread. */
export const CTL_SENT_HEAD = 6;
export const CTL_SENT_TAIL = 7;
/** Watched adverts (advert-watch.ts) handled on the io thread since start. */
export const CTL_REPEATS = 8;
/** Sleeps of the io thread inside a burst of adverts at SCHED_RR (burst-guard.ts BURST_PACKETS), since start. */
export const CTL_PAUSES = 9;
export const CTL_ENTRIES = 10; // then (fd, kind) pairs
export const MAX_FDS = 256;
export const CTL_INTS = CTL_ENTRIES + 2 * MAX_FDS;

/**
 * Advert slots: one Int32 word per paced advert schedule or advert watch, (generation << 2) | state.
 * The main thread bumps the generation to arm (ARMED) or cancel (IDLE), spinning while the worker
 * holds SENDING (sending, or handling a watched repeat), so once cancel() returns no advert of that
 * schedule can leave, and no repeat be handled for that watch, any more. A watch's word left FIRED
 * says its takeover advert left at the deadline.
 */
export const SLOT_IDLE = 0;
export const SLOT_ARMED = 1;
export const SLOT_SENDING = 2;
/** A watch whose takeover advert the worker sent at its deadline: a cancel learns it went out. */
export const SLOT_FIRED = 3;
export const MAX_SLOTS = 4096;

/**
 * What a paced advert did, as a single-producer single-consumer ring of Float64 entries instead of
 * one message per advert: 255 masters at 1 s cost 255 structured clones a second on both threads
 * (measured: 1.9 % of a core on the io thread, +11 MiB of private memory). The worker posts one
 * "sent" wake-up only when it writes into an empty ring (the main thread drains it all), so adverts
 * due together cost one message. Entry: key, word, at, mono, next, count, then up to
 * SENT_ERRNOS errnos; a schedule with more packets (many unicast peers) posts its message instead.
 * A watched repeat (advert-watch.ts) shares the ring: key, word, its arrival, same, 0, count -1.
 */
export const SENT_RING_ENTRIES = 1024;
export const SENT_ERRNOS = 8;
export const SENT_ENTRY_F64 = 6 + SENT_ERRNOS;

export interface RxInit {
  t: "init";
  control: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  /** The sent ring: SENT_RING_ENTRIES × SENT_ENTRY_F64 Float64s. */
  sentRing: SharedArrayBuffer;
  eventFd: number;
  port: MessagePort;
}

/** One datagram of a paced or takeover advert: its socket and paced-send.ts packSend's buffer. */
export interface PacedPacket {
  fd: number;
  msg: Uint8Array;
}

/**
 * Watch repeats of one received advert (advert-watch.ts): `index` is watchIndex(ifindex, v6,
 * vrid); src, dst, ttl and payload as the datagram carried them; Master_Down at `deadline`, moved
 * to each repeat's arrival + downMs.
 */
export interface WatchCommand {
  c: "watch";
  key: number;
  word: number;
  index: number;
  src: Uint8Array;
  dst: Uint8Array;
  ttl: number;
  payload: Uint8Array;
  deadline: number;
  downMs: number;
  /**
   * The advert the backup sends when it takes over (RFC 5798 §6.4.2), ready to leave from this
   * thread at the deadline (empty: none). Sent only while the main thread has no datagram of the io
   * thread still to handle: one of them may have ended the watch.
   */
  takeover: PacedPacket[];
  /** Worker-side: the "soon" notice of the current deadline went out. */
  warned?: boolean;
}

/**
 * A watch's main thread hears this long before its Master_Down deadline that it is near (as a
 * precise timer's hand-off did): the takeover's code runs once, warm, before it counts.
 */
export const WATCH_WARN_MS = 5;

/** Commands main → worker, on the port. Times are CLOCK_MONOTONIC ms. */
export type IoCommand =
  | WatchCommand
  | { c: "unwatch"; key: number }
  | { c: "timer"; id: number; at: number }
  | { c: "clear"; id: number }
  | { c: "pace"; key: number; word: number; at: number; interval: number; packets: PacedPacket[] }
  | { c: "unpace"; key: number }
  | { c: "rt"; priority: number };

/** A timer armed through the worker expired (mono: when the worker woke for it). */
export interface IoFireMsg {
  t: "fire";
  id: number;
  mono: number;
}

/** A paced advert went out (errnos: one per packet, 0 = sent); next: when the worker sends again. */
export interface IoSentMsg {
  t: "sent";
  key: number;
  word: number;
  at: number;
  mono: number;
  next: number;
  errnos: number[];
}

/**
 * A watch's Master_Down deadline passed with no repeat (mono: when the worker woke for it).
 * errnos: the takeover advert went out from the io thread at mono (one per packet, 0 = sent);
 * null: it did not, the main thread sends it.
 */
export interface IoWatchDownMsg {
  t: "watch-down";
  key: number;
  word: number;
  mono: number;
  errnos: number[] | null;
}

/** A watch's deadline is WATCH_WARN_MS away and no repeat came: prepare the takeover. */
export interface IoWatchSoonMsg {
  t: "watch-soon";
  key: number;
  word: number;
}

export interface IoRtMsg {
  t: "rt";
  ok: boolean;
  errno: number;
  tid: number;
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
/** The sent ring went from empty to not empty: drain it. */
export interface IoSentRingMsg {
  t: "sent-ring";
}

export type RxWorkerMsg = RxFdMsg | IoFireMsg | IoSentMsg | IoSentRingMsg | IoWatchDownMsg | IoWatchSoonMsg | IoRtMsg | { t: "ready"; tid: number } | {
  t: "stopped";
};
