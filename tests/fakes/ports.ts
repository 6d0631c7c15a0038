// In-memory implementations of the runtime ports, for daemon tests without root. They behave as
// the Linux ports do on a real kernel — tests/contract runs one suite against both — so a test
// cannot pass here only because the fake is kinder than the kernel:
// - a FakeHost holds links and addresses with the kernel's identities and errors (EEXIST is
//   `false`, a missing interface is ENODEV, routes are told apart by table, metric and gateway);
// - a FakeWire carries what a FakeTransport sends to the hosts it is addressed to (the VRRP group
//   reaches every open socket, a unicast address only its holder), on the segment named like the
//   sending interface, never while either end has no carrier, with the TTL the sender put on it;
// - a FakeTransport throws OsError as sendmsg would: no open socket EBADF, more than 1500 bytes
//   EMSGSIZE, interface administratively down or a source address not on the host ENETUNREACH
//   (IPv4) / EINVAL (IPv6).
import { OsError } from "../../src/os/linux/errors.ts";
import type { Family } from "../../src/protocol/types.ts";
import type { DropReason } from "../../src/protocol/reasons.ts";
import type {
  AddressManager,
  AddressProber,
  AddressSpec,
  Announcer,
  InstanceLabels,
  InterfaceAddress,
  LinkInfo,
  LinkWatcher,
  MetricsSink,
  ReceivedDatagram,
  RouteSpec,
  RuleSpec,
  VrrpTransport,
} from "../../src/runtime/ports.ts";
import { RTPROT_KEEPALIVED } from "../../src/runtime/ports.ts";
import type { FakeClock } from "./fake-clock.ts";

/** errno values (asm-generic), as src/os/linux/errors.ts names them. */
const E = {
  ESRCH: 3,
  EBADF: 9,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EMSGSIZE: 90,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  EHOSTUNREACH: 113,
} as const;

/** The Linux transport's send buffer; the kernel fragments anything smaller than this. */
export const MAX_VRRP_PAYLOAD = 1500;
export const GROUP_V4 = "224.0.0.18";
export const GROUP_V6 = "ff02::12";
const RT_TABLE_MAIN = 254;

/** Canonical text of an address, enough for the fakes (IPv6 lower case, no zone). */
const canon = (a: string) => a.toLowerCase().replace(/%.*$/, "");
const isMulticast = (a: string) => (a.includes(":") ? canon(a).startsWith("ff") : Number(a.split(".")[0]) >= 224 && Number(a.split(".")[0]) <= 239);

/** IPv6 link-local address from a MAC (modified EUI-64, RFC 4291 §2.5.1), as the kernel makes it. */
export function linkLocalOf(mac: Uint8Array): string {
  const b = [mac[0]! ^ 0x02, mac[1]!, mac[2]!, 0xff, 0xfe, mac[3]!, mac[4]!, mac[5]!];
  const words = [0, 2, 4, 6].map((i) => ((b[i]! << 8) | b[i + 1]!).toString(16));
  return `fe80::${words.join(":")}`.replace(/fe80::0:/, "fe80::");
}

/** Whether `addr` lies inside `net/len` (same family). */
function inPrefix(family: Family, addr: string, net: string, len: number): boolean {
  const bits = (a: string): bigint | null => {
    if (family === 4) {
      const p = a.split(".").map(Number);
      return p.length === 4 && p.every((x) => Number.isInteger(x) && x >= 0 && x < 256) ? p.reduce((s, x) => (s << 8n) | BigInt(x), 0n) : null;
    }
    const [head = "", tail] = canon(a).split("::");
    const h = head ? head.split(":") : [];
    const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
    const words = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
    if (words.length !== 8) return null;
    return words.reduce((s, w) => (s << 16n) | BigInt(parseInt(w, 16) || 0), 0n);
  };
  const width = family === 4 ? 32 : 128;
  const x = bits(addr);
  const n = bits(net);
  if (x === null || n === null) return false;
  const shift = BigInt(width - len);
  return x >> shift === n >> shift;
}

interface StoredRoute extends RouteSpec {
  table: number;
  metric: number;
  /** RTPROT_*: 18 (keepalived) for routes added through the port; an operator's route is 4 (static). */
  protocol: number;
}

interface StoredRule extends RuleSpec {
  priority: number;
}

const ruleSame = (a: RuleSpec, b: RuleSpec) =>
  a.family === b.family && (a.from ?? "") === (b.from ?? "") && (a.to ?? "") === (b.to ?? "") && (a.iif ?? "") === (b.iif ?? "") &&
  (a.oif ?? "") === (b.oif ?? "") && a.fwmark === b.fwmark && a.fwmask === b.fwmask && !!a.invert === !!b.invert &&
  (a.action ?? "table") === (b.action ?? "table") && ((a.action ?? "table") !== "table" || (a.table ?? RT_TABLE_MAIN) === (b.table ?? RT_TABLE_MAIN));

interface LinkState {
  info: LinkInfo;
  admin: boolean;
  carrier: boolean;
  mtu: number;
}

export class FakeHost implements AddressManager, LinkWatcher, Announcer, AddressProber {
  /** Who answers ARP for an address on the fake link (address → MACs). */
  readonly claims = new Map<string, string[]>();
  whoHas(_ifindex: number, _mac: Uint8Array, _senderIp: string, targets: string[]): Map<string, string[]> {
    return new Map(targets.map((t) => [t, this.claims.get(t) ?? []]));
  }

  readonly linksByName = new Map<string, LinkInfo>();
  private readonly state = new Map<string, LinkState>();
  private listeners: ((l: LinkInfo) => void)[] = [];
  private nextIndex = 2; // 1 is lo; indexes are never reused, as in the kernel
  readonly announced: { kind: "garp" | "na"; address: string; atMs: number; ifindex?: number }[] = [];
  readonly addressLog: { op: "add" | "remove"; address: string }[] = [];
  readonly routes: StoredRoute[] = [];

  constructor(private readonly clock: FakeClock) {}

  /** A link with these addresses (nothing is added implicitly); `up` is its carrier. */
  addLink(name: string, addresses: InterfaceAddress[], up = true, opts: { mac?: Uint8Array; mtu?: number } = {}): LinkInfo {
    if (this.state.has(name)) throw new Error(`FakeHost: link ${name} exists`);
    const index = this.nextIndex++;
    const mac = opts.mac ?? new Uint8Array([2, 0, 0, 0, 0, index - 1]);
    const info: LinkInfo = { name, index, mac, up, addresses: addresses.map((a) => ({ ...a })) };
    this.linksByName.set(name, info);
    this.state.set(name, { info, admin: true, carrier: up, mtu: opts.mtu ?? 1500 });
    return info;
  }

  /** The interface is deleted (RTM_DELLINK): addresses and routes through it go with it. */
  removeLink(name: string): void {
    const s = this.mustState(name);
    this.state.delete(name);
    this.linksByName.delete(name);
    for (let i = this.routes.length - 1; i >= 0; i--) if (this.routes[i]!.ifindex === s.info.index) this.routes.splice(i, 1);
    if (s.info.up) this.emit({ ...s.info, up: false, addresses: [] });
  }

  /** Carrier (cable plugged): the watcher reports it when the effective state changes. */
  setUp(name: string, up: boolean): void {
    const s = this.mustState(name);
    s.carrier = up;
    this.refresh(s);
  }

  /** `ip link set NAME up|down`: down also removes the IPv6 addresses; up brings the link-local back. */
  setAdmin(name: string, up: boolean): void {
    const s = this.mustState(name);
    if (s.admin === up) return;
    s.admin = up;
    if (!up) s.info.addresses = s.info.addresses.filter((a) => a.family === 4);
    else s.info.addresses.push({ family: 6, address: linkLocalOf(s.info.mac), prefixLength: 64 });
    this.refresh(s);
  }

  /** Administratively up and with carrier: what LinkInfo.up means. */
  isUp(ifindex: number): boolean {
    return this.byIndex(ifindex)?.info.up ?? false;
  }

  isAdminUp(ifindex: number): boolean {
    return this.byIndex(ifindex)?.admin ?? false;
  }

  /** Every address of the host, any link. */
  hasAddress(family: Family, address: string): boolean {
    for (const s of this.state.values()) if (s.info.addresses.some((a) => a.family === family && canon(a.address) === canon(address))) return true;
    return false;
  }

  addresses(name: string): string[] {
    return this.mustState(name).info.addresses.map((a) => `${a.address}/${a.prefixLength}`);
  }

  // LinkWatcher
  link(name: string): LinkInfo | undefined {
    const l = this.linksByName.get(name);
    return l && { ...l, addresses: l.addresses.map((a) => ({ ...a })) };
  }
  onChange(fn: (link: LinkInfo) => void): () => void {
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
    };
  }

  // AddressManager — identities as the kernel has them: IPv4 address+prefix, IPv6 address only.
  add(spec: AddressSpec): boolean {
    const s = this.byIndexOr(spec.ifindex, "RTM_NEWADDR");
    const a = canon(spec.address);
    const dup = s.info.addresses.some((x) => x.family === spec.family && canon(x.address) === a && (spec.family === 6 || x.prefixLength === spec.prefixLength));
    if (dup) return false;
    s.info.addresses.push({
      family: spec.family,
      address: spec.address,
      prefixLength: spec.prefixLength,
      ...(spec.label !== undefined && { label: spec.label }),
    });
    this.addressLog.push({ op: "add", address: spec.address });
    return true;
  }
  /** Removal needs the exact prefix length in both families (else EADDRNOTAVAIL: false). */
  remove(spec: AddressSpec): boolean {
    const s = this.byIndexOr(spec.ifindex, "RTM_DELADDR");
    const a = canon(spec.address);
    const i = s.info.addresses.findIndex(
      (x) =>
        x.family === spec.family && canon(x.address) === a && x.prefixLength === spec.prefixLength &&
        (spec.label === undefined || x.label === undefined || x.label === spec.label),
    );
    if (i < 0) return false;
    s.info.addresses.splice(i, 1);
    this.addressLog.push({ op: "remove", address: spec.address });
    return true;
  }
  list(ifindex: number): InterfaceAddress[] {
    return (this.byIndex(ifindex)?.info.addresses ?? []).map((a) => ({ ...a }));
  }

  /**
   * Route identity: family, table, destination, metric (IPv4 default 0, IPv6 1024). As the kernel:
   * a blackhole/unreachable/prohibit/throw route with a gateway, device or hops is EINVAL; every
   * hop's gateway must be on a link (ENETUNREACH), its device must exist (ENODEV; with a gateway, ENETUNREACH as the kernel says).
   */
  addRoute(spec: RouteSpec): boolean {
    const type = spec.type ?? "unicast";
    const hops = spec.nexthops ?? [];
    if (type !== "unicast" && (spec.via !== undefined || spec.ifindex !== undefined || hops.length > 0)) {
      throw new OsError("RTM_NEWROUTE", E.EINVAL, "Gateway, device and multipath can not be specified for this route type");
    }
    const link = spec.ifindex !== undefined ? this.byIndexOr(spec.ifindex, "RTM_NEWROUTE") : undefined;
    if (link && !link.admin) throw new OsError("RTM_NEWROUTE", E.ENETDOWN);
    if (spec.via !== undefined && !this.onLink(spec.family, spec.via, link)) {
      throw new OsError("RTM_NEWROUTE", spec.family === 4 ? E.ENETUNREACH : E.EHOSTUNREACH, `gateway ${spec.via}`);
    }
    for (const h of hops) {
      // As the kernel: a hop with a gateway looks that gateway up through its device first, so a
      // device that does not exist is ENETUNREACH there; a hop without a gateway is ENODEV.
      if (h.via === undefined) {
        if (h.ifindex !== undefined) this.byIndexOr(h.ifindex, "RTM_NEWROUTE");
        continue;
      }
      const l = h.ifindex !== undefined ? this.byIndex(h.ifindex) : undefined;
      if ((h.ifindex !== undefined && !l) || !this.onLink(spec.family, h.via, l)) {
        throw new OsError("RTM_NEWROUTE", spec.family === 4 ? E.ENETUNREACH : E.EHOSTUNREACH, `nexthop ${h.via}`);
      }
    }
    return this.storeRoute(spec, RTPROT_KEEPALIVED);
  }

  /** A route somebody else (the operator: proto static) put there; vigil must never remove it. */
  addOperatorRoute(spec: RouteSpec): boolean {
    return this.storeRoute(spec, 4);
  }

  private storeRoute(spec: RouteSpec, protocol: number): boolean {
    const r: StoredRoute = { ...spec, to: routeKey(spec), table: spec.table ?? RT_TABLE_MAIN, metric: spec.metric ?? (spec.family === 4 ? 0 : 1024), protocol };
    if (this.routes.some((x) => x.family === r.family && x.table === r.table && x.to === r.to && x.metric === r.metric)) return false;
    this.routes.push(r);
    return true;
  }

  /**
   * Removes the first route of that table and destination matching every field given (ESRCH:
   * false). The port deletes with proto keepalived: an operator's route of that destination stays.
   */
  removeRoute(spec: RouteSpec): boolean {
    const table = spec.table ?? RT_TABLE_MAIN;
    const to = routeKey(spec);
    const i = this.routes.findIndex(
      (x) =>
        x.family === spec.family &&
        x.table === table &&
        x.to === to &&
        x.protocol === RTPROT_KEEPALIVED &&
        (spec.type === undefined || (x.type ?? "unicast") === spec.type) &&
        (spec.metric === undefined || x.metric === spec.metric) &&
        (spec.via === undefined || (x.via !== undefined && canon(x.via) === canon(spec.via))) &&
        (spec.ifindex === undefined || x.ifindex === spec.ifindex),
    );
    if (i < 0) return false;
    this.routes.splice(i, 1);
    return true;
  }

  /** ip rules, the kernel's three defaults excluded (0 local, 32766 main, 32767 default). */
  readonly rules: StoredRule[] = [];

  /**
   * As the kernel: a rule without a priority gets the one below the lowest non-zero priority in
   * use (32765, 32764, …), so the same rule added twice without a priority is two rules;
   * NLM_F_EXCL refuses (EEXIST) only an identical rule with the same priority.
   */
  addRule(spec: RuleSpec): boolean {
    // The kernel takes a lookup in table 0 (the config refuses it, as keepalived: "Table 0 is not valid").
    let priority = spec.priority;
    if (priority === undefined) {
      const used = this.rules.filter((r) => r.family === spec.family && r.priority > 0).map((r) => r.priority);
      priority = Math.min(32766, ...used) - 1;
    }
    const r: StoredRule = { ...spec, priority };
    if (this.rules.some((x) => ruleSame(x, r) && x.priority === priority)) return false;
    this.rules.push(r);
    return true;
  }

  /** Removes the first rule matching (any priority when none is given); ENOENT: false. */
  removeRule(spec: RuleSpec): boolean {
    const i = this.rules.findIndex((x) => ruleSame(x, spec) && (spec.priority === undefined || x.priority === spec.priority));
    if (i < 0) return false;
    this.rules.splice(i, 1);
    return true;
  }

  // Announcer
  garp(ifindex: number, _mac: Uint8Array, address: string): void {
    this.announced.push({ kind: "garp", address, atMs: this.clock.nowMs(), ifindex });
  }
  unsolicitedNa(_ifindex: number, _mac: Uint8Array, address: string): void {
    this.announced.push({ kind: "na", address, atMs: this.clock.nowMs() });
  }

  private onLink(family: Family, via: string, only: LinkState | undefined): boolean {
    const links = only ? [only] : [...this.state.values()];
    return links.some((s) => s.admin && s.info.addresses.some((a) => a.family === family && inPrefix(family, via, a.address, a.prefixLength)));
  }

  private refresh(s: LinkState): void {
    const up = s.admin && s.carrier;
    if (up === s.info.up) return;
    s.info.up = up;
    this.emit(s.info);
  }

  private emit(l: LinkInfo): void {
    const copy = { ...l, addresses: l.addresses.map((a) => ({ ...a })) };
    for (const fn of this.listeners) fn(copy);
  }

  private mustState(name: string): LinkState {
    const s = this.state.get(name);
    if (!s) throw new Error(`FakeHost: no link ${name}`);
    return s;
  }

  private byIndex(i: number): LinkState | undefined {
    for (const s of this.state.values()) if (s.info.index === i) return s;
    return undefined;
  }

  private byIndexOr(i: number, syscall: string): LinkState {
    const s = this.byIndex(i);
    if (!s) throw new OsError(syscall, E.ENODEV, `ifindex ${i}`);
    return s;
  }
}

function routeKey(spec: RouteSpec): string {
  if (spec.to === "default") return "default";
  return canon(spec.to.includes("/") ? spec.to : `${spec.to}/${spec.family === 4 ? 32 : 128}`);
}

export interface WireFrame {
  from: string;
  dst: string;
  payload: Uint8Array;
  atMs: number;
  ttl: number;
  family: Family;
  /** The interface name it was sent on: one segment per name. */
  segment: string;
}

/**
 * Shared segments: what a transport sends on interface NAME reaches the other hosts' interface
 * NAME after latencyMs, if it is addressed to them and both ends have carrier.
 */
export class FakeWire {
  private readonly members: FakeTransport[] = [];
  readonly sent: WireFrame[] = [];
  constructor(
    readonly clock: FakeClock,
    readonly latencyMs = 1,
  ) {}
  join(t: FakeTransport): void {
    this.members.push(t);
  }
  /** A frame on the segment: from a member, or from a stranger (`from` null) such as an attacker. */
  carry(from: FakeTransport | null, segment: string, d: Omit<ReceivedDatagram, "ifindex" | "rxMs">): void {
    this.sent.push({ from: d.src, dst: d.dst, payload: d.payload, atMs: this.clock.nowMs(), ttl: d.ttl, family: d.family, segment });
    for (const m of this.members) {
      if (m === from) continue; // IP_MULTICAST_LOOP 0; a unicast to ourselves never leaves the host
      this.clock.setTimer(this.clock.nowMs() + this.latencyMs, () => m.arrive(segment, d));
    }
  }
}

export class FakeTransport implements VrrpTransport {
  private listeners: ((d: ReceivedDatagram) => void)[] = [];
  /** Open sockets, "ifindex/family". */
  private readonly sockets = new Set<string>();
  readonly opened: string[] = [];
  readonly released: string[] = [];
  /** false: the cable is cut between this host and the wire, with no carrier change seen. */
  connected = true;
  closed = false;
  constructor(
    protected readonly wire: FakeWire,
    readonly host: FakeHost,
    /** The interface `inject` receives on by default. */
    private readonly ifname = "eth0",
  ) {
    wire.join(this);
  }
  open(ifname: string, ifindex: number, family: Family): void {
    const l = this.host.link(ifname);
    if (!l) throw new OsError("setsockopt", E.ENODEV, `SO_BINDTODEVICE ${ifname}`);
    if (l.index !== ifindex) throw new OsError("setsockopt", E.EADDRNOTAVAIL, `ifindex ${ifindex} is not ${ifname}`);
    this.sockets.add(`${ifindex}/${family}`);
    this.opened.push(`${ifname}/${family}`);
    this.closed = false;
  }
  send(ifindex: number, family: Family, payload: Uint8Array, dst: string, src: string): void {
    if (!this.sockets.has(`${ifindex}/${family}`)) throw new OsError("sendmsg", E.EBADF, `no socket open for ifindex ${ifindex} IPv${family}`);
    if (payload.byteLength > MAX_VRRP_PAYLOAD) throw new OsError("sendmsg", E.EMSGSIZE, `${payload.byteLength} bytes`);
    const unreachable = family === 4 ? E.ENETUNREACH : E.EINVAL;
    if (!this.host.isAdminUp(ifindex)) throw new OsError("sendmsg", unreachable, "interface down");
    if (src !== "" && !this.host.hasAddress(family, src)) throw new OsError("sendmsg", unreachable, `${src} is not an address of this host`);
    const link = this.linkByIndex(ifindex)!;
    // The kernel picks the source when none is given: the link's first address of the family.
    const from = src !== "" ? src : (link.addresses.find((a) => a.family === family && (family === 4 || a.address.startsWith("fe80:")))?.address ?? "");
    // No carrier: sendmsg succeeds and the frame goes nowhere, as on a real NIC.
    if (!link.up || !this.connected) return;
    this.wire.carry(this, link.name, { family, src: from, dst, ttl: 255, payload: payload.slice() });
  }
  onReceive(fn: (d: ReceivedDatagram) => void): () => void {
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
    };
  }
  release(ifindex: number, family: Family): void {
    if (this.sockets.delete(`${ifindex}/${family}`)) this.released.push(`${ifindex}/${family}`);
  }
  /** A datagram received on `ifname` (default the constructor's), as if from the wire. */
  inject(d: Omit<ReceivedDatagram, "ifindex" | "rxMs">, ifname = this.ifname): void {
    this.arrive(ifname, d);
  }
  close(): void {
    for (const s of this.sockets) this.released.push(s);
    this.sockets.clear();
    this.closed = true;
  }

  /** The segment delivers here: our interface of that name must be up, joined or addressed. */
  arrive(segment: string, d: Omit<ReceivedDatagram, "ifindex" | "rxMs">): void {
    const l = this.host.link(segment);
    if (!l || !l.up || !this.connected || !this.sockets.has(`${l.index}/${d.family}`)) return;
    const dst = canon(d.dst);
    const forUs = isMulticast(dst)
      ? dst === (d.family === 4 ? GROUP_V4 : GROUP_V6) // IP_MULTICAST_ALL 0: only the group joined
      : l.addresses.some((a) => a.family === d.family && canon(a.address) === dst);
    if (!forUs) return;
    this.deliver({ ...d, ifindex: l.index, rxMs: this.wire.clock.nowMs() });
  }

  /** What the receive thread hands to the main thread (FakeIoTransport intercepts repeats here). */
  protected deliver(rx: ReceivedDatagram): void {
    for (const fn of this.listeners) fn(rx);
  }

  private linkByIndex(ifindex: number): LinkInfo | undefined {
    for (const l of this.host.linksByName.values()) if (l.index === ifindex) return l;
    return undefined;
  }
}

/** Records every sink call; `count(kind)` for assertions. */
export class RecordingMetrics implements MetricsSink {
  readonly calls: { kind: string; labels?: InstanceLabels; args: unknown[] }[] = [];
  private rec(kind: string, labels: InstanceLabels | undefined, ...args: unknown[]): void {
    this.calls.push({ kind, ...(labels && { labels }), args });
  }
  count(kind: string, pred: (args: unknown[]) => boolean = () => true): number {
    return this.calls.filter((c) => c.kind === kind && pred(c.args)).length;
  }
  state(l: InstanceLabels, s: string): void {
    this.rec("state", l, s);
  }
  transition(l: InstanceLabels, from: string, to: string, reason: string): void {
    this.rec("transition", l, from, to, reason);
  }
  priority(l: InstanceLabels, b: number, e: number): void {
    this.rec("priority", l, b, e);
  }
  advertSent(l: InstanceLabels, p: number): void {
    this.rec("advertSent", l, p);
  }
  advertReceived(l: InstanceLabels, p: number): void {
    this.rec("advertReceived", l, p);
  }
  advertGap(l: InstanceLabels, d: string, s: number): void {
    this.rec("advertGap", l, d, s);
  }
  dropped(l: InstanceLabels, r: DropReason): void {
    this.rec("dropped", l, r);
  }
  garpSent(l: InstanceLabels, n: number): void {
    this.rec("garpSent", l, n);
  }
  masterInfo(l: InstanceLabels, a: string | null): void {
    this.rec("masterInfo", l, a);
  }
  checksumForm(l: InstanceLabels, f: string): void {
    this.rec("checksumForm", l, f);
  }
  reload(ok: boolean): void {
    this.rec("reload", undefined, ok);
  }
  forget(l: InstanceLabels): void {
    this.rec("forget", l);
  }
}
