// A master's paced advert schedule on the io thread: its packets made ready for sendmsg once, when
// the schedule arrives (the send path then only calls sendmsg), and the words that tie it to the
// main thread's slot (rx-protocol.ts).
import type { PacedPacket } from "./rx-protocol.ts";
import type { HeapSlot } from "./slot-heap.ts";
import { alloc, MsgHdr, sendRoute } from "./structs.ts";

export interface PacedSend {
  fd: number;
  msg: MsgHdr;
  /** The buffers msg points into, kept alive with it. */
  keep: Uint8Array[];
}

export interface Slot extends HeapSlot {
  key: number;
  word: number;
  next: number;
  interval: number;
  sends: PacedSend[];
  /** Reused for every advert of this schedule (posted by copy). */
  errnos: number[];
}

export function prepare(p: PacedPacket): PacedSend {
  const { name, control } = sendRoute(p.family, p.ifindex, p.dst, p.src);
  const data = alloc(p.bytes.byteLength);
  data.set(p.bytes);
  const msg = new MsgHdr().set(name, data, control);
  return { fd: p.fd, msg, keep: [name, control, data] };
}
