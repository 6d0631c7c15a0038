// rtnetlink by hand: message building, attribute parsing and a synchronous request/ack socket.

import * as C from "./consts.ts";
import { OsError } from "./errors.ts";
import { check, closeFd, libc, orErrno } from "./libc.ts";
import { setInt, trySetInt } from "./sockopt.ts";
import { alloc, MsgHdr, SOCKADDR_NL_LEN, sockaddrNl, view } from "./structs.ts";

export const NLMSG_HDRLEN = 16;
const align4 = (n: number) => (n + 3) & ~3;

/** Builds one netlink message: header + fixed family struct + attributes. */
export class NlMessage {
  private parts: Uint8Array[] = [];
  private len = NLMSG_HDRLEN;
  constructor(
    readonly type: number,
    readonly flags: number,
    fixed: Uint8Array,
  ) {
    this.push(fixed);
  }
  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.len += b.byteLength;
  }
  attr(type: number, data: Uint8Array): this {
    const total = 4 + data.byteLength;
    const b = new Uint8Array(align4(total));
    const v = view(b);
    v.setUint16(0, total, true);
    v.setUint16(2, type, true);
    b.set(data, 4);
    return (this.push(b), this);
  }
  u32(type: number, value: number): this {
    const b = new Uint8Array(4);
    view(b).setUint32(0, value >>> 0, true);
    return this.attr(type, b);
  }
  str(type: number, s: string): this {
    return this.attr(type, new TextEncoder().encode(`${s}\0`));
  }
  encode(seq: number): Uint8Array<ArrayBuffer> {
    const out = alloc(this.len);
    const v = view(out);
    v.setUint32(0, this.len, true);
    v.setUint16(4, this.type, true);
    v.setUint16(6, this.flags, true);
    v.setUint32(8, seq >>> 0, true);
    v.setUint32(12, 0, true);
    let off = NLMSG_HDRLEN;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.byteLength;
    }
    return out;
  }
}

export interface NlMsg {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** Payload after the 16-byte header. */
  body: Uint8Array;
}

/** Splits a datagram into netlink messages. */
export function parseMessages(buf: Uint8Array, length = buf.byteLength): NlMsg[] {
  const v = view(buf);
  const out: NlMsg[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= length) {
    const len = v.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > length) break;
    out.push({
      type: v.getUint16(off + 4, true),
      flags: v.getUint16(off + 6, true),
      seq: v.getUint32(off + 8, true),
      pid: v.getUint32(off + 12, true),
      body: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Attributes (rtattr/nlattr) of `b` starting at `off`: type → data (last one wins). */
export function parseAttrs(b: Uint8Array, off: number): Map<number, Uint8Array> {
  const v = view(b);
  const out = new Map<number, Uint8Array>();
  while (off + 4 <= b.byteLength) {
    const len = v.getUint16(off, true);
    if (len < 4 || off + len > b.byteLength) break;
    out.set(v.getUint16(off + 2, true) & 0x3fff, b.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

export function attrString(a: Uint8Array | undefined): string | undefined {
  if (!a) return undefined;
  const z = a.indexOf(0);
  return new TextDecoder().decode(z >= 0 ? a.subarray(0, z) : a);
}

export function attrU32(a: Uint8Array | undefined): number | undefined {
  return a && a.byteLength >= 4 ? view(a).getUint32(0, true) : undefined;
}

export interface NetlinkOptions {
  /** Multicast groups to join (RTMGRP_*); 0 for a request socket. */
  groups?: number;
  /** How long a request waits for its answer. */
  timeoutMs?: number;
  /** Non-blocking (for sockets read by the rx worker). */
  nonBlocking?: boolean;
  receiveBufferBytes?: number;
}

const RECV_LEN = 65536;

/** One NETLINK_ROUTE socket. Requests are synchronous: send, then read until ack / DONE. */
export class NetlinkSocket {
  readonly fd: number;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly buf = alloc(RECV_LEN);
  private readonly from = alloc(SOCKADDR_NL_LEN);
  private readonly msg = new MsgHdr();

  constructor(opts: NetlinkOptions = {}) {
    const type = C.SOCK_RAW | C.SOCK_CLOEXEC | (opts.nonBlocking ? C.SOCK_NONBLOCK : 0);
    this.fd = check(libc.socket(C.AF_NETLINK, type, C.NETLINK_ROUTE), "socket", "AF_NETLINK");
    try {
      if (opts.receiveBufferBytes) {
        if (!trySetInt(this.fd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, opts.receiveBufferBytes)) {
          setInt(this.fd, C.SOL_SOCKET, C.SO_RCVBUF, opts.receiveBufferBytes, "SO_RCVBUF");
        }
      }
      trySetInt(this.fd, C.SOL_NETLINK, C.NETLINK_EXT_ACK, 1); // kernel error text in acks
      if (!opts.nonBlocking) {
        const ms = opts.timeoutMs ?? 1000;
        const tv = alloc(16);
        const v = view(tv);
        v.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
        v.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
        check(libc.setsockopt(this.fd, C.SOL_SOCKET, C.SO_RCVTIMEO, tv, 16), "setsockopt", "SO_RCVTIMEO");
      }
      const sa = sockaddrNl(opts.groups ?? 0);
      check(libc.bind(this.fd, sa, sa.byteLength), "bind", "AF_NETLINK");
    } catch (e) {
      closeFd(this.fd);
      throw e;
    }
  }

  /**
   * Sends `m` and collects replies with its sequence number until NLMSG_DONE (dumps) or the ack.
   * Throws OsError(syscall = `what`) for a negative NLMSG_ERROR, with the kernel's message if any.
   */
  request(m: NlMessage, what: string): NlMsg[] {
    const seq = ++this.seq >>> 0;
    const out = m.encode(seq);
    const dst = sockaddrNl();
    const sent = check(libc.sendto(this.fd, out, out.byteLength, 0, dst, dst.byteLength), "sendto", what);
    if (sent !== out.byteLength) throw new OsError("sendto", 5, /* EIO */ `${what}: short write`);
    const dump = (m.flags & C.NLM_F_DUMP) === C.NLM_F_DUMP;
    const replies: NlMsg[] = [];
    for (;;) {
      const n = this.recv(what);
      for (const r of parseMessages(this.buf, n)) {
        if (r.seq !== seq) continue; // stale answer to an earlier timed-out request
        if (r.type === C.NLMSG_DONE) return replies;
        if (r.type === C.NLMSG_ERROR) {
          const err = view(r.body).getInt32(0, true);
          if (err === 0) {
            if (!dump) return replies;
            continue;
          }
          throw new OsError(what, -err, extAckMessage(r));
        }
        replies.push({ ...r, body: r.body.slice() });
        if (!dump && (m.flags & C.NLM_F_ACK) === 0 && (r.flags & C.NLM_F_MULTI) === 0) return replies;
      }
    }
  }

  /** One recvmsg into the internal buffer; returns the byte count (the buffer is reused). */
  private recv(what: string): number {
    for (;;) {
      this.msg.set(this.from, this.buf, null);
      const n = orErrno(libc.recvmsg(this.fd, this.msg.hdr, 0));
      if (n >= 0) return n;
      if (-n === 4 /* EINTR */) continue;
      if (-n === 11 /* EAGAIN: SO_RCVTIMEO expired */) throw new OsError(what, 110, /* ETIMEDOUT */ "no netlink answer");
      throw new OsError("recvmsg", -n, what);
    }
  }

  close(): void {
    closeFd(this.fd);
  }
}

function extAckMessage(r: NlMsg): string | undefined {
  if ((r.flags & C.NLM_F_ACK_TLVS) === 0 || r.body.byteLength < 4 + NLMSG_HDRLEN) return undefined;
  // struct nlmsgerr { int error; struct nlmsghdr msg; } then (unless capped) the request payload.
  const inner = view(r.body).getUint32(4, true);
  const off = 4 + ((r.flags & C.NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : align4(inner));
  return attrString(parseAttrs(r.body, off).get(C.NLMSGERR_ATTR_MSG));
}
