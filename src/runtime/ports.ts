// Ports: what the runtime needs from the outside world. src/os/linux implements them for the kernel;
// tests/fakes implements them in memory. The runtime depends only on these interfaces.

import type { Family, TransitionReason, VrrpState } from "../protocol/types.ts";
import type { DropReason } from "../protocol/reasons.ts";
import type { RouteOptions, VirtualRule } from "../config/schema.ts";

export interface TimerHandle {
  readonly id: number;
}

/** Monotonic clock with timers. */
export interface Clock {
  nowMs(): number;
  /** Wall clock (unix ms) — for timestamps shown to humans and Prometheus only. */
  wallMs(): number;
  setTimer(atMs: number, fn: () => void, opts?: TimerOptions): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export interface TimerOptions {
  /**
   * A deadline that ends a failover (Master_Down, shutdown): expire it within tens of µs, where
   * the clock can (Linux: the last milliseconds run on the io thread's timerfd). Timers re-armed
   * on every advert and rarely expiring cost nothing extra; periodic ones should not ask.
   */
  precise?: boolean;
}

export interface InterfaceAddress {
  family: Family;
  address: string;
  prefixLength: number;
  /** IFA_F_SECONDARY etc. are not needed by the runtime; label helps operators. */
  label?: string;
}

export interface LinkInfo {
  name: string;
  index: number;
  /** 6-byte hardware address. */
  mac: Uint8Array;
  /** Administratively up and carrier present (IFF_UP && IFF_RUNNING/IFF_LOWER_UP). */
  up: boolean;
  addresses: InterfaceAddress[];
}

export interface LinkWatcher {
  /** Fresh view from the kernel (RTM_GETLINK/RTM_GETADDR dump). */
  link(name: string): LinkInfo | undefined;
  /** The interface's index only; may answer from a cache that link events keep current. */
  index?(name: string): number | undefined;
  /** Called on every RTM_NEWLINK/RTM_DELLINK carrier change. Adds a handler; returns its removal. */
  onChange(fn: (link: LinkInfo) => void): () => void;
}

export interface ReceivedDatagram {
  family: Family;
  ifindex: number;
  /** Source and destination from the IP header / pktinfo, canonical text. */
  src: string;
  dst: string;
  /** TTL (IPv4) or hop limit (IPv6) as received; RFC 5798 §7.1 requires 255. */
  ttl: number;
  /** The VRRP message (IP header stripped), possibly with trailing Ethernet padding. */
  payload: Uint8Array;
  /** Monotonic ms at which the receive thread read it. */
  rxMs: number;
}

/** Raw VRRP (IP protocol 112) sockets; one per interface and family, shared by instances. */
export interface VrrpTransport {
  /** Open (idempotent) the socket for this interface/family and join 224.0.0.18 / ff02::12. */
  open(ifname: string, ifindex: number, family: Family): void;
  /** Send one VRRP message. `dst` is the group or a unicast peer; `src` the address to send from. */
  send(ifindex: number, family: Family, payload: Uint8Array, dst: string, src: string): void;
  /**
   * Optional: builds ahead what a send to `dst` from `src` needs, so that a backup's takeover
   * advert costs the syscall only (measured: the first send's set-up took ~0.3 ms of the takeover).
   */
  prepare?(ifindex: number, family: Family, dst: string, src: string): void;
  /** Adds a handler (every handler gets every datagram); returns its removal. */
  onReceive(fn: (d: ReceivedDatagram) => void): () => void;
  /** Close the socket of one interface/family (a reload removed its last instance). */
  release(ifindex: number, family: Family): void;
  close(): void;
  /** Optional: sends a master's periodic adverts off the main thread (Linux: the io thread). */
  readonly pacer?: AdvertPacer;
  /** Optional: a backup's repeated adverts handled off the main thread (Linux: the io thread). */
  readonly watcher?: AdvertWatcher;
  /**
   * Optional: delivers now what the pacer and the watcher did and have not reported yet (they
   * report in batches, late by up to a second), so that counters read next are current.
   */
  settle?(): void;
}

/**
 * A backup's steady state off the main thread. After the FSM handled datagram `d` by re-arming
 * Master_Down for `deadlineMs` (= d.rxMs + downMs), each later datagram identical to it (bytes,
 * source, destination, TTL, interface) moves the deadline to its own arrival + downMs on the other
 * thread and reaches `repeat` (batched, in order, with its arrival) instead of onReceive. `down`
 * runs when the deadline passes with no repeat: the Master_Down timer's expiry.
 */
export interface WatchEvents {
  /** A repeat arrived at `rxMs`. */
  repeat(rxMs: number): void;
  /**
   * The deadline passed with no repeat: Master_Down fired. `sent`: the watcher sent the takeover
   * advert at the deadline (atMs), with these errors; null: the caller sends it.
   */
  down(sent: PacedAdvert | null): void;
  /** Optional early notice, a few ms before the deadline with no repeat: prepare the takeover. */
  soon(): void;
}

/**
 * The advert a backup sends when Master_Down fires (RFC 5798 §6.4.2: "Send an ADVERTISEMENT"), for
 * the watcher to send at the deadline itself: the failover then waits for no other thread.
 */
export interface TakeoverAdvert {
  ifindex: number;
  family: Family;
  src: string;
  packets: readonly { dst: string; bytes: Uint8Array }[];
}

export interface AdvertWatcher {
  /** Null when it cannot (the io thread is gone): keep the clock's timer. */
  start(d: ReceivedDatagram, deadlineMs: number, downMs: number, on: WatchEvents, takeover?: TakeoverAdvert): TimerHandle | null;
  /**
   * Once this returns, every repeat handled has reached onRepeat and no other will. Idempotent.
   * True when the deadline had passed and the takeover advert was sent first (down will not run:
   * the caller takes over now).
   */
  stop(handle: TimerHandle): boolean;
}

/** One periodic advert as the pacer sent it. */
export interface PacedAdvert {
  /** The deadline it was due at, and the next one (monotonic ms, as Clock.nowMs). */
  atMs: number;
  nextAtMs: number;
  /** One per packet, in the order given to start(): null when it was sent, else the send error. */
  errors: (Error | null)[];
}

/**
 * Periodic adverts sent at their deadlines by another thread, so a pause of the main thread
 * (GC, a long task) cannot delay them. The bytes are fixed for a schedule: a new priority or new
 * addresses mean stop() and start() again. onSent runs on the main thread once per advert sent,
 * in order, with that advert's errors — batched (Linux: within a second, at once after a failed
 * send, on VrrpTransport.settle() and within stop()), so it may run after stop() for adverts sent
 * before stop() returned (Linux: only when the shared ring was full).
 */
export interface AdvertPacer {
  /**
   * Sends `packets` from `src` at `atMs`, then every `intervalMs` (after a stall, from the wake-up).
   * Returns null when it cannot (no socket for the interface): send from the main thread instead.
   */
  start(
    ifindex: number,
    family: Family,
    packets: readonly { dst: string; bytes: Uint8Array }[],
    src: string,
    atMs: number,
    intervalMs: number,
    onSent: (r: PacedAdvert) => void,
  ): TimerHandle | null;
  /** Once this returns, no advert of that schedule is sent any more. Idempotent. */
  stop(handle: TimerHandle): void;
}

export interface AddressSpec {
  ifindex: number;
  family: Family;
  address: string;
  prefixLength: number;
  label?: string;
  scope?: "global" | "site" | "link" | "host" | "nowhere";
  broadcast?: string;
}

/** RTN_* route types, as keepalived names them before the destination (unicast by default). */
export type RouteType = "unicast" | "local" | "broadcast" | "anycast" | "multicast" | "blackhole" | "unreachable" | "prohibit" | "throw" | "nat";

/** One hop of a multipath route (RTA_MULTIPATH; keepalived `nexthop via A dev D weight W`). */
export interface NextHop {
  via?: string;
  ifindex?: number;
  /** 1..256 as `ip route` shows it. */
  weight?: number;
  /** RTNH_F_ONLINK. */
  onlink?: boolean;
  /** RTA_FLOW of the hop. */
  realms?: number;
}

export interface RouteSpec {
  family: Family;
  to: string; // "default" or prefix
  via?: string;
  ifindex?: number;
  src?: string;
  metric?: number;
  table?: number;
  /** Default unicast. A non-unicast route has no gateway nor interface. */
  type?: RouteType;
  /** Multipath: the hops instead of via/ifindex. */
  nexthops?: NextHop[];
  /** keepalived's other route options: scope, protocol, tos, realms, metrics, pref, expires, onlink, append. */
  options?: RouteOptions;
}

/** Routes vigil adds carry keepalived's protocol, RTPROT_KEEPALIVED (`ip route` shows `proto keepalived`). */
export const RTPROT_KEEPALIVED = 18;

/**
 * An ip rule (RTM_NEWRULE), keepalived's virtual_rules / static_rules syntax: prefixes ("all" when
 * absent), `not` (invert), the action (default "table": lookup `table`, main when absent) and the
 * selectors of VirtualRule.
 */
export type RuleSpec = Omit<VirtualRule, "pos">;

/** rtnetlink address and route changes. Errors are thrown as OsError with errno. */
export interface AddressManager {
  /** Returns false when the address already exists (EEXIST). IPv6 added with IFA_F_NODAD. */
  add(spec: AddressSpec): boolean;
  /** Returns false when it was not there (EADDRNOTAVAIL/ENOENT). */
  remove(spec: AddressSpec): boolean;
  list(ifindex: number): InterfaceAddress[];
  addRoute(spec: RouteSpec): boolean;
  removeRoute(spec: RouteSpec): boolean;
  /** Returns false when that rule exists already (EEXIST: NLM_F_EXCL). */
  addRule(spec: RuleSpec): boolean;
  /** Returns false when no such rule (ENOENT). */
  removeRule(spec: RuleSpec): boolean;
}

/**
 * A process of the host started, changed its program or name, or ended (the kernel's proc
 * connector; threads are left out). `parentPid` of a fork: the process the child is a copy of
 * (same name and command line until it execs), null when a thread other than its main one forked
 * (that thread's name may differ: read the child).
 */
export type ProcessEvent =
  | { type: "fork"; pid: number; parentPid: number | null }
  | { type: "exec" | "comm" | "exit"; pid: number };

export interface ProcessEventHandlers {
  /** A batch of events in the kernel's order (read off the event loop, delivered on it). */
  events(events: ProcessEvent[]): void;
  /** The kernel dropped events (ENOBUFS): what is known is stale, rescan. */
  lost(): void;
  /** The stream broke; no more events will come. */
  failed(e: Error): void;
}

/** Process events of the whole host (vrrp_track_process), instead of scanning /proc. */
export interface ProcessEvents {
  /**
   * Starts listening and returns once the kernel acknowledged, or throws: the Linux port throws
   * OsError EPROTONOSUPPORT (no connector), ECONNREFUSED (not the initial network namespace),
   * EPERM (no CAP_NET_ADMIN) or ETIMEDOUT (no acknowledgement: another PID or user namespace).
   * Returns the stop.
   */
  listen(handlers: ProcessEventHandlers): () => void;
}

/** Who claims IPv4 addresses on a link (ARP), for the start-up check against address conflicts. */
export interface AddressProber {
  /** Per target, the MACs (aa:bb:…) other than ours that claimed it within waitMs. */
  whoHas(ifindex: number, mac: Uint8Array, senderIp: string, targets: string[], waitMs: number): Map<string, string[]>;
}

/** Gratuitous ARP (RFC 5227 style request) and unsolicited NA with Override (RFC 4861 §7.2.6). */
export interface Announcer {
  garp(ifindex: number, mac: Uint8Array, address: string): void;
  unsolicitedNa(ifindex: number, mac: Uint8Array, address: string): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error";
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, string | number | boolean | null>): void;
}

export interface InstanceLabels {
  instance: string;
  interface: string;
  vrid: string;
}

/** What the runtime reports; src/http/metrics.ts implements it (Prometheus text, see src/http/exposition.ts). */
export interface MetricsSink {
  state(l: InstanceLabels, state: VrrpState): void;
  transition(l: InstanceLabels, from: VrrpState, to: VrrpState, reason: TransitionReason, wallMs: number): void;
  priority(l: InstanceLabels, base: number, effective: number): void;
  advertSent(l: InstanceLabels, priority: number): void;
  advertReceived(l: InstanceLabels, priority: number): void;
  /** Observed gap between consecutive adverts (direction: we sent / we received). */
  advertGap(l: InstanceLabels, direction: "sent" | "received", seconds: number): void;
  dropped(l: InstanceLabels, reason: DropReason): void;
  garpSent(l: InstanceLabels, count: number): void;
  masterInfo(l: InstanceLabels, address: string | null): void;
  /** v3 IPv4 checksum form seen on an accepted packet. */
  checksumForm(l: InstanceLabels, form: string): void;
  reload(ok: boolean, wallMs: number): void;
  /** Instance removed (reload): drop its series. */
  forget(l: InstanceLabels): void;
}

export interface InstanceStatus {
  name: string;
  interface: string;
  vrid: number;
  version: 2 | 3;
  family: Family;
  state: VrrpState;
  basePriority: number;
  effectivePriority: number;
  masterAddress: string | null;
  advertIntervalCs: number;
  masterAdvertIntervalCs: number;
  virtualIps: string[];
  advertsSent: number;
  advertsReceived: number;
  lastTransition: { atWallMs: number; from: VrrpState; to: VrrpState; reason: TransitionReason } | null;
  faults: string[];
  /** Every tracker of the instance with its verdict (absent for an instance that is not running). */
  trackers?: TrackerStatus[];
}

/** One tracked interface, script, file or process as /status shows it. */
export interface TrackerStatus {
  kind: "track_interface" | "track_script" | "track_file" | "track_process";
  name: string;
  /** Good (up, exit 0, value 0, quorum met), bad, or not known yet (no result). */
  ok: boolean | null;
  /** The weight in force (0: a bad tracker faults the instance). */
  weight: number;
  /** What it adds to the priority now. */
  delta: number;
  /** It is one of the reasons the instance is in Fault. */
  fault: boolean;
  /**
   * How a track_process learns of processes: "proc-connector" (the kernel's process events) or
   * "proc-scan" (/proc once a second); absent for other kinds and before the first start.
   */
  source?: string;
  /** Why it scans instead of listening to the proc connector (the kernel's refusal, no source given). */
  sourceReason?: string;
}

export interface DaemonStatus {
  version: string;
  routerId: string | null;
  startedAtWallMs: number;
  configFile: string;
  lastReload: { atWallMs: number; ok: boolean; errors: string[] } | null;
  instances: InstanceStatus[];
}

/** What the HTTP layer reads. */
export interface StatusSource {
  status(): DaemonStatus;
  /** Optional: brings what other threads did so far into the counters (before a scrape reads them). */
  settle?(): void;
}
