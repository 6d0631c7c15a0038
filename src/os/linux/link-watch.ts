// LinkWatcher: a netlink socket joined to RTMGRP_LINK, read by the rx Worker; every change of a
// link's up/carrier state (or its removal) is reported with a fresh LinkInfo.

import type { LinkInfo, LinkWatcher } from "../../runtime/ports.ts";
import * as C from "./consts.ts";
import { NetlinkSocket, parseMessages } from "./netlink.ts";
import { dumpAddrs, dumpLinks, getLink, parseLink, type RawLink } from "./rtnl.ts";
import type { RxFdMsg, RxLoop } from "./rx.ts";

export interface LinuxLinkWatcherOptions {
  rx: RxLoop;
  /** Request socket for link()/address lookups; one is created otherwise. */
  netlink?: NetlinkSocket;
  /** Called when the event socket overflowed and state was resynchronised from a dump. */
  onResync?: () => void;
}

interface Known {
  name: string;
  up: boolean;
}

export class LinuxLinkWatcher implements LinkWatcher {
  private readonly nl: NetlinkSocket;
  private readonly ownsNl: boolean;
  private readonly events: NetlinkSocket;
  private listeners: ((l: LinkInfo) => void)[] = [];
  private readonly known = new Map<number, Known>();
  private readonly opts: LinuxLinkWatcherOptions;
  private closed = false;

  constructor(opts: LinuxLinkWatcherOptions) {
    this.opts = opts;
    this.ownsNl = !opts.netlink;
    this.nl = opts.netlink ?? new NetlinkSocket();
    // Subscribe before the first dump so no change falls between the two.
    this.events = new NetlinkSocket({ groups: C.RTMGRP_LINK, nonBlocking: true, receiveBufferBytes: 1 << 20 });
    opts.rx.add(this.events.fd, "netlink", (m) => this.onMessage(m));
    for (const l of dumpLinks(this.nl)) this.known.set(l.index, { name: l.name, up: l.up });
  }

  link(name: string): LinkInfo | undefined {
    const l = getLink(this.nl, name);
    return l ? this.info(l) : undefined;
  }

  onChange(fn: (link: LinkInfo) => void): () => void {
    this.listeners = [...this.listeners, fn];
    // Copy-on-write, so unsubscribing during a dispatch cannot make the loop skip a handler.
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.rx.remove(this.events.fd);
    this.events.close();
    if (this.ownsNl) this.nl.close();
  }

  private info(l: RawLink, withAddresses = true): LinkInfo {
    const addresses = withAddresses
      ? dumpAddrs(this.nl)
        .filter((a) => a.index === l.index)
        .map(({ family, address, prefixLength, label }) => ({ family, address, prefixLength, ...(label !== undefined ? { label } : {}) }))
      : [];
    return { name: l.name, index: l.index, mac: l.mac, up: l.up, addresses };
  }

  private onMessage(m: RxFdMsg): void {
    if (this.closed) return;
    if (m.t === "overrun") return this.resync();
    if (m.t !== "netlink") return;
    for (const r of parseMessages(m.data)) {
      if (r.type !== C.RTM_NEWLINK && r.type !== C.RTM_DELLINK) continue;
      const l = parseLink(r.body);
      if (r.type === C.RTM_DELLINK) {
        // Removed: report it down unless it already was (addresses are gone with it).
        const prev = this.known.get(l.index);
        this.known.delete(l.index);
        if (prev?.up) this.emit({ ...l, up: false }, false);
        continue;
      }
      this.update(l);
    }
  }

  private update(l: RawLink): void {
    const prev = this.known.get(l.index);
    this.known.set(l.index, { name: l.name, up: l.up });
    if (!prev || prev.up !== l.up || prev.name !== l.name) this.emit(l, true);
  }

  private resync(): void {
    const seen = new Set<number>();
    for (const l of dumpLinks(this.nl)) {
      seen.add(l.index);
      this.update(l);
    }
    for (const [index, k] of [...this.known]) {
      if (seen.has(index)) continue;
      this.known.delete(index);
      if (k.up) this.emit({ index, name: k.name, flags: 0, mac: new Uint8Array(6), up: false }, false);
    }
    this.opts.onResync?.();
  }

  private emit(l: RawLink, withAddresses: boolean): void {
    let info: LinkInfo;
    try {
      info = this.info(l, withAddresses);
    } catch {
      info = this.info(l, false);
    }
    for (const fn of this.listeners) fn(info);
  }
}
