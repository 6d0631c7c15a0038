// Announcer port: gratuitous ARP for IPv4 VIPs, unsolicited NA for IPv6 VIPs.

import type { Announcer } from "../../runtime/ports.ts";
import { GarpSender } from "./arp.ts";
import { NaSender, type NaSenderOptions } from "./ndisc.ts";

export class LinuxAnnouncer implements Announcer {
  private readonly arp = new GarpSender();
  private readonly nd: NaSender;

  constructor(opts: NaSenderOptions = {}) {
    this.nd = new NaSender(opts);
  }

  garp(ifindex: number, mac: Uint8Array, address: string): void {
    this.arp.send(ifindex, mac, address);
  }

  unsolicitedNa(ifindex: number, mac: Uint8Array, address: string): void {
    this.nd.send(ifindex, mac, address);
  }

  close(): void {
    this.arp.close();
    this.nd.close();
  }
}
