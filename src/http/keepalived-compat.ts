// Optional families under the names of the Prometheus keepalived exporter (mehdy/keepalived-exporter,
// internal/collector/collector.go), so dashboards and alerts written for keepalived keep working:
// labels iname/intf/vrid, and on the counters also state="INIT|BACKUP|MASTER|FAULT" as the exporter
// adds it (a query such as keepalived_become_master_total{state="MASTER"} must still match; the
// series changes with the state, as the exporter's does); keepalived_vrrp_state has one series per
// VIP (ip_address as keepalived prints it: "10.1.0.1/24", host prefixes omitted, "10.1.0.2").
// Rendered from the same records as vigil_vrrp_*: no extra work per advert. Not emitted: keepalived_gratuitous_arp_delay_total (the exporter puts keepalived's
// garp_delay *setting* there, not a count) and the script metrics (no keepalived data dump here).

import type { StatusSource } from "../runtime/ports.ts";
import type { DropReason } from "../protocol/reasons.ts";
import { DROP_INDEX, type InstanceSeries, prefix, shared, STATE_CODE } from "./series.ts";
import { type Family, header } from "./exposition.ts";

const drops = (...reasons: DropReason[]) => {
  const idx = reasons.map((reason) => DROP_INDEX.get(reason)!);
  return (r: InstanceSeries) => {
    let n = 0;
    for (const i of idx) n += r.drops[i]!;
    return n;
  };
};

const zero = () => 0;

// The state label as the exporter spells keepalived's states.
const STATE_TAIL = {
  init: shared(`,state="INIT"} `),
  backup: shared(`,state="BACKUP"} `),
  master: shared(`,state="MASTER"} `),
  fault: shared(`,state="FAULT"} `),
} as const;

function counter(name: string, help: string, get: (r: InstanceSeries) => number): Family {
  const head = shared(`${name}{`);
  return {
    head: (out) => header(out, name, "counter", help),
    each(out, r) {
      if (!r.attached) return;
      out.line3(head, r.klblBytes, STATE_TAIL[r.state ?? "init"], get(r));
    },
  };
}
const UP = prefix("keepalived_up", "");

// [name, help, value]: keepalived's vrrp_stats counters, mapped from vigil's drop reasons.
const COUNTERS: ReadonlyArray<[string, string, (r: InstanceSeries) => number]> = [
  ["keepalived_advertisements_received_total", "Advertisements received", (r) => r.received],
  ["keepalived_advertisements_sent_total", "Advertisements sent", (r) => r.sent],
  ["keepalived_become_master_total", "Became master", (r) => r.becameMaster],
  ["keepalived_release_master_total", "Released master", (r) => r.releasedMaster],
  ["keepalived_packet_length_errors_total", "Packet length errors", drops("short", "bad-address-count")],
  ["keepalived_advertisements_interval_errors_total", "Advertisement interval errors", drops("interval-mismatch", "bad-interval")],
  ["keepalived_ip_ttl_errors_total", "TTL errors", drops("bad-ttl")],
  ["keepalived_invalid_type_received_total", "Invalid type errors", drops("bad-type")],
  ["keepalived_address_list_errors_total", "Address list errors", drops("address-mismatch")],
  // vigil has one bad-auth reason where keepalived has three; it is counted as a failure.
  ["keepalived_authentication_invalid_total", "Authentication invalid", zero],
  ["keepalived_authentication_mismatch_total", "Authentication mismatch", zero],
  ["keepalived_authentication_failure_total", "Authentication failure", drops("bad-auth")],
  ["keepalived_priority_zero_received_total", "Priority zero received", (r) => r.pzReceived],
  ["keepalived_priority_zero_sent_total", "Priority zero sent", (r) => r.pzSent],
];

/** keepalived's ipaddresstos(): the prefix length only when it is not 32 (IPv4) or 128 (IPv6). */
export function keepalivedAddress(vip: string): string {
  const slash = vip.indexOf("/");
  if (slash < 0) return vip;
  const host = vip.includes(":") ? "128" : "32";
  return vip.slice(slash + 1) === host ? vip.slice(0, slash) : vip;
}

/** `source` is read once per scrape, for the VIP lists (null until bound). */
export function keepalivedFamilies(source: () => StatusSource | null): Family[] {
  const STATE = "keepalived_vrrp_state";
  const stateHead = shared(`${STATE}{`);
  let vips: Map<string, readonly string[]> | null = null;
  return [
    { head: (out) => (header(out, "keepalived_up", "gauge", "Status"), out.line(UP, 1)) },
    {
      head(out) {
        header(out, STATE, "gauge", "State of vrrp");
        const src = source();
        vips = src ? new Map(src.status().instances.map((s) => [s.name, s.virtualIps.map(keepalivedAddress)])) : null;
      },
      each(out, r) {
        if (r.state === null || !r.attached) return;
        const list = vips?.get(r.labels.instance) ?? [];
        // As the exporter does for an instance without VIPs: one series with ip_address="".
        for (const ip of list.length > 0 ? list : [""]) out.line3(stateHead, r.klblBytes, r.vipTail(ip), STATE_CODE[r.state]);
      },
    },
    ...COUNTERS.map(([name, help, get]) => counter(name, help, get)),
  ];
}
