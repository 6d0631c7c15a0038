// The VRRP state machine as a pure function (RFC 5798 §6.4, RFC 9568 §6.4, RFC 3768 §6.4).
//
//   step(state, event, nowMs) → { state, actions }
//
// The input state is never mutated; each step returns a fresh object, so callers can keep
// histories. Timers are state: each armTimer/cancelTimer action mirrors a deadline field, and
// `armTimer` replaces any earlier timer of the same name. Every state change goes through
// changeState(), which runs the exit actions of the old state, emits `transition`, records it,
// and runs the entry actions of the new one (as FRR's vrrp_change_state()).
//
// vigil additions to the RFC machine, each documented where it acts:
// - Fault state (link or tracking failure, as keepalived);
// - keepalived `preempt_delay` (and `state MASTER`, which like keepalived does not skip the
//   Master_Down_Timer: see enterRunning);
// - make-before-break shutdown: a resigning master keeps its VIPs until the new master speaks.
// From RFC 9568 over RFC 5798: a master that hears a lower-priority advert answers at once.
// keepalived `higher_prio_send_advert`: a master that yields first sends one advert (onAdvertAsMaster).

import { compareAddresses } from "./address.ts";
import { ADVERT_INTERVAL_MAX_CS, ADVERT_INTERVAL_MIN_CS, PRIORITY_OWNER, PRIORITY_RESIGN } from "./constants.ts";
import { advertIntervalMs, freshAdvertDeadlineMs, masterDownIntervalMs, shutdownHoldMs, skewTimeMs } from "./timers.ts";
import type { FaultClearedReason, FaultReason, FsmAction, FsmEvent, FsmParams, FsmState, StepResult, TimerName, TransitionReason, VrrpState } from "./types.ts";

/** The mutable scratch of one step: a private copy of the state plus the actions emitted. */
interface Ctx {
  s: FsmState;
  actions: FsmAction[];
  nowMs: number;
}

type AdvertEvent = Extract<FsmEvent, { type: "advert" }>;

export function initialState(params: FsmParams): FsmState {
  return {
    params,
    state: "init",
    priority: params.basePriority,
    masterAdvertIntervalCs: params.advertIntervalCs,
    masterAddress: null,
    advertDeadlineMs: null,
    masterDownDeadlineMs: null,
    shutdownDeadlineMs: null,
    startedAtMs: null,
    faults: [],
    lastTransitionMs: null,
    lastTransitionReason: null,
    masterDownReason: "master-down-timeout",
    lastFaultReason: null,
    lastExtraAdvertMs: null,
  };
}

export function step(state: FsmState, event: FsmEvent, nowMs: number): StepResult {
  const ctx: Ctx = { s: { ...state }, actions: [], nowMs };
  switch (event.type) {
    case "startup":
      onStartup(ctx);
      break;
    case "shutdown":
      onShutdown(ctx);
      break;
    case "advert":
      onAdvert(ctx, event);
      break;
    case "timer":
      onTimer(ctx, event.timer);
      break;
    case "fault":
      onFault(ctx, event.source, event.reason);
      break;
    case "faultCleared":
      onFaultCleared(ctx, event.source, event.reason);
      break;
    case "priority":
      onPriority(ctx, event.priority);
      break;
    case "sync":
      onSync(ctx, event.to);
      break;
  }
  return { state: ctx.s, actions: ctx.actions };
}

// ---- timers as state -------------------------------------------------------------------

const DEADLINE_FIELD = {
  advert: "advertDeadlineMs",
  masterDown: "masterDownDeadlineMs",
  shutdown: "shutdownDeadlineMs",
} as const satisfies Record<TimerName, keyof FsmState>;

function arm(ctx: Ctx, timer: TimerName, atMs: number): void {
  ctx.s[DEADLINE_FIELD[timer]] = atMs;
  ctx.actions.push({ type: "armTimer", timer, atMs });
}

function cancel(ctx: Ctx, timer: TimerName): void {
  if (ctx.s[DEADLINE_FIELD[timer]] === null) return;
  ctx.s[DEADLINE_FIELD[timer]] = null;
  ctx.actions.push({ type: "cancelTimer", timer });
}

/** Backup: (re)arm Master_Down_Timer `durationMs` from now, remembering what its expiry means. */
function armMasterDown(ctx: Ctx, durationMs: number, reason: TransitionReason): void {
  ctx.s.masterDownReason = reason;
  arm(ctx, "masterDown", ctx.nowMs + durationMs);
}

function ownAdvertIntervalMs(s: FsmState): number {
  return advertIntervalMs(s.params.advertIntervalCs);
}

function currentMasterDownMs(s: FsmState): number {
  return masterDownIntervalMs(s.params.version, s.priority, s.masterAdvertIntervalCs);
}

// ---- the one state-change function -----------------------------------------------------

function changeState(ctx: Ctx, to: VrrpState, reason: TransitionReason): void {
  const { s } = ctx;
  const from = s.state;
  // Exit actions.
  if (from === "master") {
    cancel(ctx, "advert"); // §6.4.3 "Cancel the Adver_Timer"
    cancel(ctx, "shutdown");
    ctx.actions.push({ type: "removeVips" });
  } else if (from === "backup") {
    cancel(ctx, "masterDown"); // §6.4.2 "Cancel the Master_Down_Timer"
  }
  ctx.actions.push({ type: "transition", from, to, reason });
  s.state = to;
  s.lastTransitionMs = ctx.nowMs;
  s.lastTransitionReason = reason;
  // Entry actions.
  if (to === "master") {
    // §6.4.1 / §6.4.2: send an ADVERTISEMENT, broadcast gratuitous ARP / unsolicited NA for
    // each VIP (after adding them), set Adver_Timer to Advertisement_Interval.
    s.masterAddress = s.params.primaryAddress;
    s.masterAdvertIntervalCs = s.params.advertIntervalCs;
    ctx.actions.push({ type: "sendAdvert", priority: s.priority }, { type: "addVips" }, { type: "announce" });
    arm(ctx, "advert", freshAdvertDeadlineMs(ctx.nowMs, ownAdvertIntervalMs(s)));
  } else if (to === "backup") {
    // §6.4.1 / §6.4.3: set Master_Down_Timer to Master_Down_Interval (the caller has set
    // Master_Adver_Interval: our own at startup, the new master's when demoted).
    armMasterDown(ctx, currentMasterDownMs(s), "master-down-timeout");
  } else {
    s.masterAddress = null;
  }
}

// ---- events ----------------------------------------------------------------------------

/**
 * §6.4.1: leave Initialize: Master only as the address owner (Priority = 255), else Backup with
 * the Master_Down_Timer. keepalived's `state MASTER` (startAsMaster) changes nothing here: keepalived
 * (vrrp_init_state) takes over at once only when it owns the addresses and otherwise waits the full
 * Master_Down_Interval like any backup, so a restarted "master" never preempts a live master
 * without hearing it first.
 */
function enterRunning(ctx: Ctx, reason: TransitionReason, ownerReason: TransitionReason, _startup: boolean): void {
  const { s } = ctx;
  s.startedAtMs = ctx.nowMs;
  if (s.priority === PRIORITY_OWNER) {
    changeState(ctx, "master", ownerReason); // §6.4.1 "If the Priority = 255"
  } else {
    s.masterAdvertIntervalCs = s.params.advertIntervalCs; // §6.4.1 Master_Adver_Interval := Advertisement_Interval
    s.masterAddress = null;
    changeState(ctx, "backup", reason);
  }
}

function onStartup(ctx: Ctx): void {
  if (ctx.s.state !== "init") return; // already running: idempotent
  if (ctx.s.faults.length > 0) {
    ctx.s.startedAtMs = ctx.nowMs;
    changeState(ctx, "fault", ctx.s.lastFaultReason ?? "link-down");
    return;
  }
  enterRunning(ctx, "startup", "address-owner", true);
}

/** End of the make-before-break hold (or a forced stop): drop VIPs, go to Initialize. */
function finishShutdown(ctx: Ctx): void {
  changeState(ctx, "init", "shutdown");
  ctx.actions.push({ type: "stopped" });
}

function onShutdown(ctx: Ctx): void {
  const { s } = ctx;
  switch (s.state) {
    case "master":
      if (s.shutdownDeadlineMs !== null) {
        finishShutdown(ctx); // second request while resigning: stop now
        return;
      }
      // §6.4.3 Shutdown: cancel the Adver_Timer, send an ADVERTISEMENT with Priority = 0.
      // vigil keeps the VIPs (make-before-break) until the new master speaks or the hold
      // bound passes (timers.ts shutdownHoldUs), then transitions to Initialize.
      cancel(ctx, "advert");
      ctx.actions.push({ type: "sendAdvert", priority: PRIORITY_RESIGN });
      arm(ctx, "shutdown", ctx.nowMs + shutdownHoldMs(s.params.version, s.params.advertIntervalCs));
      return;
    case "backup": // §6.4.2 Shutdown: cancel the Master_Down_Timer, transition to Initialize.
    case "fault":
      finishShutdown(ctx);
      return;
    case "init":
      ctx.actions.push({ type: "stopped" });
      return;
  }
}

function onTimer(ctx: Ctx, timer: TimerName): void {
  const { s } = ctx;
  const deadline = s[DEADLINE_FIELD[timer]];
  if (deadline === null) return; // cancelled meanwhile: a stale wake-up
  if (ctx.nowMs < deadline) {
    arm(ctx, timer, deadline); // woke early: reschedule the same deadline, do nothing else
    return;
  }
  s[DEADLINE_FIELD[timer]] = null; // fired
  switch (timer) {
    case "advert": {
      if (s.state !== "master") return;
      // §6.4.3 Adver_Timer fires: send an ADVERTISEMENT, reset the timer. The next deadline
      // counts from the ideal one, not from now, so wake-up latency does not accumulate;
      // after a long stall (next already past) it restarts from now instead of bursting.
      ctx.actions.push({ type: "sendAdvert", priority: s.priority });
      const intervalMs = ownAdvertIntervalMs(s);
      const next = deadline + intervalMs;
      arm(ctx, "advert", next > ctx.nowMs ? next : freshAdvertDeadlineMs(ctx.nowMs, intervalMs));
      return;
    }
    case "masterDown":
      // §6.4.2 Master_Down_Timer fires → Master (entry actions in changeState).
      if (s.state === "backup") changeState(ctx, "master", s.masterDownReason);
      return;
    case "shutdown":
      if (s.state === "master") finishShutdown(ctx);
      return;
  }
}

function onAdvert(ctx: Ctx, ev: AdvertEvent): void {
  if (ctx.s.state === "master") onAdvertAsMaster(ctx, ev);
  else if (ctx.s.state === "backup") onAdvertAsBackup(ctx, ev);
  // Initialize and Fault ignore adverts.
}

/** v3 learns Master_Adver_Interval from the master (§6.4.2, §6.4.3); v2 keeps its own. */
function learnInterval(ctx: Ctx, maxAdvertIntervalCs: number): void {
  if (ctx.s.params.version !== 3) return;
  if (!Number.isInteger(maxAdvertIntervalCs)) return;
  if (maxAdvertIntervalCs < ADVERT_INTERVAL_MIN_CS || maxAdvertIntervalCs > ADVERT_INTERVAL_MAX_CS) return;
  ctx.s.masterAdvertIntervalCs = maxAdvertIntervalCs;
}

function preemptDelayActive(s: FsmState, nowMs: number): boolean {
  return s.params.preemptDelayMs > 0 && s.startedAtMs !== null && nowMs < s.startedAtMs + s.params.preemptDelayMs;
}

function onAdvertAsBackup(ctx: Ctx, ev: AdvertEvent): void {
  const { s } = ctx;
  if (ev.priority === PRIORITY_RESIGN) {
    // §6.4.2: priority 0 → Master_Down_Timer := Skew_Time.
    armMasterDown(ctx, skewTimeMs(s.params.version, s.priority, s.masterAdvertIntervalCs), "priority-zero-received");
    return;
  }
  // §6.4.2: if Preempt_Mode is False, or the advert's priority ≥ ours: accept it — learn
  // Master_Adver_Interval, recompute Skew_Time / Master_Down_Interval, reset the timer.
  // keepalived `preempt_delay`: inside the delay we behave as if Preempt_Mode were False.
  if (!s.params.preempt || ev.priority >= s.priority || preemptDelayActive(s, ctx.nowMs)) {
    learnInterval(ctx, ev.maxAdvertIntervalCs);
    s.masterAddress = ev.sourceAddress;
    armMasterDown(ctx, currentMasterDownMs(s), "master-down-timeout");
    return;
  }
  // §6.4.2 else: discard. The timer keeps running; when it fires we preempt.
  s.masterDownReason = "preempt";
}

function onAdvertAsMaster(ctx: Ctx, ev: AdvertEvent): void {
  const { s } = ctx;
  if (s.shutdownDeadlineMs !== null) {
    // Resigning (see onShutdown): the first advert with priority > 0 means a new master has
    // taken over, so the VIPs can go now.
    if (ev.priority > PRIORITY_RESIGN) finishShutdown(ctx);
    return;
  }
  if (ev.priority === PRIORITY_RESIGN) {
    // §6.4.3: priority 0 → send an ADVERTISEMENT, reset Adver_Timer to Advertisement_Interval.
    ctx.actions.push({ type: "sendAdvert", priority: s.priority });
    arm(ctx, "advert", freshAdvertDeadlineMs(ctx.nowMs, ownAdvertIntervalMs(s)));
    return;
  }
  // §6.4.3: greater priority, or equal priority and greater primary address (unsigned,
  // network byte order) → cancel Adver_Timer, learn the interval, arm Master_Down, Backup.
  const cmp = compareAddresses(ev.sourceAddress, s.params.primaryAddress);
  if (ev.priority > s.priority || (ev.priority === s.priority && cmp !== null && cmp > 0)) {
    // keepalived `higher_prio_send_advert` (not in the RFC): one last advert at our own priority
    // before yielding. After two masters at once (a healed partition) the other one hears that it
    // had a rival; with `garp_lower_prio_repeat` it re-announces its VIPs, so hosts whose last
    // GARP came from us move back to it. Sent before the exit actions, as keepalived does.
    if (s.params.higherPrioSendAdvert) ctx.actions.push({ type: "sendAdvert", priority: s.priority });
    learnInterval(ctx, ev.maxAdvertIntervalCs);
    s.masterAddress = ev.sourceAddress;
    changeState(ctx, "backup", "higher-priority-advert");
    return;
  }
  // §6.4.3 else: discard. RFC 9568 §6.4.3 adds: send an ADVERTISEMENT at once, to assert
  // mastership to the sender and refresh learning bridges (keepalived does the same:
  // "forcing new election"), unless keepalived's `lower_prio_no_advert` (the RFC's SHOULD made
  // optional; vrrp_strict sets it). keepalived then also sends `garp_lower_prio_repeat` GARPs
  // (reannounce). The Adver_Timer keeps its schedule. At most one such reaction per
  // Advertisement_Interval: a flood of forged low-priority adverts must not be reflected 1:1
  // onto the LAN (keepalived answers every one).
  const last = s.lastExtraAdvertMs;
  if (last !== null && ctx.nowMs - last < ownAdvertIntervalMs(s)) return;
  if (!s.params.lowerPrioNoAdvert) {
    s.lastExtraAdvertMs = ctx.nowMs;
    ctx.actions.push({ type: "sendAdvert", priority: s.priority });
  }
  if (s.params.lowerPrioReannounce) {
    s.lastExtraAdvertMs = ctx.nowMs;
    ctx.actions.push({ type: "reannounce" });
  }
}

function onFault(ctx: Ctx, source: string, reason: FaultReason): void {
  const { s } = ctx;
  if (s.faults.includes(source)) return;
  const first = s.faults.length === 0;
  s.faults = [...s.faults, source];
  s.lastFaultReason = reason;
  if (!first) return;
  if (s.state === "master") {
    if (s.shutdownDeadlineMs !== null) {
      finishShutdown(ctx); // already resigning: just complete the stop
      return;
    }
    // Resign at once so a backup takes over after Skew_Time (as §6.4.3 Shutdown), then Fault.
    ctx.actions.push({ type: "sendAdvert", priority: PRIORITY_RESIGN });
    changeState(ctx, "fault", reason);
  } else if (s.state === "backup") {
    changeState(ctx, "fault", reason);
  }
  // Initialize: just recorded; startup will enter Fault.
}

function onFaultCleared(ctx: Ctx, source: string, reason: FaultClearedReason): void {
  const { s } = ctx;
  if (!s.faults.includes(source)) return;
  s.faults = s.faults.filter((f) => f !== source);
  if (s.faults.length > 0 || s.state !== "fault") return;
  // Last fault gone: start again as at §6.4.1 (owner → Master, else Backup); startedAtMs
  // restarts so preempt_delay also covers recovery from a fault.
  enterRunning(ctx, reason, reason, false);
}

/**
 * Effective priority changed (tracking). Nothing else happens at once, per the RFC machine:
 * - a Master whose priority drops stays Master and advertises the new priority; a backup
 *   that now has the higher priority and preempts discards those adverts and takes over
 *   when its Master_Down_Timer fires (reason "preempt");
 * - a Backup whose priority rises behaves the same way; with lower priority it keeps
 *   accepting the master as before. Skew_Time uses the new priority from the next advert.
 */
function onPriority(ctx: Ctx, priority: number): void {
  if (!Number.isInteger(priority) || priority < 1 || priority > PRIORITY_OWNER) return;
  ctx.s.priority = priority;
}

/**
 * keepalived vrrp_sync_group: members move together so that, e.g., the LAN and WAN VIPs of a
 * router are always on the same box. Only Backup↔Master moves are followed; Fault reaches the
 * group through fault events, and an instance resigning (shutdown) is left alone.
 */
function onSync(ctx: Ctx, to: "master" | "backup"): void {
  const { s } = ctx;
  if (s.shutdownDeadlineMs !== null) return;
  if (to === "master" && s.state === "backup") changeState(ctx, "master", "sync-group");
  else if (to === "backup" && s.state === "master" && s.priority !== PRIORITY_OWNER) {
    s.masterAdvertIntervalCs = s.params.advertIntervalCs;
    changeState(ctx, "backup", "sync-group");
  }
}
