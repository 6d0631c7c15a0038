// The one receive thread: blocks in poll() on every registered socket plus an eventfd, drains
// each ready socket with recvmsg(MSG_DONTWAIT) and posts what it read to the main thread.
// Compiled binaries need this file as a second entry point, with the repository root as the
// entries' common root (rx.ts then finds it at ./src/os/linux/rx-worker.ts inside the executable):
//   bun build --compile --bytecode --format=esm main.ts src/os/linux/rx-worker.ts --outfile dist/vigil

import type { Family } from "../../protocol/types.ts";
import * as C from "./consts.ts";
import { ERRNO } from "./errors.ts";
import { formatIPv4, formatIPv6 } from "./inet.ts";
import { libc, orErrno, perfToMonotonicOffsetMs } from "./libc.ts";
import { alloc, MsgHdr, parseCmsgs, SOCKADDR_IN6_LEN, view } from "./structs.ts";
import {
  CODE_KIND, CTL_COUNT, CTL_ENTRIES, CTL_GEN, CTL_STOP, MAX_FDS, type RxInit, type RxKind, type RxWorkerMsg,
} from "./rx-protocol.ts";

declare const self: Worker;

const post = (m: RxWorkerMsg, transfer?: ArrayBuffer[]) => self.postMessage(m, transfer ?? []);

const BUF_LEN = 65536;
const MAX_PER_ROUND = 64; // datagrams read from one fd before giving the others a turn

function run(init: RxInit): void {
  const ctl = new Int32Array(init.control);
  const offsetMs = perfToMonotonicOffsetMs();
  const pollBuf = alloc(8 * (MAX_FDS + 1));
  const pv = view(pollBuf);
  const buf = alloc(BUF_LEN);
  const name = alloc(SOCKADDR_IN6_LEN);
  const control = alloc(512);
  const msg = new MsgHdr();
  const evBuf = alloc(8);

  let listGen = -1;
  let fds: number[] = [];
  let kinds: RxKind[] = [];

  const reload = (): void => {
    for (;;) {
      const g = Atomics.load(ctl, CTL_GEN);
      if (g & 1) continue; // writer in progress (a few stores; spin)
      const n = Atomics.load(ctl, CTL_COUNT);
      const f: number[] = [];
      const k: RxKind[] = [];
      for (let i = 0; i < n; i++) {
        f.push(Atomics.load(ctl, CTL_ENTRIES + 2 * i));
        k.push(CODE_KIND[Atomics.load(ctl, CTL_ENTRIES + 2 * i + 1)] ?? "netlink");
      }
      if (Atomics.load(ctl, CTL_GEN) !== g) continue;
      listGen = g;
      fds = f;
      kinds = k;
      pv.setInt32(0, init.eventFd, true);
      pv.setInt16(4, C.POLLIN, true);
      for (let i = 0; i < f.length; i++) {
        pv.setInt32(8 * (i + 1), f[i]!, true);
        pv.setInt16(8 * (i + 1) + 4, C.POLLIN, true);
      }
      return;
    }
  };

  const nowMono = () => performance.now() + offsetMs;

  /** Reads one datagram; returns false when the socket has nothing more (or failed). */
  const readOne = (fd: number, kind: RxKind): boolean => {
    const isV6 = kind === "vrrp6";
    msg.set(kind === "netlink" ? null : name, buf, kind === "netlink" ? null : control);
    const n = orErrno(libc.recvmsg(fd, msg.hdr, C.MSG_DONTWAIT));
    const rxMono = nowMono();
    if (n < 0) {
      const e = -n;
      if (e === ERRNO.EAGAIN || e === ERRNO.EINTR) return false;
      if (e === ERRNO.ENOBUFS && kind === "netlink") {
        post({ t: "overrun", fd });
        return true;
      }
      post({ t: "error", fd, syscall: "recvmsg", errno: e });
      return false;
    }
    // A datagram read across a table change may come from a reused fd number: drop it.
    if (Atomics.load(ctl, CTL_GEN) !== listGen) return false;
    if (kind === "netlink") {
      const data = buf.slice(0, n);
      post({ t: "netlink", fd, data, rxMono }, [data.buffer as ArrayBuffer]);
      return true;
    }
    let ifindex = 0;
    let ttl = -1;
    let dst = "";
    for (const c of parseCmsgs(control, msg.controlLen)) {
      const dv = view(c.data);
      if (!isV6 && c.level === C.IPPROTO_IP && c.type === C.IP_PKTINFO && c.data.byteLength >= 12) {
        ifindex = dv.getInt32(0, true);
      } else if (!isV6 && c.level === C.IPPROTO_IP && c.type === C.IP_TTL && c.data.byteLength >= 4) {
        ttl = dv.getInt32(0, true);
      } else if (isV6 && c.level === C.IPPROTO_IPV6 && c.type === C.IPV6_PKTINFO && c.data.byteLength >= 20) {
        dst = formatIPv6(c.data, 0);
        ifindex = dv.getUint32(16, true);
      } else if (isV6 && c.level === C.IPPROTO_IPV6 && c.type === C.IPV6_HOPLIMIT && c.data.byteLength >= 4) {
        ttl = dv.getInt32(0, true);
      }
    }
    let family: Family;
    let src: string;
    let payload: Uint8Array;
    if (isV6) {
      family = 6;
      src = formatIPv6(name, 8);
      payload = buf.slice(0, n);
    } else {
      // IPv4 raw sockets deliver the IP header: strip it (IHL), read TTL and addresses from it.
      family = 4;
      if (n < 20) return true;
      const ihl = (buf[0]! & 0x0f) * 4;
      if (ihl < 20 || ihl > n) return true;
      ttl = buf[8]!;
      src = formatIPv4(buf, 12);
      dst = formatIPv4(buf, 16);
      payload = buf.slice(ihl, n);
    }
    post({ t: "dgram", fd, family, ifindex, src, dst, ttl, payload, rxMono }, [payload.buffer as ArrayBuffer]);
    return true;
  };

  post({ t: "ready" });
  while (Atomics.load(ctl, CTL_STOP) === 0) {
    if (Atomics.load(ctl, CTL_GEN) !== listGen) reload();
    const r = orErrno(libc.poll(pollBuf, fds.length + 1, -1));
    if (r < 0) {
      if (-r === ERRNO.EINTR) continue;
      post({ t: "error", fd: -1, syscall: "poll", errno: -r });
      break;
    }
    if (pv.getInt16(6, true) !== 0) libc.read(init.eventFd, evBuf, 8);
    if (Atomics.load(ctl, CTL_GEN) !== listGen) continue; // table changed: re-read before reading fds
    for (let i = 0; i < fds.length; i++) {
      const off = 8 * (i + 1);
      const rev = pv.getInt16(off + 6, true);
      if (rev === 0) continue;
      if (rev & C.POLLNVAL) {
        pv.setInt32(off, -1, true); // closed under us; ignored until the table changes
        continue;
      }
      for (let j = 0; j < MAX_PER_ROUND && readOne(fds[i]!, kinds[i]!); j++);
    }
  }
  post({ t: "stopped" });
}

self.onmessage = (e: MessageEvent) => {
  const m = e.data as RxInit;
  if (m && m.t === "init") run(m);
};
