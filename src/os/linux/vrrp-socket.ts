// VrrpTransport over raw IP protocol 112 sockets: one socket per interface and family, shared by
// every instance on it; received through the RxLoop worker, sent with sendmsg + PKTINFO so the
// source address is exactly the one the runtime chose: periodic adverts by the io thread at their
// deadline (`pacer`), a backup's takeover advert by the io thread when its Master_Down fires
// (`watcher`), the others (first advert after a preemption, priority 0, RFC 9568 answers) from the
// main thread at once.
//
// IPv6 checksum: by default we do NOT set IPV6_CHECKSUM. The protocol core computes the VRRPv3
// checksum over the pseudo-header itself (the same value the kernel would write, since PKTINFO
// pins the source), and on receive a bad checksum reaches the core, which counts it as a drop
// reason an operator can see. With IPV6_CHECKSUM=6 the kernel would overwrite it on send and
// silently discard bad ones on receive. `kernelChecksum6: true` selects that behaviour.

import type { Family } from "../../protocol/types.ts";
import type {
  AdvertPacer,
  AdvertWatcher,
  PacedAdvert,
  ReceivedDatagram,
  TakeoverAdvert,
  TimerHandle,
  VrrpTransport,
  WatchEvents,
} from "../../runtime/ports.ts";
import * as C from "./consts.ts";
import { OsError } from "./errors.ts";
import { isUnspecified, parseAddress } from "./inet.ts";
import { check, closeFd, libc } from "./libc.ts";
import type { PacedPacket, RxFdMsg, RxLoop } from "./rx.ts";
import { packSend } from "./paced-send.ts";
import { bindToDevice, setBytes, setInt, trySetInt } from "./sockopt.ts";
import { alloc, ipMreqn, ipv6Mreq, MsgHdr, sendRoute } from "./structs.ts";

export const VRRP_GROUP4 = "224.0.0.18";
export const VRRP_GROUP6 = "ff02::12";
const VRRP_TTL = 255; // RFC 5798 §5.1.1.3 / §5.1.2.3
const MAX_PAYLOAD = 1500;

export interface LinuxVrrpTransportOptions {
  rx: RxLoop;
  /** IPv6: let the kernel compute/verify the checksum (IPV6_CHECKSUM = 6). Default false. */
  kernelChecksum6?: boolean;
  /** SO_RCVBUF in bytes (default: kernel default). */
  receiveBufferBytes?: number;
  /** A receive socket reported an error (recvmsg failed in the rx Worker). */
  onError?: (e: OsError) => void;
  /** false: never pace (all adverts from the main thread), even after enablePacing(). */
  pace?: boolean;
}

interface Sock {
  fd: number;
  ifname: string;
  ifindex: number;
  family: Family;
  msg: MsgHdr;
  /** sockaddr + pktinfo cmsg per "dst|src", kept alive here for the kernel pointers. */
  routes: Map<string, { name: Uint8Array; control: Uint8Array }>;
  data: Uint8Array<ArrayBuffer>;
}

const key = (ifindex: number, family: Family) => `${ifindex}/${family}`;

export class LinuxVrrpTransport implements VrrpTransport {
  private readonly socks = new Map<string, Sock>();
  private listeners: ((d: ReceivedDatagram) => void)[] = [];
  private readonly opts: LinuxVrrpTransportOptions;

  private readonly advertPacer: AdvertPacer | undefined;
  /** Periodic adverts from the io thread: off until enablePacing() (LinuxPorts.useIoTiming()). */
  private pacing = false;
  private readonly paced = new Map<number, { slot: number; sock: Sock }>();
  private nextPaceId = 1;
  private readonly advertWatcher: AdvertWatcher = { start: (...a) => this.startWatch(...a), stop: (h) => this.stopWatch(h) };
  /** Watch handle id → the io thread's key, and the socket its takeover advert leaves from. */
  private readonly watched = new Map<number, { key: number; sock: Sock | null }>();

  constructor(opts: LinuxVrrpTransportOptions) {
    this.opts = opts;
    this.advertPacer = opts.pace === false ? undefined : { start: (...a) => this.startPace(...a), stop: (h) => this.stopPace(h) };
  }

  get pacer(): AdvertPacer | undefined {
    return this.pacing ? this.advertPacer : undefined;
  }

  /** With pacing: repeats of a backup's adverts stay on the io thread too. */
  get watcher(): AdvertWatcher | undefined {
    return this.pacing ? this.advertWatcher : undefined;
  }

  private startWatch(d: ReceivedDatagram, deadlineMs: number, downMs: number, on: WatchEvents, t?: TakeoverAdvert): TimerHandle | null {
    if (!this.opts.rx.available || d.ttl < 0 || d.dst === "") return null;
    const takeover = t ? this.pacedPackets(t.ifindex, t.family, t.packets, t.src) : null;
    const a = {
      family: d.family,
      ifindex: d.ifindex,
      src: parseAddress(d.family, d.src),
      dst: parseAddress(d.family, d.dst),
      ttl: d.ttl,
      payload: d.payload.slice(),
    };
    const id = this.nextPaceId++;
    const key = this.opts.rx.watch(a, deadlineMs, downMs, {
      repeat: (rxMs) => on.repeat(rxMs),
      soon: () => on.soon(),
      down: (sent) => {
        this.watched.delete(id);
        const what = (i: number) => `VRRP IPv${t?.family} ${t?.src || "*"} > ${t?.packets[i]?.dst} (takeover)`;
        on.down(sent && { atMs: sent.atMs, nextAtMs: sent.atMs, errors: sent.errnos.map((e, i) => (e === 0 ? null : new OsError("sendmsg", e, what(i)))) });
      },
    }, takeover?.list ?? []);
    this.watched.set(id, { key, sock: takeover?.sock ?? null });
    return { id };
  }

  private stopWatch(h: TimerHandle): boolean {
    const w = this.watched.get(h.id);
    if (w === undefined) return false;
    this.watched.delete(h.id);
    return this.opts.rx.unwatch(w.key);
  }

  settle(): void {
    this.opts.rx.settle();
  }

  enablePacing(on = true): void {
    this.pacing = on;
  }

  /** Adverts handled on the io thread alone (watched repeats), since start. */
  get repeats(): number {
    return this.opts.rx.repeatCount;
  }

  /** Overflow drops of the receive queue (all sockets), since start. */
  get queueOverflows(): number {
    return this.opts.rx.overflowCount;
  }

  private startPace(
    ifindex: number,
    family: Family,
    packets: readonly { dst: string; bytes: Uint8Array }[],
    src: string,
    atMs: number,
    intervalMs: number,
    onSent: (r: PacedAdvert) => void,
  ): TimerHandle | null {
    const paced = this.opts.rx.available ? this.pacedPackets(ifindex, family, packets, src) : null;
    if (!paced) return null;
    const { list, sock } = paced;
    const what = (i: number) => `VRRP IPv${family} ${src || "*"} > ${packets[i]!.dst} on ${sock.ifname} (paced)`;
    const slot = this.opts.rx.pace(
      list,
      atMs,
      intervalMs,
      (r) => onSent({ atMs: r.atMs, nextAtMs: r.nextAtMs, errors: r.errnos.map((e, i) => (e === 0 ? null : new OsError("sendmsg", e, what(i)))) }),
    );
    const id = this.nextPaceId++;
    this.paced.set(id, { slot, sock });
    return { id };
  }

  /** The io thread's copy of adverts to send from `src` on the socket of (ifindex, family); null: none open. */
  private pacedPackets(
    ifindex: number,
    family: Family,
    packets: readonly { dst: string; bytes: Uint8Array }[],
    src: string,
  ): { list: PacedPacket[]; sock: Sock } | null {
    const s = this.socks.get(key(ifindex, family));
    if (!s) return null;
    const srcBytes = isUnspecified(src) ? new Uint8Array(family === 4 ? 4 : 16) : parseAddress(family, src);
    const list = packets.map((p) => {
      if (p.bytes.byteLength > MAX_PAYLOAD) throw new OsError("sendmsg", 90, /* EMSGSIZE */ `${p.bytes.byteLength} bytes`);
      return { fd: s.fd, msg: packSend(family, ifindex, parseAddress(family, p.dst), srcBytes, p.bytes) };
    });
    return { list, sock: s };
  }

  /** Idempotent: handles are never reused (the io thread's slots are). */
  private stopPace(h: TimerHandle): void {
    const p = this.paced.get(h.id);
    if (!p) return;
    this.paced.delete(h.id);
    this.opts.rx.stopPace(p.slot);
  }

  open(ifname: string, ifindex: number, family: Family): void {
    const k = key(ifindex, family);
    if (this.socks.has(k)) return;
    const fd = check(
      libc.socket(family === 4 ? C.AF_INET : C.AF_INET6, C.SOCK_RAW | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, C.IPPROTO_VRRP),
      "socket",
      `raw VRRP IPv${family}`,
    );
    try {
      if (family === 4) this.setup4(fd, ifname, ifindex);
      else this.setup6(fd, ifname, ifindex);
      if (this.opts.receiveBufferBytes) setInt(fd, C.SOL_SOCKET, C.SO_RCVBUF, this.opts.receiveBufferBytes, "SO_RCVBUF");
    } catch (e) {
      closeFd(fd);
      throw e;
    }
    const sock: Sock = { fd, ifname, ifindex, family, msg: new MsgHdr(), data: alloc(MAX_PAYLOAD), routes: new Map() };
    this.socks.set(k, sock);
    this.opts.rx.add(fd, family === 4 ? "vrrp4" : "vrrp6", (m) => this.deliver(m));
  }

  private setup4(fd: number, ifname: string, ifindex: number): void {
    bindToDevice(fd, ifname);
    setInt(fd, C.IPPROTO_IP, C.IP_MULTICAST_TTL, VRRP_TTL, "IP_MULTICAST_TTL");
    setInt(fd, C.IPPROTO_IP, C.IP_TTL, VRRP_TTL, "IP_TTL");
    setInt(fd, C.IPPROTO_IP, C.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");
    trySetInt(fd, C.IPPROTO_IP, C.IP_MULTICAST_ALL, 0); // only groups this socket joined
    setBytes(fd, C.IPPROTO_IP, C.IP_MULTICAST_IF, ipMreqn(new Uint8Array(4), ifindex), "IP_MULTICAST_IF");
    setBytes(fd, C.IPPROTO_IP, C.IP_ADD_MEMBERSHIP, ipMreqn(parseAddress(4, VRRP_GROUP4), ifindex), "IP_ADD_MEMBERSHIP");
    setInt(fd, C.IPPROTO_IP, C.IP_PKTINFO, 1, "IP_PKTINFO");
    setInt(fd, C.IPPROTO_IP, C.IP_RECVTTL, 1, "IP_RECVTTL");
    trySetInt(fd, C.SOL_SOCKET, C.SO_TIMESTAMPNS, 1); // arrival time: Master_Down counts from it
  }

  private setup6(fd: number, ifname: string, ifindex: number): void {
    bindToDevice(fd, ifname);
    if (this.opts.kernelChecksum6) setInt(fd, C.IPPROTO_IPV6, C.IPV6_CHECKSUM, 6, "IPV6_CHECKSUM");
    setInt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_HOPS, VRRP_TTL, "IPV6_MULTICAST_HOPS");
    setInt(fd, C.IPPROTO_IPV6, C.IPV6_UNICAST_HOPS, VRRP_TTL, "IPV6_UNICAST_HOPS");
    setInt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
    trySetInt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_ALL, 0);
    setInt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF");
    setBytes(fd, C.IPPROTO_IPV6, C.IPV6_JOIN_GROUP, ipv6Mreq(parseAddress(6, VRRP_GROUP6), ifindex), "IPV6_JOIN_GROUP");
    setInt(fd, C.IPPROTO_IPV6, C.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
    setInt(fd, C.IPPROTO_IPV6, C.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
    trySetInt(fd, C.SOL_SOCKET, C.SO_TIMESTAMPNS, 1);
  }

  send(ifindex: number, family: Family, payload: Uint8Array, dst: string, src: string): void {
    const s = this.socks.get(key(ifindex, family));
    // As sendmsg on a closed fd would say (the contract suite holds the fakes to the same).
    if (!s) throw new OsError("sendmsg", 9, /* EBADF */ `vrrp transport: no socket open for ifindex ${ifindex} IPv${family}`);
    if (payload.byteLength > MAX_PAYLOAD) throw new OsError("sendmsg", 90, /* EMSGSIZE */ `${payload.byteLength} bytes`);
    s.data.set(payload);
    const route = this.route(s, ifindex, family, dst, src);
    s.msg.set(route.name, s.data, route.control, payload.byteLength);
    check(libc.sendmsg(s.fd, s.msg.hdr, 0), "sendmsg", `VRRP IPv${family} ${src || "*"} > ${dst} on ${s.ifname}`);
  }

  prepare(ifindex: number, family: Family, dst: string, src: string): void {
    const s = this.socks.get(key(ifindex, family));
    if (s) this.route(s, ifindex, family, dst, src);
  }

  /** Address and ancillary buffers, built once per (dst, src): the advert timer is the hot path. */
  private route(s: Sock, ifindex: number, family: Family, dst: string, src: string): { name: Uint8Array; control: Uint8Array } {
    const routeKey = `${dst}|${src}`;
    let route = s.routes.get(routeKey);
    if (!route) {
      const srcBytes = isUnspecified(src) ? new Uint8Array(family === 4 ? 4 : 16) : parseAddress(family, src);
      const dstBytes = parseAddress(family, dst);
      route = sendRoute(family, ifindex, dstBytes, srcBytes);
      s.routes.set(routeKey, route);
    }
    return route;
  }

  onReceive(fn: (d: ReceivedDatagram) => void): () => void {
    this.listeners = [...this.listeners, fn];
    // Copy-on-write, so unsubscribing during a dispatch cannot make the loop skip a handler.
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
    };
  }

  /** Closes the socket of one interface/family (reload removed the last instance on it). */
  release(ifindex: number, family: Family): void {
    const k = key(ifindex, family);
    const s = this.socks.get(k);
    if (!s) return;
    // No advert may go out on a closed (or reused) fd number.
    for (const [id, p] of this.paced) if (p.sock === s) this.stopPace({ id });
    for (const [id, w] of this.watched) if (w.sock === s) this.stopWatch({ id });
    this.opts.rx.remove(s.fd);
    closeFd(s.fd);
    this.socks.delete(k);
  }

  close(): void {
    for (const s of [...this.socks.values()]) this.release(s.ifindex, s.family);
  }

  private deliver(m: RxFdMsg): void {
    if (m.t === "error") this.opts.onError?.(new OsError(m.syscall, m.errno, "VRRP receive"));
    if (m.t !== "dgram") return;
    const d: ReceivedDatagram = {
      family: m.family,
      ifindex: m.ifindex,
      src: m.src,
      dst: m.dst,
      ttl: m.ttl,
      payload: m.payload,
      rxMs: this.opts.rx.toPerfMs(m.rxMono),
    };
    for (const fn of this.listeners) fn(d);
  }
}
