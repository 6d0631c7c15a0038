// The Linux implementation of the runtime ports, wired together. The only place bun:ffi is used
// is this folder; the rest of vigil sees the port interfaces.

import type { AddressProber } from "../../runtime/ports.ts";
import { LinuxAnnouncer } from "./announcer.ts";
import { arpWhoHas } from "./arp-probe.ts";
import { LinuxClock, type LinuxClockOptions } from "./clock.ts";
import { LinuxLinkWatcher } from "./link-watch.ts";
import { NetlinkSocket } from "./netlink.ts";
import { LinuxAddressManager } from "./rtnl.ts";
import { RxLoop, type RxLoopOptions } from "./rx.ts";
import { LinuxVrrpTransport } from "./vrrp-socket.ts";
import { LinuxVmacOs } from "./vmac.ts";
import { NftFirewall } from "./nft.ts";
import { LinuxProcessEvents } from "./proc-connector.ts";

export { LinuxAnnouncer } from "./announcer.ts";
export { LinuxClock } from "./clock.ts";
export { type ErrnoCode, OsError } from "./errors.ts";
export { LinuxLinkWatcher } from "./link-watch.ts";
export { NetlinkSocket } from "./netlink.ts";
export {
  currentPolicy,
  DEFAULT_RLIMIT_RTTIME_US,
  disableRealtimeAllThreads,
  enableRealtime,
  enableRealtimeAllThreads,
  limitRealtimeCpu,
  lockMemory,
  type RealtimeResult,
  threadPolicy,
} from "./realtime.ts";
export { LinuxAddressManager } from "./rtnl.ts";
export { RxLoop } from "./rx.ts";
export { LinuxVrrpTransport, VRRP_GROUP4, VRRP_GROUP6 } from "./vrrp-socket.ts";
export { getuid, ifNameToIndex } from "./libc.ts";
export { LinuxVmacOs } from "./vmac.ts";
export { findNft, NftFirewall } from "./nft.ts";
export { LinuxProcessEvents } from "./proc-connector.ts";

export interface LinuxPortsOptions {
  rx?: RxLoopOptions;
  clock?: LinuxClockOptions;
  /** Io timing from the start (see useIoTiming; default false). */
  ioTiming?: boolean;
  /** IPv6 VRRP checksum by the kernel (IPV6_CHECKSUM=6) instead of the protocol core. */
  kernelChecksum6?: boolean;
  /** Router flag in unsolicited NAs: fixed; absent, from the interface's IPv6 forwarding sysctl (keepalived). */
  naRouterFlag?: boolean;
  netlinkTimeoutMs?: number;
}

export interface LinuxPorts {
  clock: LinuxClock;
  prober: AddressProber;
  transport: LinuxVrrpTransport;
  addresses: LinuxAddressManager;
  announcer: LinuxAnnouncer;
  links: LinuxLinkWatcher;
  rx: RxLoop;
  /** use_vmac: macvlans over rtnetlink, sysctls. */
  vmac: LinuxVmacOs;
  /** Accept mode (no_accept, vrrp_strict): the nftables table, through the nft tool. */
  firewall: NftFirewall;
  /**
   * vrrp_track_process: process events from the proc connector, read by the rx Worker; `vigil run`
   * gives it to the daemon (DaemonDeps.processEvents). Where the kernel refuses, the tracker scans /proc.
   */
  processEvents: LinuxProcessEvents;
  /**
   * Periodic adverts sent by the io thread at their deadlines and every timer on its timerfd (see
   * clock.ts, rx-worker.ts). Call before the daemon starts. `vigil run` does with realtime on.
   */
  useIoTiming(): void;
  /** Closes every socket and joins the rx Worker. Safe to call twice. */
  close(): Promise<void>;
}

export function createLinuxPorts(opts: LinuxPortsOptions = {}): LinuxPorts {
  const rx = new RxLoop(opts.rx);
  const netlink = new NetlinkSocket({ timeoutMs: opts.netlinkTimeoutMs });
  const transport = new LinuxVrrpTransport({ rx, kernelChecksum6: opts.kernelChecksum6 });
  const addresses = new LinuxAddressManager({ netlink });
  const announcer = new LinuxAnnouncer({ router: opts.naRouterFlag });
  const links = new LinuxLinkWatcher({ rx, netlink });
  const processEvents = new LinuxProcessEvents(rx);
  let closed = false;
  const clock = new LinuxClock(opts.clock, rx);
  const useIoTiming = () => {
    clock.ioTimers = true;
    transport.enablePacing();
  };
  if (opts.ioTiming) useIoTiming();
  return {
    clock,
    useIoTiming,
    prober: { whoHas: arpWhoHas },
    transport,
    addresses,
    announcer,
    links,
    rx,
    vmac: new LinuxVmacOs(netlink),
    firewall: new NftFirewall(),
    processEvents,
    async close() {
      if (closed) return;
      closed = true;
      transport.close();
      links.close();
      announcer.close();
      await rx.stop();
      netlink.close();
    },
  };
}
