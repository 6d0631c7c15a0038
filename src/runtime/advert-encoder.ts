// The bytes of an instance's adverts, encoded once per priority: the advert timer is the hot path,
// and the io thread is handed these same bytes to send at each deadline.
import type { InstanceConfig } from "../config/schema.ts";
import { encodeAdvert } from "../protocol/packet.ts";

export const VRRP_GROUP_V4 = "224.0.0.18"; // RFC 5798 §5.1.1.2
export const VRRP_GROUP_V6 = "ff02::12"; // RFC 5798 §5.1.2.2

export interface EncodedAdvert {
  dst: string;
  bytes: Uint8Array;
}

export class AdvertEncoder {
  private readonly byPriority = new Map<number, EncodedAdvert[]>();

  constructor(
    private cfg: InstanceConfig,
    private readonly srcAddress: string,
  ) {}

  /** A reload changed the config: encode again on next use. */
  reconfigure(cfg: InstanceConfig): void {
    this.cfg = cfg;
    this.byPriority.clear();
  }

  /** One packet per destination: the group, or each unicast peer. */
  packets(priority: number): EncodedAdvert[] {
    let packets = this.byPriority.get(priority);
    if (packets) return packets;
    const cfg = this.cfg;
    const dsts = cfg.unicastPeers.length > 0 ? cfg.unicastPeers : [cfg.family === 4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6];
    // RFC 5798 §5.2.9: only virtual_ipaddress is carried; _excluded is not.
    const addresses = cfg.virtualIps.map((v) => v.address);
    packets = dsts.map((dst) => ({
      dst,
      bytes: encodeAdvert({
        version: cfg.version,
        family: cfg.family,
        vrid: cfg.vrid,
        priority,
        advertIntervalCs: cfg.advertIntervalCs,
        addresses,
        ...(cfg.authPass !== undefined && { authPass: cfg.authPass }),
        srcAddress: this.srcAddress,
        dstAddress: dst,
        v3Ipv4Checksum: cfg.v3Ipv4Checksum,
      }),
    }));
    this.byPriority.set(priority, packets);
    return packets;
  }
}
