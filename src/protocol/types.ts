// The contract of the pure protocol core: what the FSM consumes and what it asks the runtime to do.
// Nothing here performs I/O; times are plain numbers the caller supplies (monotonic ms).

export type Family = 4 | 6;
export type VrrpVersion = 2 | 3;

/** RFC 5798 §6.4 states, plus Fault (link or tracking failure, as keepalived). */
export type VrrpState = "init" | "backup" | "master" | "fault";

/** Why a transition happened; also the `reason` label of vigil_vrrp_transitions_total. */
export type TransitionReason =
  | "startup" // Initialize → Backup/Master on start (RFC 5798 §6.4.1)
  | "address-owner" // priority 255 goes straight to Master (§6.4.1)
  | "master-down-timeout" // Master_Down_Timer fired (§6.4.2)
  | "priority-zero-received" // master resigned; backup waited Skew only (§6.4.2)
  | "higher-priority-advert" // Master saw a better advert (§6.4.3)
  | "preempt" // backup with higher priority took over after the down timer (§6.4.2)
  | "link-down"
  | "link-up"
  | "track-failed"
  | "track-recovered"
  | "priority-change"
  | "shutdown"
  | "reload"
  | "sync-group" // keepalived vrrp_sync_group: a member moved, the group follows
  | "send-failed" // adverts could not be sent: a master that cannot speak must not hold the VIP
  | "vip-failed" // the VIPs could not be added (netlink errors)
  | "interface-missing" // the instance's interface does not exist (yet)
  | "recovered"; // a send-failed / vip-failed fault was retried

/** Immutable per-instance parameters the FSM needs (filled from the config model). */
export interface FsmParams {
  version: VrrpVersion;
  family: Family;
  vrid: number; // 1..255
  /** Configured (base) priority 1..255; the effective one lives in FsmState. */
  basePriority: number;
  /** Our advert interval in centiseconds (v2: seconds × 100). */
  advertIntervalCs: number;
  /** Preempt_Mode (RFC 5798 §6.1); keepalived `nopreempt` sets it false. */
  preempt: boolean;
  /** keepalived `preempt_delay`: no preemption until this long after startup. */
  preemptDelayMs: number;
  /** Our primary address on the interface, for the equal-priority tie-break (§6.4.3). */
  primaryAddress: string;
  /** keepalived `state MASTER`: go to Master at startup instead of waiting for Master_Down. */
  startAsMaster: boolean;
  /**
   * keepalived `lower_prio_no_advert`: a Master does not answer a lower-priority advert with one of
   * its own (RFC 9568 §6.4.3 says it SHOULD; absent = answer).
   */
  lowerPrioNoAdvert?: boolean;
  /** keepalived `garp_lower_prio_repeat` > 0: a Master re-announces its VIPs on a lower-priority advert. */
  lowerPrioReannounce?: boolean;
  /**
   * keepalived `higher_prio_send_advert`: a Master that yields to a better advert first sends one
   * advert of its own (absent = not, as the RFC).
   */
  higherPrioSendAdvert?: boolean;
}

export interface FsmState {
  readonly params: FsmParams;
  state: VrrpState;
  /** Effective priority = base ± tracking weights, clamped 1..254 (255 only for owners). */
  priority: number;
  /** Master_Adver_Interval (centiseconds): learned from the master in v3 (§6.4.2), ours in v2. */
  masterAdvertIntervalCs: number;
  /** Source address of the current master as last seen, or ours when we are master. */
  masterAddress: string | null;
  /** Deadlines (monotonic ms) — timers are state; null = not armed. */
  advertDeadlineMs: number | null;
  masterDownDeadlineMs: number | null;
  /** Set while resigning on shutdown: VIPs held until the new master speaks or this passes. */
  shutdownDeadlineMs: number | null;
  /** Monotonic ms of startup (or of leaving Fault), for preempt_delay. */
  startedAtMs: number | null;
  /** Reasons the instance is in Fault (link names, track names); empty = no fault. */
  faults: readonly string[];
  lastTransitionMs: number | null;
  lastTransitionReason: TransitionReason | null;
  /**
   * Backup only: the reason reported if Master_Down_Timer fires now — "master-down-timeout"
   * after a normal advert, "priority-zero-received" after a priority 0, "preempt" after we
   * discarded a lower-priority master's advert (RFC 5798 §6.4.2).
   */
  masterDownReason: TransitionReason;
  /** Reason of the most recent fault, used when startup finds faults already present. */
  lastFaultReason: FaultReason | null;
  /** When a Master last answered a lower-priority advert at once (rate limit, RFC 9568 §6.4.3). */
  lastExtraAdvertMs: number | null;
}

export type FaultReason = Extract<FsmEvent, { type: "fault" }>["reason"];
export type FaultClearedReason = Extract<FsmEvent, { type: "faultCleared" }>["reason"];

export type TimerName = "advert" | "masterDown" | "shutdown";

export type FsmEvent =
  | { type: "startup" }
  /** Stop: Master sends priority 0 (§6.4.3) and holds VIPs until the new master speaks. */
  | { type: "shutdown" }
  /** A valid advert for our VRID (already decoded and checked by packet.ts). */
  | {
    type: "advert";
    priority: number;
    sourceAddress: string;
    /** v3: Max Adver Int from the packet (cs); v2: advert_int × 100. */
    maxAdvertIntervalCs: number;
  }
  | { type: "timer"; timer: TimerName }
  /** A fault source went bad / came back (link carrier, track_interface, track_script…). */
  | { type: "fault"; source: string; reason: "link-down" | "track-failed" | "sync-group" | "send-failed" | "vip-failed" | "interface-missing" }
  | { type: "faultCleared"; source: string; reason: "link-up" | "track-recovered" | "sync-group" | "recovered" }
  /** Effective priority changed (tracking weights). */
  | { type: "priority"; priority: number }
  /** keepalived vrrp_sync_group: another member became Master / Backup; follow it. */
  | { type: "sync"; to: "master" | "backup" };

export type FsmAction =
  | { type: "sendAdvert"; priority: number }
  | { type: "addVips" }
  | { type: "removeVips" }
  /** Gratuitous ARP (IPv4) / unsolicited NA (IPv6) for every VIP (RFC 5798 §6.4.1/§6.4.2). */
  | { type: "announce" }
  /** A Master heard a lower-priority advert: refresh ARP/ND caches (keepalived garp_lower_prio_repeat). */
  | { type: "reannounce" }
  | { type: "armTimer"; timer: TimerName; atMs: number }
  | { type: "cancelTimer"; timer: TimerName }
  | { type: "transition"; from: VrrpState; to: VrrpState; reason: TransitionReason }
  /** Shutdown complete: the runtime may close this instance. */
  | { type: "stopped" };

export interface StepResult {
  state: FsmState;
  actions: FsmAction[];
}
