// The io thread: blocks in poll() on every registered socket, an eventfd (commands, table changes)
// and a timerfd (TFD_TIMER_ABSTIME, CLOCK_MONOTONIC). It
//  - sends the periodic adverts of every master at their deadline (bytes pre-encoded by the main
//    thread, handed over when they change) and posts each result (errno per packet) back, so a GC
//    pause or a long task on the main thread cannot delay an advert;
//  - expires the main thread's timers (master-down, skew, …) at their deadline and posts the expiry;
//  - drains each ready socket with recvmsg(MSG_DONTWAIT) and posts what it read, through a bounded
//    queue: past CTL_QUEUE_CAP unhandled datagrams, VRRP datagrams are dropped and counted.
// Timers and adverts go before reading sockets, and a long read round stops when a deadline is due.
// Only this thread runs SCHED_RR when realtime is on (with SCHED_RESET_ON_FORK).
// Compiled binaries need this file as a second entry point, with the repository root as the
// entries' common root (packaging/build.ts; rx.ts then finds it at ./src/os/linux/rx-worker.ts).

import { receiveMessageOnPort } from "node:worker_threads";
import type { Family } from "../../protocol/types.ts";
import * as C from "./consts.ts";
import { ERRNO } from "./errors.ts";
import { formatIPv4, formatIPv6 } from "./inet.ts";
import { errno, libc, orErrno, perfToMonotonicOffsetMs, realtimeMs } from "./libc.ts";
import { RxMeta, threadId } from "./rx-meta.ts";

import { type WatchDown, watchIndex, WatchTable } from "./advert-watch.ts";
import { BurstGuard } from "./burst-guard.ts";
import { prepare, type Slot } from "./paced-send.ts";
import { SentRingWriter } from "./sent-ring.ts";
import { readFdTable } from "./fd-table.ts";
import { SlotHeap } from "./slot-heap.ts";
import { alloc, MsgHdr, setItimerValue, SOCKADDR_IN6_LEN, view } from "./structs.ts";
import {
  CTL_GEN,
  CTL_INFLIGHT,
  CTL_OVERFLOW,
  CTL_QUEUE_CAP,
  CTL_REPEATS,
  CTL_STOP,
  type IoCommand,
  type IoFireMsg,
  type IoSentMsg,
  type IoWatchDownMsg,
  MAX_FDS,
  type RxInit,
  type RxKind,
  type RxWorkerMsg,
  SLOT_ARMED,
  SLOT_SENDING,
} from "./rx-protocol.ts";

declare const self: Worker;

const post = (m: RxWorkerMsg, transfer?: ArrayBuffer[]) => self.postMessage(m, transfer ?? []);

const BUF_LEN = 65536;
/** Datagrams past the queue's cap from a watched master (spoofable, so bounded too). */
const MASTER_HEADROOM = 256;
const MAX_PER_ROUND = 64; // datagrams read from one fd before giving the others a turn
const FIXED = 2; // poll slots 0 (eventfd) and 1 (timerfd) come before the sockets

function run(init: RxInit): void {
  const ctl = new Int32Array(init.control);
  const slotWords = new Int32Array(init.slots);
  const ringWake = { t: "sent-ring" } as const;
  const sent = new SentRingWriter(init.sentRing, ctl, () => post(ringWake));
  const offsetMs = perfToMonotonicOffsetMs();
  const pollBuf = alloc(8 * (MAX_FDS + FIXED));
  const pv = view(pollBuf);
  const buf = alloc(BUF_LEN);
  const name = alloc(SOCKADDR_IN6_LEN);
  const control = alloc(512);
  // Set once (the pointers are BigInts): before each recvmsg only the lengths are restored.
  const vrrpMsg = new MsgHdr().set(name, buf, control);
  const netlinkMsg = new MsgHdr().set(null, buf, null);
  const evBuf = alloc(8);
  const burst = new BurstGuard(ctl);
  const itimer = alloc(32); // struct itimerspec { interval, value }, each { tv_sec, tv_nsec }
  const iv = view(itimer);
  const timerFd = libc.timerfd_create(C.CLOCK_MONOTONIC, C.TFD_NONBLOCK | C.TFD_CLOEXEC);
  if (timerFd < 0) {
    post({ t: "error", fd: -1, syscall: "timerfd_create", errno: errno() });
    return;
  }

  let listGen = -1;
  let fds: number[] = [];
  let kinds: RxKind[] = [];

  /** Main-thread timers: id → CLOCK_MONOTONIC deadline. */
  const timers = new Map<number, number>();
  const slots = new SlotHeap<Slot>();
  const watches = new WatchTable(slotWords);
  /** Earliest deadline of both (Infinity: none); recomputed when it fired or may have moved later. */
  let nextDue = Infinity;
  let armedAt = -1; // what the timerfd is armed for (-1: disarmed)

  const nowMono = () => performance.now() + offsetMs;

  // The paced path allocates nothing per advert (no iterators, BigInts or fresh messages: what
  // postMessage needs it copies at the call), so the worker's GC has nothing to collect between
  // two adverts and cannot pause the thread in front of one.
  let earliest = Infinity;
  const minTimer = (at: number): void => {
    if (at < earliest) earliest = at;
  };
  const recompute = (): void => {
    earliest = sent.flushAt;
    timers.forEach(minTimer);
    if (watches.due < earliest) earliest = watches.due;
    const s = slots.peekNext();
    nextDue = s < earliest ? s : earliest;
  };

  const armTimerFd = (): void => {
    if (nextDue === armedAt) return;
    setItimerValue(iv, nextDue);
    libc.timerfd_settime(timerFd, nextDue === Infinity ? 0 : C.TFD_TIMER_ABSTIME, itimer, null);
    armedAt = nextDue;
  };

  const command = (m: IoCommand): void => {
    switch (m.c) {
      case "timer":
        timers.set(m.id, m.at);
        if (m.at < nextDue) nextDue = m.at;
        return;
      case "clear":
        timers.delete(m.id); // nextDue may now be early: a spurious wake-up recomputes it
        return;
      case "pace": {
        slots.set({ key: m.key, word: m.word, next: m.at, interval: m.interval, sends: m.packets.map(prepare), errnos: m.packets.map(() => 0) });
        if (m.at < nextDue) nextDue = m.at;
        return;
      }
      case "unpace":
        slots.delete(m.key);
        return;
      case "watch":
        m.takeover.forEach(prepare);
        watches.set(m);
        if (m.deadline < nextDue) nextDue = m.deadline;
        return;
      case "unwatch":
        watches.delete(m.key);
        return;
      case "rt": {
        const param = alloc(4);
        view(param).setInt32(0, m.priority, true);
        const policy = m.priority > 0 ? C.SCHED_RR | C.SCHED_RESET_ON_FORK : C.SCHED_OTHER | C.SCHED_RESET_ON_FORK;
        const r = libc.sched_setscheduler(0, policy, param);
        if (r === 0) burst.realtime = m.priority > 0;
        post({ t: "rt", ok: r === 0, errno: r === 0 ? 0 : errno(), tid: threadId() });
        return;
      }
    }
  };

  const drainCommands = (): void => {
    for (;;) {
      const r = receiveMessageOnPort(init.port as unknown as import("node:worker_threads").MessagePort);
      if (!r) return;
      command(r.message as IoCommand);
    }
  };

  const sentMsg: IoSentMsg = { t: "sent", key: 0, word: 0, at: 0, mono: 0, next: 0, errnos: [] };
  const fireMsg: IoFireMsg = { t: "fire", id: 0, mono: 0 };
  const downMsg: IoWatchDownMsg = { t: "watch-down", key: 0, word: 0, mono: 0, errnos: null };
  const watchDown: WatchDown = (key, word, mono, takeover) => {
    // RFC 5798 §6.4.2, Master_Down fired: the advert first. Only while the main thread has no
    // datagram of ours still to handle: any that reached its FSM ended the watch (its word is no
    // longer armed), and one waiting there might have.
    let errnos: number[] | null = null;
    if (takeover.length > 0 && Atomics.load(ctl, CTL_INFLIGHT) === 0) {
      errnos = [];
      for (const t of takeover) {
        const r = orErrno(libc.sendmsg(t.fd, t.msg, 0));
        errnos.push(r < 0 ? -r : 0);
      }
      burst.sent(takeover.length); // a mass failover is a burst too
    }
    downMsg.key = key;
    downMsg.word = word;
    downMsg.mono = mono;
    downMsg.errnos = errnos;
    post(downMsg);
    return errnos !== null;
  };
  const soonMsg = { t: "watch-soon", key: 0, word: 0 } as { t: "watch-soon"; key: number; word: number };
  const watchSoon = (key: number, word: number): void => {
    soonMsg.key = key;
    soonMsg.word = word;
    post(soonMsg);
  };
  const repeat = (key: number, word: number, rxMono: number): boolean => {
    if (!sent.writeRepeat(key, word, rxMono)) return false;
    Atomics.add(ctl, CTL_REPEATS, 1);
    return true;
  };

  /** Sends one paced advert if its slot is still armed with the same generation; returns the packets sent. */
  const sendSlot = (sl: Slot, wake: number): number => {
    const key = sl.key;
    const at = sl.next;
    const w = sl.word;
    if (Atomics.compareExchange(slotWords, key, w, w - SLOT_ARMED + SLOT_SENDING) !== w) {
      slots.delete(key); // cancelled or re-armed: a newer "pace" command carries the new schedule
      return 0;
    }
    for (let i = 0; i < sl.sends.length; i++) {
      const r = orErrno(libc.sendmsg(sl.sends[i]!.fd, sl.sends[i]!.msg, 0));
      sl.errnos[i] = r < 0 ? -r : 0;
    }
    // As the FSM does: the next deadline counts from the ideal one; after a stall, from now.
    const ideal = at + sl.interval;
    sl.next = ideal > wake ? ideal : wake + sl.interval;
    if (!sent.write(key, w, at, wake, sl.next, sl.errnos)) {
      sentMsg.key = key;
      sentMsg.word = w;
      sentMsg.at = at;
      sentMsg.mono = wake;
      sentMsg.next = sl.next;
      sentMsg.errnos = sl.errnos;
      post(sentMsg);
    }
    // Released only once reported: when the main thread's stop() returns (it spins while SENDING),
    // every advert of the schedule is in the ring or the message queue, and none is lost.
    Atomics.store(slotWords, key, w);
    return sl.sends.length;
  };

  let dueNow = 0;
  const dueTimer = (at: number, id: number): void => {
    if (at > dueNow) return;
    timers.delete(id);
    fireMsg.id = id;
    fireMsg.mono = dueNow;
    post(fireMsg);
  };

  /** Everything due: paced adverts first (they go on the wire), then timer expiries. */
  const runDue = (): void => {
    dueNow = nowMono();
    if (dueNow < nextDue) return;
    burst.start();
    for (let sl = slots.due(dueNow); sl !== null; sl = slots.due(dueNow)) {
      burst.sent(sendSlot(sl, dueNow)); // moves its deadline on, or removes it (cancelled)
      if (!sl.dead) slots.resort();
      dueNow = nowMono();
    }
    timers.forEach(dueTimer);
    watches.expire(dueNow, watchDown, watchSoon);
    sent.flushIfDue(dueNow);
    recompute();
  };

  const reload = (): void => {
    ({ gen: listGen, fds, kinds } = readFdTable(ctl));
    pv.setInt32(0, init.eventFd, true);
    pv.setInt16(4, C.POLLIN, true);
    pv.setInt32(8, timerFd, true);
    pv.setInt16(12, C.POLLIN, true);
    for (let i = 0; i < fds.length; i++) {
      pv.setInt32(8 * (i + FIXED), fds[i]!, true);
      pv.setInt16(8 * (i + FIXED) + 4, C.POLLIN, true);
    }
  };

  let dropped = false;

  const meta = new RxMeta(control);

  /** Reads one datagram; returns false when the socket has nothing more (or failed). */
  const readOne = (fd: number, kind: RxKind): boolean => {
    const isV6 = kind === "vrrp6";
    const msg = kind === "netlink" ? netlinkMsg : vrrpMsg;
    const n = orErrno(libc.recvmsg(fd, msg.reset().hdr, C.MSG_DONTWAIT));
    let rxMono = nowMono();
    const rxRealNowMs = kind === "netlink" ? 0 : realtimeMs(); // read together with rxMono
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
      Atomics.add(ctl, CTL_INFLIGHT, 1);
      post({ t: "netlink", fd, data, rxMono }, [data.buffer as ArrayBuffer]);
      return true;
    }
    meta.read(isV6, msg.controlLen, rxRealNowMs);
    rxMono -= meta.ageMs;
    const ifindex = meta.ifindex;
    let ttl = meta.ttl;
    const dstOff = meta.dstOff;
    // IPv4 raw sockets deliver the IP header: the payload starts after it (IHL); TTL and
    // addresses are read from it.
    let payOff = 0;
    if (!isV6) {
      if (n < 20) return true;
      payOff = (buf[0]! & 0x0f) * 4;
      if (payOff < 20 || payOff > n) return true;
      ttl = buf[8]!;
    }
    // A backup's steady state: a repeat of the advert its FSM last handled stays on this thread.
    const index = n > payOff + 1 && (isV6 ? dstOff >= 0 : true) ? watchIndex(ifindex, isV6, buf[payOff + 1]!) : -1;
    if (index >= 0) {
      const matched = isV6
        ? watches.match(index, name, 8, control, dstOff, ttl, buf, 0, n, rxMono, repeat)
        : watches.match(index, buf, 12, buf, 16, ttl, buf, payOff, n - payOff, rxMono, repeat);
      if (matched) return true;
    }
    // The bounded queue: netlink above is never dropped (state), VRRP datagrams are past the cap,
    // except within MASTER_HEADROOM those from the master a backup watches: its advert that changed
    // (priority, addresses) must reach the FSM during a flood, or Master_Down expires on a live master.
    const inflight = Atomics.load(ctl, CTL_INFLIGHT);
    const cap = Atomics.load(ctl, CTL_QUEUE_CAP);
    if (inflight >= cap && !(inflight < cap + MASTER_HEADROOM && index >= 0 && watches.fromMaster(index, isV6 ? name : buf, isV6 ? 8 : 12))) {
      Atomics.add(ctl, CTL_OVERFLOW, 1);
      dropped = true;
      return true;
    }
    const family: Family = isV6 ? 6 : 4;
    const src = isV6 ? formatIPv6(name, 8) : formatIPv4(buf, 12);
    const dst = isV6 ? (dstOff >= 0 ? formatIPv6(control, dstOff) : "") : formatIPv4(buf, 16);
    const payload = buf.slice(payOff, n);
    Atomics.add(ctl, CTL_INFLIGHT, 1);
    post({ t: "dgram", fd, family, ifindex, src, dst, ttl, payload, rxMono }, [payload.buffer as ArrayBuffer]);
    return true;
  };

  drainCommands();
  post({ t: "ready", tid: threadId() });
  while (Atomics.load(ctl, CTL_STOP) === 0) {
    if (Atomics.load(ctl, CTL_GEN) !== listGen) reload();
    runDue();
    armTimerFd();
    // After a round that dropped (queue full), sleep 1 ms on eventfd + timerfd only: a flood then
    // costs a bounded share of the CPU, and the thread blocks (RLIMIT_RTTIME restarts) even at SCHED_RR.
    const r = dropped ? orErrno(libc.poll(pollBuf, FIXED, 1)) : orErrno(libc.poll(pollBuf, fds.length + FIXED, -1));
    const polledAll = !dropped;
    dropped = false;
    if (r < 0) {
      if (-r === ERRNO.EINTR) continue;
      post({ t: "error", fd: -1, syscall: "poll", errno: -r });
      break;
    }
    if (pv.getInt16(6, true) !== 0) {
      libc.read(init.eventFd, evBuf, 8);
      drainCommands();
    }
    // The timerfd expired: not read (a syscall per advert) — re-arming it below resets its count
    // of expirations (timerfd_settime), and so its readiness.
    if (pv.getInt16(14, true) !== 0) armedAt = -1;
    runDue();
    if (!polledAll || r === 0) continue;
    if (Atomics.load(ctl, CTL_GEN) !== listGen) continue; // table changed: re-read before reading fds
    for (let i = 0; i < fds.length; i++) {
      const off = 8 * (i + FIXED);
      const rev = pv.getInt16(off + 6, true);
      if (rev === 0) continue;
      if (rev & C.POLLNVAL) {
        pv.setInt32(off, -1, true); // closed under us; ignored until the table changes
        continue;
      }
      for (let j = 0; j < MAX_PER_ROUND && readOne(fds[i]!, kinds[i]!); j++) {
        if (nowMono() >= nextDue) runDue(); // a deadline does not wait for the end of a read round
      }
    }
  }
  libc.close(timerFd);
  post({ t: "stopped" });
}

self.onmessage = (e: MessageEvent) => {
  const m = e.data as RxInit;
  if (m && m.t === "init") run(m);
};
