// Per-instance VRRP series kept as plain numbers with their label text rendered once.
// Why not prom-client objects: at 255 instances (~25k lines with the histogram) prom-client's
// registry.metrics() takes ~40 ms, which would stall the advert timer; rendering these records
// takes a few ms (bench/metrics.ts). The hot path (a sink call per advert) is a field increment.

import { DROP_REASONS, type DropReason } from "../protocol/reasons.ts";
import type { TransitionReason, VrrpState } from "../protocol/types.ts";
import type { InstanceLabels } from "../runtime/ports.ts";

/** The keepalived (and keepalived-exporter) state encoding, which vigil_vrrp_state reuses. */
export const STATE_CODE: Readonly<Record<VrrpState, number>> = { init: 0, backup: 1, master: 2, fault: 3 };

/**
 * Gap between adverts, seconds. Bands around the common intervals, so jitter and loss show:
 * 10 ms and 20 ms ±1 ms, 20 ms late by 5/10 ms; 2× and 3× 20 ms (one or two adverts lost, 3× ≈
 * Master_Down) at 40/60 ms; 100 ms ±10 ms; 1 s ±10/50 ms, late by 100/500 ms; 2× and 3× 1 s;
 * then coarse up to 60 s (v3 max is 40.95 s; v2 adverts up to 255 s fall in +Inf).
 * 27 bounds: each costs 255 × 2 lines per scrape at 255 instances, so no finer than useful.
 */
export const ADVERT_INTERVAL_BUCKETS_S: readonly number[] = [
  0.005,
  0.009,
  0.011,
  0.015,
  0.019,
  0.021,
  0.025,
  0.03,
  0.04,
  0.05,
  0.06,
  0.09,
  0.11,
  0.2,
  0.5,
  0.95,
  0.99,
  1.01,
  1.05,
  1.1,
  1.5,
  2,
  3,
  5,
  10,
  30,
  60,
];

export const DROP_INDEX: ReadonlyMap<DropReason, number> = new Map(DROP_REASONS.map((r, i) => [r, i]));

/** Label value escaping of the text exposition format: backslash, double quote, newline. */
export function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

const enc = new TextEncoder();
/** A line prefix `name{labels} ` as bytes: rendered once, copied into every scrape. */
export const prefix = (name: string, lbl: string): Uint8Array => enc.encode(lbl ? `${name}{${lbl}} ` : `${name} `);

const sharedBytes = new Map<string, Uint8Array>();
/**
 * A fragment every instance uses (`name{`, `,reason="short"} `, `,le="0.005"} `…) encoded once for
 * the process. Only finite sets of text come here (names, reasons, states, forms, bounds).
 */
export function shared(text: string): Uint8Array {
  let b = sharedBytes.get(text);
  if (!b) sharedBytes.set(text, b = enc.encode(text));
  return b;
}

/** The tails of a direction's histogram lines: `,direction="…",le="b"} ` per bound, le="+Inf", then `,direction="…"} `. */
function gapTails(bounds: readonly number[], direction: "sent" | "received"): Uint8Array[] {
  const d = `,direction="${direction}"`;
  return [...bounds.map((b) => shared(`${d},le="${b}"} `)), shared(`${d},le="+Inf"} `), shared(`${d}} `)];
}

export const TRANSITIONS_NAME = "vigil_vrrp_transitions_total";
export const DROPPED_NAME = "vigil_vrrp_packets_dropped_total";
export const MASTER_INFO_NAME = "vigil_vrrp_master_info";
export const CHECKSUM_FORM_NAME = "vigil_vrrp_v3_checksum_form_total";
export const GAP_NAME = "vigil_vrrp_advert_interval_seconds";

/** One histogram series (one direction): non-cumulative bucket counts, cumulated when rendered. */
export class GapHistogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Line tails after the instance's labels (shared by every instance, see gapTails). */
  readonly tails: readonly Uint8Array[];

  constructor(
    readonly bounds: readonly number[],
    direction: "sent" | "received",
  ) {
    this.counts = new Float64Array(bounds.length);
    this.tails = gapTails(bounds, direction);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    // Binary search for the first bound ≥ v (le is inclusive); beyond the last only +Inf counts.
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.bounds[mid]! >= v) hi = mid;
      else lo = mid + 1;
    }
    if (lo < this.counts.length) this.counts[lo]!++;
  }
}

/** A counter with labels beyond the instance's (transition, checksum form): `,…} ` and its count. */
export interface Labelled {
  tail: Uint8Array;
  n: number;
}

export class InstanceSeries {
  /**
   * false for instance "": drops the runtime cannot pin on an instance (bad VRID, undecodable
   * packet) are counted per interface/VRID, and only those counters (non-zero ones) are shown.
   */
  readonly attached: boolean;
  /** Set by forget(): a caller still holding the labels object gets a fresh record. */
  forgotten = false;
  /** `instance="…",interface="…",vrid="…"` — escaped once. */
  readonly lbl: string;
  /** keepalived-exporter labels `iname="…",intf="…",vrid="…"`. */
  readonly klbl: string;
  state: VrrpState | null = null;
  priority: number | null = null;
  basePriority: number | null = null;
  lastTransitionS: number | null = null;
  sent = 0;
  received = 0;
  pzSent = 0;
  pzReceived = 0;
  garp = 0;
  becameMaster = 0;
  releasedMaster = 0;
  readonly drops = new Float64Array(DROP_REASONS.length);
  readonly transitions = new Map<string, Labelled>();
  readonly checksumForms = new Map<string, Labelled>();
  master: { address: string; tail: Uint8Array } | null = null;
  gapSent: GapHistogram | null = null;
  gapReceived: GapHistogram | null = null;
  /** lbl as bytes, between a shared `name{` and a shared tail on every line. */
  readonly lblBytes: Uint8Array;
  private klblCache: Uint8Array | null = null;
  private bucketCache: Uint8Array | null = null;
  private readonly vipTails = new Map<string, Uint8Array>();

  constructor(readonly labels: Readonly<InstanceLabels>) {
    this.attached = labels.instance !== "";
    const vrid = escapeLabel(labels.vrid);
    this.lbl = `instance="${escapeLabel(labels.instance)}",interface="${escapeLabel(labels.interface)}",vrid="${vrid}"`;
    this.klbl = `iname="${escapeLabel(labels.instance)}",intf="${escapeLabel(labels.interface)}",vrid="${vrid}"`;
    this.lblBytes = enc.encode(this.lbl);
  }

  /** `…_bucket{` and lbl in one piece: the start of every bucket line, both directions. */
  bucketStart(): Uint8Array {
    return (this.bucketCache ??= enc.encode(`${GAP_NAME}_bucket{${this.lbl}`));
  }

  /** klbl as bytes (only with keepalived-exporter names). */
  get klblBytes(): Uint8Array {
    return (this.klblCache ??= enc.encode(this.klbl));
  }

  /** Cheap guard for the identity cache, should a caller mutate its labels object. */
  matches(l: InstanceLabels): boolean {
    return l.instance === this.labels.instance && l.interface === this.labels.interface && l.vrid === this.labels.vrid;
  }

  /** keepalived_vrrp_state's tail for one VIP; VIP lists change only on reload. */
  vipTail(ip: string): Uint8Array {
    let p = this.vipTails.get(ip);
    if (!p) {
      if (this.vipTails.size >= 256) this.vipTails.clear(); // bound it across many reloads
      this.vipTails.set(ip, p = enc.encode(`,ip_address="${escapeLabel(ip)}"} `));
    }
    return p;
  }

  transition(from: VrrpState, to: VrrpState, reason: TransitionReason): void {
    const key = `${from}\0${to}\0${reason}`;
    let t = this.transitions.get(key);
    if (!t) {
      t = { tail: shared(`,from="${from}",to="${to}",reason="${escapeLabel(reason)}"} `), n: 0 };
      this.transitions.set(key, t);
    }
    t.n++;
    this.state = to;
    if (to === "master" && from !== "master") this.becameMaster++;
    if (from === "master" && to !== "master") this.releasedMaster++;
  }

  checksumForm(form: string): void {
    let c = this.checksumForms.get(form);
    if (!c) {
      c = { tail: shared(`,form="${escapeLabel(form)}"} `), n: 0 };
      this.checksumForms.set(form, c);
    }
    c.n++;
  }

  /** master_info keeps one series: a new address replaces the old one's labels. */
  setMaster(address: string | null): void {
    if (address === null) this.master = null;
    else if (this.master?.address !== address) {
      this.master = { address, tail: enc.encode(`,address="${escapeLabel(address)}"} `) };
    }
  }

  gap(direction: "sent" | "received", bounds: readonly number[]): GapHistogram {
    if (direction === "sent") return (this.gapSent ??= new GapHistogram(bounds, "sent"));
    return (this.gapReceived ??= new GapHistogram(bounds, "received"));
  }
}

export function seriesKey(l: InstanceLabels): string {
  return `${l.instance}\0${l.interface}\0${l.vrid}`;
}
