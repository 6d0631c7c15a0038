// A paced advert or a takeover advert as the io thread sends it: one buffer per datagram with its
// msghdr, iovec, destination sockaddr, pktinfo cmsg and payload, laid out by the main thread
// (packSend) and bound by the io thread (bindPacked) once it has its own copy, since the pointers
// are that copy's. One allocation per datagram on the io thread, where a msghdr of separate
// buffers took ten: every backup keeps its takeover advert there (+1.8 MiB at 255 backups before).
import { ptr } from "bun:ffi";
import type { Family } from "../../protocol/types.ts";
import type { PacedPacket } from "./rx-protocol.ts";
import type { HeapSlot } from "./slot-heap.ts";
import { alloc, MSGHDR_LEN, sendRoute, view } from "./structs.ts";

/** struct iovec right after the msghdr, then the sockaddr. */
const IOV_OFF = MSGHDR_LEN;
const NAME_OFF = MSGHDR_LEN + 16;

/** A PacedPacket once bound (prepare): its buffer starts with the msghdr for sendmsg. */
export type PacedSend = PacedPacket;

export interface Slot extends HeapSlot {
  key: number;
  word: number;
  next: number;
  interval: number;
  sends: PacedSend[];
  /** Reused for every advert of this schedule (posted by copy). */
  errnos: number[];
}

const align8 = (n: number) => (n + 7) & ~7;

/** The datagram `payload` from `src` to `dst` on `ifindex`, packed for the io thread (lengths set, no pointers yet). */
export function packSend(family: Family, ifindex: number, dst: Uint8Array, src: Uint8Array, payload: Uint8Array): Uint8Array {
  const { name, control } = sendRoute(family, ifindex, dst, src);
  const controlOff = align8(NAME_OFF + name.byteLength);
  const dataOff = controlOff + control.byteLength;
  const b = alloc(dataOff + payload.byteLength);
  b.set(name, NAME_OFF);
  b.set(control, controlOff);
  b.set(payload, dataOff);
  const v = view(b);
  v.setUint32(8, name.byteLength, true); // msg_namelen
  v.setUint32(24, 1, true); // msg_iovlen
  v.setUint32(40, control.byteLength, true); // msg_controllen
  v.setUint32(IOV_OFF + 8, payload.byteLength, true); // iov_len
  return b;
}

/** Points a packSend buffer's msghdr and iovec into itself, where it now lives; returns it. */
export function bindPacked(b: Uint8Array): Uint8Array {
  const v = view(b);
  const base = ptr(b);
  const nameLen = v.getUint32(8, true);
  const controlOff = align8(NAME_OFF + nameLen);
  const controlLen = v.getUint32(40, true);
  v.setBigUint64(0, BigInt(base + NAME_OFF), true);
  v.setBigUint64(16, BigInt(base + IOV_OFF), true);
  v.setBigUint64(32, BigInt(base + controlOff), true);
  v.setBigUint64(IOV_OFF, BigInt(base + controlOff + controlLen), true);
  return b;
}

/** Binds the io thread's copy of a packet in place (no new object per datagram). */
export function prepare(p: PacedPacket): PacedSend {
  bindPacked(p.msg);
  return p;
}
