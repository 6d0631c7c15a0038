// What the io thread reads beside each datagram, without allocating: the ancillary data of one
// recvmsg (interface, TTL or hop limit, IPv6 destination, kernel arrival time) and its own
// kernel thread id.
import { readlinkSync } from "node:fs";
import * as C from "./consts.ts";
import { packetAgeMs, timespecMs } from "./libc.ts";
import { view, walkCmsgs } from "./structs.ts";

export class RxMeta {
  ifindex = 0;
  /** IP_TTL / IPV6_HOPLIMIT (-1: none; IPv4 takes it from the header instead). */
  ttl = -1;
  /** IPv6: where IPV6_PKTINFO's destination address sits in the control buffer (-1: none). */
  dstOff = -1;
  /** How long before the read the kernel stamped the datagram (SO_TIMESTAMPNS; 0: no stamp). */
  ageMs = 0;
  private v6 = false;
  private realNowMs = 0;
  private readonly cv: DataView;
  private readonly visit: (level: number, type: number, d: number, len: number) => void;

  constructor(control: Uint8Array) {
    const cv = (this.cv = view(control));
    this.visit = (level, type, d, len) => {
      if (!this.v6 && level === C.IPPROTO_IP && type === C.IP_PKTINFO && len >= 12) {
        this.ifindex = cv.getInt32(d, true);
      } else if (!this.v6 && level === C.IPPROTO_IP && type === C.IP_TTL && len >= 4) {
        this.ttl = cv.getInt32(d, true);
      } else if (this.v6 && level === C.IPPROTO_IPV6 && type === C.IPV6_PKTINFO && len >= 20) {
        this.dstOff = d; // pktinfo's first 16 bytes
        this.ifindex = cv.getUint32(d + 16, true);
      } else if (this.v6 && level === C.IPPROTO_IPV6 && type === C.IPV6_HOPLIMIT && len >= 4) {
        this.ttl = cv.getInt32(d, true);
      } else if (level === C.SOL_SOCKET && type === C.SO_TIMESTAMPNS && len >= 16) {
        this.ageMs = packetAgeMs(this.realNowMs, timespecMs(cv.getUint32(d, true), cv.getUint32(d + 4, true), cv.getUint32(d + 8, true)));
      }
    };
  }

  /** Reads the control buffer's first `length` bytes; `realNowMs`: CLOCK_REALTIME at the read. */
  read(v6: boolean, length: number, realNowMs: number): void {
    this.ifindex = 0;
    this.ttl = -1;
    this.dstOff = -1;
    this.ageMs = 0;
    this.v6 = v6;
    this.realNowMs = realNowMs;
    walkCmsgs(this.cv, length, this.visit);
  }
}

export function threadId(): number {
  try {
    return Number(readlinkSync("/proc/thread-self").split("/").pop()) || 0;
  } catch {
    return 0;
  }
}
