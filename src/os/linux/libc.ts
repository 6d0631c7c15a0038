// The libc symbols vigil needs, bound once per thread with bun:ffi (the rx Worker loads its own copy).
// Rule: pass only ArrayBuffer-backed memory (see structs.ts `alloc`) — small typed arrays can move.

import { dlopen, FFIType, type Pointer, read } from "bun:ffi";
import { OsError } from "./errors.ts";

const { i32, u32, u64, ptr, i64_fast, cstring } = FFIType;

const SYMBOLS = {
  socket: { args: [i32, i32, i32], returns: i32 },
  setsockopt: { args: [i32, i32, i32, ptr, u32], returns: i32 },
  getsockopt: { args: [i32, i32, i32, ptr, ptr], returns: i32 },
  bind: { args: [i32, ptr, u32], returns: i32 },
  sendto: { args: [i32, ptr, u64, i32, ptr, u32], returns: i64_fast },
  sendmsg: { args: [i32, ptr, i32], returns: i64_fast },
  recvmsg: { args: [i32, ptr, i32], returns: i64_fast },
  close: { args: [i32], returns: i32 },
  poll: { args: [ptr, u64, i32], returns: i32 },
  nanosleep: { args: [ptr, ptr], returns: i32 },
  eventfd: { args: [u32, i32], returns: i32 },
  read: { args: [i32, ptr, u64], returns: i64_fast },
  write: { args: [i32, ptr, u64], returns: i64_fast },
  if_nametoindex: { args: [cstring], returns: u32 },
  __errno_location: { args: [], returns: ptr },
  strerror: { args: [i32], returns: cstring },
  timerfd_create: { args: [i32, i32], returns: i32 },
  timerfd_settime: { args: [i32, i32, ptr, ptr], returns: i32 },
  clock_gettime: { args: [i32, ptr], returns: i32 },
  sched_setscheduler: { args: [i32, i32, ptr], returns: i32 },
  sched_getscheduler: { args: [i32], returns: i32 },
  mlockall: { args: [i32], returns: i32 },
  munlockall: { args: [], returns: i32 },
  getuid: { args: [], returns: u32 },
  setrlimit: { args: [i32, ptr], returns: i32 },
  getrlimit: { args: [i32, ptr], returns: i32 },
} as const;

function open() {
  // glibc ships libc.so.6; musl's loader answers to libc.so.6 too when Bun is built for musl,
  // and the fallbacks cover a bare musl system where only the loader file exists.
  const candidates = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];
  let last: unknown;
  for (const name of candidates) {
    try {
      return dlopen(name, SYMBOLS);
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`vigil: cannot dlopen libc (${candidates.join(", ")}): ${String(last)}`);
}

const lib = open();
/** Raw bound symbols. Prefer the checked wrappers below. */
export const libc = lib.symbols;

let errnoPtr: Pointer | null = null;
/** errno of the calling thread; read it right after the failing call. */
export function errno(): number {
  errnoPtr ??= libc.__errno_location() as Pointer | null;
  return errnoPtr === null ? 0 : read.i32(errnoPtr, 0);
}

/** Throws OsError when a call returned -1 (or any negative value); returns the value otherwise. */
export function check(ret: number | bigint, syscall: string, detail?: string): number {
  const r = Number(ret);
  if (r < 0) throw new OsError(syscall, errno(), detail);
  return r;
}

/** Result of a call whose failure is expected (EAGAIN…): the value, or -errno. */
export function orErrno(ret: number | bigint): number {
  const r = Number(ret);
  return r < 0 ? -errno() : r;
}

export function closeFd(fd: number): void {
  if (fd >= 0) libc.close(fd);
}

export function ifNameToIndex(name: string): number {
  const idx = libc.if_nametoindex(Buffer.from(`${name}\0`));
  if (idx === 0) throw new OsError("if_nametoindex", errno(), name);
  return idx;
}

export function getuid(): number {
  return libc.getuid();
}

const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const tsBuf = new BigInt64Array(new ArrayBuffer(16));
/** CLOCK_MONOTONIC in ms (float) — the same clock in every thread and every process. */
export function monotonicMs(): number {
  check(libc.clock_gettime(CLOCK_MONOTONIC, tsBuf), "clock_gettime");
  return Number(tsBuf[0]) * 1000 + Number(tsBuf[1]) / 1e6;
}

const realBuf = new Uint32Array(4);
/**
 * CLOCK_REALTIME in ms since the epoch (the clock of SO_TIMESTAMPNS), NaN if the call failed.
 * Read per received datagram: 32-bit halves, no BigInt; a double keeps µs at today's epoch.
 */
export function realtimeMs(): number {
  if (libc.clock_gettime(CLOCK_REALTIME, realBuf) !== 0) return NaN;
  return timespecMs(realBuf[0]!, realBuf[1]!, realBuf[2]!);
}

/** A kernel receive timestamp older than this is a clock step, not a queue: ignored. */
const MAX_PACKET_AGE_MS = 1000;

/**
 * How long ago the kernel received a datagram (SO_TIMESTAMPNS, CLOCK_REALTIME ms), so that its
 * event time is its arrival and not the io thread's wake-up (late under load): RFC 5798 §6.4.2
 * resets Master_Down on receipt. A clock step (or NaN, a failed read) gives 0.
 */
export function packetAgeMs(nowRealMs: number, rxRealMs: number): number {
  const ageMs = nowRealMs - rxRealMs;
  return ageMs > 0 && ageMs < MAX_PACKET_AGE_MS ? ageMs : 0;
}

/** A 64-bit LE struct timespec given as its 32-bit words (tv_sec low, high; tv_nsec low) in ms. */
export function timespecMs(secLo: number, secHi: number, nsec: number): number {
  return (secLo + secHi * 0x1_0000_0000) * 1000 + nsec / 1e6;
}

/**
 * Offset to add to this thread's performance.now() to get CLOCK_MONOTONIC ms. Taken as the
 * tightest of a few samples so threads and processes agree within a few µs.
 */
export function perfToMonotonicOffsetMs(): number {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 5; i++) {
    const a = performance.now();
    const m = monotonicMs();
    const b = performance.now();
    if (b - a < best) {
      best = b - a;
      offset = m - (a + b) / 2;
    }
  }
  return offset;
}
