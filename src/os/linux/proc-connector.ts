// ProcessEvents on the kernel's proc connector: a NETLINK_CONNECTOR socket joined to CN_IDX_PROC
// that receives one message per fork, exec, comm change and exit of every task of the host
// (connector.rst, cn_proc.h). The socket is non-blocking and read by the rx Worker like the
// link-event socket (poll + recvmsg off the main thread); batches reach the runtime as
// ProcessEvent lists, ENOBUFS as `lost`.
//
// The kernel serves it in the initial network namespace only (elsewhere send() of the listen
// message fails with ECONNREFUSED) and to a listener in the initial PID and user namespaces with
// CAP_NET_ADMIN; the listen message is acknowledged synchronously (cn_proc_ack), so `listen` reads
// that acknowledgement before returning and throws when it is negative or missing.

import type { ProcessEvent, ProcessEventHandlers, ProcessEvents } from "../../runtime/ports.ts";
import * as C from "./consts.ts";
import { OsError } from "./errors.ts";
import { check, closeFd, libc, orErrno } from "./libc.ts";
import { parseMessages } from "./netlink.ts";
import type { RxLoop } from "./rx.ts";
import { trySetInt } from "./sockopt.ts";
import { alloc, MsgHdr, sockaddrNl, view } from "./structs.ts";

// linux/netlink.h, linux/connector.h, linux/cn_proc.h
const NETLINK_CONNECTOR = 11;
const CN_IDX_PROC = 1;
const CN_VAL_PROC = 1;
const NLMSG_DONE = 3;
const PROC_CN_MCAST_LISTEN = 1;
const PROC_CN_MCAST_IGNORE = 2;
export const PROC_EVENT_NONE = 0;
export const PROC_EVENT_FORK = 0x1;
export const PROC_EVENT_EXEC = 0x2;
export const PROC_EVENT_COMM = 0x200;
export const PROC_EVENT_EXIT = 0x80000000;

/** struct cn_msg { cb_id {idx, val}; seq; ack; u16 len; u16 flags; data[] }. */
const CN_MSG_LEN = 20;
/** struct proc_event { what; cpu; u64 timestamp_ns; event_data } after the cn_msg. */
const EVENT_DATA = CN_MSG_LEN + 16;
const ECONNREFUSED = 111;
const ETIMEDOUT = 110;
/**
 * Messages read by the io thread and not yet handled by the main thread past which the stream
 * stops (`failed`; the tracker scans instead): the rx queue drops VRRP datagrams past its cap
 * (2048 by default) and counts these messages in it, so a fork storm must not fill it.
 */
export const BACKLOG_LIMIT = 512;
/** Events of a fork storm wait here while the io thread is busy; past it the kernel says ENOBUFS. */
const RECEIVE_BUFFER_BYTES = 4 << 20;

/** nlmsghdr + cn_msg + the 4-byte op (enum proc_cn_mcast_op). */
function controlMessage(op: number, seq: number): Uint8Array<ArrayBuffer> {
  const b = alloc(16 + CN_MSG_LEN + 4);
  const v = view(b);
  v.setUint32(0, b.byteLength, true);
  v.setUint16(4, NLMSG_DONE, true);
  v.setUint32(8, seq, true);
  v.setUint32(16, CN_IDX_PROC, true);
  v.setUint32(20, CN_VAL_PROC, true);
  v.setUint32(24, seq, true);
  v.setUint32(28, seq, true); // cn_msg.ack: the acknowledgement carries it + 1 (its seq is the kernel's)
  v.setUint16(32, 4, true);
  v.setUint32(36, op, true);
  return b;
}

/** What one proc connector message says, threads left out (null: nothing for a process tracker). */
export function decodeProcEvent(body: Uint8Array): ProcessEvent | null {
  if (body.byteLength < EVENT_DATA + 8) return null;
  const v = view(body);
  if (v.getUint32(0, true) !== CN_IDX_PROC || v.getUint32(4, true) !== CN_VAL_PROC) return null;
  const what = v.getUint32(CN_MSG_LEN, true);
  const pid = v.getUint32(EVENT_DATA, true);
  const tgid = v.getUint32(EVENT_DATA + 4, true);
  switch (what) {
    case PROC_EVENT_FORK: {
      if (body.byteLength < EVENT_DATA + 16) return null;
      const childPid = v.getUint32(EVENT_DATA + 8, true);
      const childTgid = v.getUint32(EVENT_DATA + 12, true);
      if (childPid !== childTgid) return null; // a new thread
      return { type: "fork", pid: childPid, parentPid: pid === tgid ? tgid : null };
    }
    case PROC_EVENT_EXEC: // after de_thread: the execing thread is the leader
      return { type: "exec", pid: tgid };
    case PROC_EVENT_COMM: // a thread's own name is not the process's (/proc/PID/stat shows the leader)
      return pid === tgid ? { type: "comm", pid } : null;
    case PROC_EVENT_EXIT:
      return pid === tgid ? { type: "exit", pid } : null;
    default:
      return null;
  }
}

/** The events of one datagram, in order. */
export function decodeProcEvents(data: Uint8Array): ProcessEvent[] {
  const out: ProcessEvent[] = [];
  for (const m of parseMessages(data)) {
    const e = decodeProcEvent(m.body);
    if (e) out.push(e);
  }
  return out;
}

/** The acknowledgement of our control message `seq`: its error (0 = ok), or null if not that one. */
function ackError(body: Uint8Array, seq: number): number | null {
  if (body.byteLength < EVENT_DATA + 4) return null;
  const v = view(body);
  if (v.getUint32(0, true) !== CN_IDX_PROC || v.getUint32(CN_MSG_LEN, true) !== PROC_EVENT_NONE) return null;
  if (v.getUint32(12, true) !== ((seq + 1) >>> 0)) return null;
  return v.getUint32(EVENT_DATA, true);
}

/** A proc connector socket that the kernel acknowledged as listening. Throws OsError otherwise. */
export class ProcConnectorSocket {
  readonly fd: number;
  private closed = false;

  constructor() {
    const type = C.SOCK_DGRAM | C.SOCK_CLOEXEC | C.SOCK_NONBLOCK;
    this.fd = check(libc.socket(C.AF_NETLINK, type, NETLINK_CONNECTOR), "socket", "NETLINK_CONNECTOR");
    try {
      if (!trySetInt(this.fd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, RECEIVE_BUFFER_BYTES)) {
        trySetInt(this.fd, C.SOL_SOCKET, C.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
      }
      const sa = sockaddrNl(CN_IDX_PROC);
      check(libc.bind(this.fd, sa, sa.byteLength), "bind", "CN_IDX_PROC");
      this.control(PROC_CN_MCAST_LISTEN);
    } catch (e) {
      closeFd(this.fd);
      throw e;
    }
  }

  /** Sends a listen/ignore message and reads its acknowledgement (queued by the time send returns). */
  private control(op: number): void {
    const seq = (Math.random() * 0xfffffffe) >>> 0;
    const out = controlMessage(op, seq);
    const dst = sockaddrNl();
    const sent = orErrno(libc.sendto(this.fd, out, out.byteLength, 0, dst, dst.byteLength));
    if (sent < 0) {
      const hint = -sent === ECONNREFUSED ? "ECONNREFUSED: the proc connector serves the initial network namespace only" : "proc connector listen";
      throw new OsError("sendto", -sent, hint);
    }
    if (op !== PROC_CN_MCAST_LISTEN) return;
    const buf = alloc(8192);
    const msg = new MsgHdr();
    // Events queued between bind and send come first; the acknowledgement follows within a few.
    for (let reads = 0; reads < 4096; reads++) {
      msg.set(null, buf, null);
      const n = orErrno(libc.recvmsg(this.fd, msg.hdr, C.MSG_DONTWAIT));
      if (n === -4 /* EINTR */ || n === -105 /* ENOBUFS: others' events overflowed; ours follows */) continue;
      if (n < 0) throw new OsError("recvmsg", ETIMEDOUT, "no acknowledgement of the proc connector listen (another PID or user namespace?)");
      for (const m of parseMessages(buf, n)) {
        const err = ackError(m.body, seq);
        if (err === null) continue; // an event, or another listener's acknowledgement
        if (err !== 0) throw new OsError("proc connector listen", err);
        return;
      }
    }
    throw new OsError("recvmsg", ETIMEDOUT, "no acknowledgement of the proc connector listen among 4096 messages");
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.control(PROC_CN_MCAST_IGNORE); // the kernel counts listeners; it stops work at zero
    } catch {
      // closing anyway
    }
    closeFd(this.fd);
  }
}

/** The ProcessEvents port: one connector socket per listen, read by the rx Worker. */
export class LinuxProcessEvents implements ProcessEvents {
  constructor(private readonly rx: RxLoop) {}

  listen(h: ProcessEventHandlers): () => void {
    const sock = new ProcConnectorSocket();
    let open = true;
    this.rx.add(sock.fd, "netlink", (m) => {
      if (!open) return;
      if (m.t === "netlink") {
        if (this.rx.queued > BACKLOG_LIMIT) {
          stop();
          return h.failed(new Error(`more than ${BACKLOG_LIMIT} process event messages waiting (a fork storm): stopped so that adverts are not dropped`));
        }
        const events = decodeProcEvents(m.data);
        if (events.length > 0) h.events(events);
      } else if (m.t === "overrun") h.lost();
      else if (m.t === "error") {
        stop();
        h.failed(new OsError(m.syscall, m.errno, "proc connector"));
      }
    });
    const stop = () => {
      if (!open) return;
      open = false;
      this.rx.remove(sock.fd);
      sock.close();
    };
    return stop;
  }
}
