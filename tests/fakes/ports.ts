// In-memory implementations of the runtime ports, for daemon tests without root. A FakeHost holds
// links and addresses like a kernel would; FakeWire connects the transports of several hosts.
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
  VrrpTransport,
} from "../../src/runtime/ports.ts";
import type { FakeClock } from "./fake-clock.ts";

export class FakeHost implements AddressManager, LinkWatcher, Announcer, AddressProber {
  /** Who answers ARP for an address on the fake link (address → MACs). */
  readonly claims = new Map<string, string[]>();
  whoHas(_ifindex: number, _mac: Uint8Array, _senderIp: string, targets: string[]): Map<string, string[]> {
    return new Map(targets.map((t) => [t, this.claims.get(t) ?? []]));
  }

  readonly linksByName = new Map<string, LinkInfo>();
  private readonly listeners: ((l: LinkInfo) => void)[] = [];
  readonly announced: { kind: "garp" | "na"; address: string; atMs: number }[] = [];
  readonly addressLog: { op: "add" | "remove"; address: string }[] = [];
  readonly routes: RouteSpec[] = [];

  constructor(private readonly clock: FakeClock) {}

  addLink(name: string, addresses: InterfaceAddress[], up = true): LinkInfo {
    const l: LinkInfo = { name, index: this.linksByName.size + 2, mac: new Uint8Array([2, 0, 0, 0, 0, this.linksByName.size + 1]), up, addresses };
    this.linksByName.set(name, l);
    return l;
  }

  setUp(name: string, up: boolean): void {
    const l = this.linksByName.get(name)!;
    l.up = up;
    for (const fn of this.listeners) fn({ ...l });
  }

  addresses(name: string): string[] {
    return this.linksByName.get(name)!.addresses.map((a) => `${a.address}/${a.prefixLength}`);
  }

  // LinkWatcher
  link(name: string): LinkInfo | undefined {
    const l = this.linksByName.get(name);
    return l && { ...l, addresses: [...l.addresses] };
  }
  onChange(fn: (link: LinkInfo) => void): void {
    this.listeners.push(fn);
  }

  // AddressManager
  private byIndex(i: number): LinkInfo {
    for (const l of this.linksByName.values()) if (l.index === i) return l;
    throw new Error(`no link ${i}`);
  }
  add(spec: AddressSpec): boolean {
    const l = this.byIndex(spec.ifindex);
    if (l.addresses.some((a) => a.address === spec.address && a.prefixLength === spec.prefixLength)) return false;
    l.addresses.push({ family: spec.family, address: spec.address, prefixLength: spec.prefixLength });
    this.addressLog.push({ op: "add", address: spec.address });
    return true;
  }
  remove(spec: AddressSpec): boolean {
    const l = this.byIndex(spec.ifindex);
    const i = l.addresses.findIndex((a) => a.address === spec.address && a.prefixLength === spec.prefixLength);
    if (i < 0) return false;
    l.addresses.splice(i, 1);
    this.addressLog.push({ op: "remove", address: spec.address });
    return true;
  }
  list(ifindex: number): InterfaceAddress[] {
    return [...this.byIndex(ifindex).addresses];
  }
  addRoute(spec: RouteSpec): boolean {
    this.routes.push(spec);
    return true;
  }
  removeRoute(spec: RouteSpec): boolean {
    const i = this.routes.findIndex((r) => r.to === spec.to);
    if (i >= 0) this.routes.splice(i, 1);
    return i >= 0;
  }

  // Announcer
  garp(_ifindex: number, _mac: Uint8Array, address: string): void {
    this.announced.push({ kind: "garp", address, atMs: this.clock.nowMs() });
  }
  unsolicitedNa(_ifindex: number, _mac: Uint8Array, address: string): void {
    this.announced.push({ kind: "na", address, atMs: this.clock.nowMs() });
  }
}

/** A shared segment: what one transport sends, the others receive after latencyMs. */
export class FakeWire {
  private readonly members: FakeTransport[] = [];
  readonly sent: { from: string; dst: string; payload: Uint8Array; atMs: number }[] = [];
  constructor(
    readonly clock: FakeClock,
    readonly latencyMs = 1,
  ) {}
  join(t: FakeTransport): void {
    this.members.push(t);
  }
  deliver(from: FakeTransport, family: Family, payload: Uint8Array, dst: string, src: string): void {
    this.sent.push({ from: src, dst, payload, atMs: this.clock.nowMs() });
    for (const m of this.members) {
      if (m === from || !m.connected) continue;
      this.clock.setTimer(this.clock.nowMs() + this.latencyMs, () => m.inject({ family, src, dst, ttl: 255, payload }));
    }
  }
}

export class FakeTransport implements VrrpTransport {
  private handler: ((d: ReceivedDatagram) => void) | null = null;
  readonly opened: string[] = [];
  connected = true;
  closed = false;
  constructor(
    private readonly wire: FakeWire,
    private readonly ifindex: number,
  ) {
    wire.join(this);
  }
  open(ifname: string, _ifindex: number, family: Family): void {
    this.opened.push(`${ifname}/${family}`);
  }
  send(_ifindex: number, family: Family, payload: Uint8Array, dst: string, src: string): void {
    if (this.connected && !this.closed) this.wire.deliver(this, family, payload, dst, src);
  }
  onReceive(fn: (d: ReceivedDatagram) => void): void {
    this.handler = fn;
  }
  readonly released: string[] = [];
  release(ifindex: number, family: Family): void {
    this.released.push(`${ifindex}/${family}`);
  }
  inject(d: Omit<ReceivedDatagram, "ifindex" | "rxMs">): void {
    if (!this.closed) this.handler?.({ ...d, ifindex: this.ifindex, rxMs: this.wire.clock.nowMs() });
  }
  close(): void {
    this.closed = true;
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
