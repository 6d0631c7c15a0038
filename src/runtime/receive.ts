// Receive path: one datagram → the instance it is for, or a counted drop. Hot path: no allocation
// beyond decoding, no logging above debug (a flood must not become a log flood).
import { checkForInstance, decodeAdvert } from "../protocol/packet.ts";
import type { DropReason } from "../protocol/reasons.ts";
import type { Instance } from "./instance.ts";
import type { InstanceLabels, Logger, MetricsSink, ReceivedDatagram } from "./ports.ts";

export class Receiver {
  constructor(
    /** Instances on one interface and family (kept indexed by the daemon: this runs per packet). */
    private readonly onLink: (ifindex: number, family: 4 | 6) => readonly Instance[],
    private readonly metrics: MetricsSink,
    private readonly logger: Logger,
    private readonly ifname: (ifindex: number) => string,
  ) {}

  handle(d: ReceivedDatagram): void {
    const candidates = this.onLink(d.ifindex, d.family);
    if (candidates.length === 0) return; // a socket shared with nobody any more (reload race)
    // Multicast loop is off, but a bridge or a unicast peer list naming ourselves can echo.
    if (candidates.some((i) => i.srcAddress === d.src)) return this.drop(candidates[0]!.labels, "own-packet", d);

    const decoded = decodeAdvert(d.payload, { family: d.family, srcAddress: d.src, dstAddress: d.dst, ttl: d.ttl });
    // Before the VRID is known, a drop belongs to the interface — or to its only instance there.
    if (!decoded.ok) return this.drop(candidates.length === 1 ? candidates[0]!.labels : this.ifaceLabels(d, ""), decoded.reason, d);
    const packet = decoded.packet;
    const inst = candidates.find((i) => i.cfg.vrid === packet.vrid);
    if (!inst) return this.drop(this.ifaceLabels(d, String(packet.vrid)), "bad-vrid", d);

    // keepalived accepts unicast adverts only from its configured peers (vrrp_check_unicast_src).
    if (inst.cfg.unicastPeers.length > 0 && !inst.cfg.unicastPeers.includes(d.src)) return this.drop(inst.labels, "unknown-peer", d);

    const reason = checkForInstance(packet, {
      version: inst.cfg.version,
      vrid: inst.cfg.vrid,
      advertIntervalCs: inst.cfg.advertIntervalCs,
      ...(inst.cfg.authPass !== undefined && { authPass: inst.cfg.authPass }),
      addresses: inst.cfg.virtualIps.map((v) => v.address),
    });
    if (reason) return this.drop(inst.labels, reason, d);
    inst.receive(packet, d, d.family === 4 && packet.version === 3 ? decoded.checksumForm : null);
  }

  private ifaceLabels(d: ReceivedDatagram, vrid: string): InstanceLabels {
    return { instance: "", interface: this.ifname(d.ifindex), vrid };
  }

  private drop(labels: InstanceLabels, reason: DropReason, d: ReceivedDatagram): void {
    this.metrics.dropped(labels, reason);
    this.logger.log("debug", "dropped VRRP packet", { reason, src: d.src, interface: labels.interface, ttl: d.ttl });
  }
}
