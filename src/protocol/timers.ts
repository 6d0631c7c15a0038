// Skew_Time and Master_Down_Interval (RFC 5798 §6.1 / RFC 9568 §6.1 for v3, RFC 3768 §6.1 for v2).
//
//   v3: Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256   (interval in centiseconds)
//   v2: Skew_Time = (256 − Priority) / 256 seconds                     (independent of the interval)
//   Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time
//
// Arithmetic and rounding: every figure is computed as an integer numerator divided once by
// 256 — in milliseconds, v3: (256 − P) × MAI_cs × 10 / 256, v2: (256 − P) × 1000 / 256.
// Dividing an integer below 2^53 by a power of two is exact in IEEE-754, so there is no
// rounding at all: the results are the RFC values exactly, in units of 1/256 ms
// (e.g. v2, P = 254: Skew_Time = 7.8125 ms, Master_Down_Interval = 3007.8125 ms), and a
// higher priority always gets a strictly shorter interval. (keepalived floors the v3 skew to
// whole centiseconds, which makes priorities 254 and 253 equal at 1 s adverts; vigil keeps
// the exact value.) Callers that need integers (e.g. a timerfd in ns) round at the edge.

import { CS_PER_S, MASTER_DOWN_MULTIPLIER, SKEW_DENOMINATOR } from "./constants.ts";
import type { VrrpVersion } from "./types.ts";

const MS_PER_CS = 10;
const MS_PER_S = 1000;

/** Priority clamped into 0..255 as an integer, so timers never go negative or NaN. */
function clampPriority(priority: number): number {
  if (!Number.isFinite(priority)) return 0;
  return Math.min(255, Math.max(0, Math.trunc(priority)));
}

/** An interval given in centiseconds, in milliseconds (exact). */
export function advertIntervalMs(advertIntervalCs: number): number {
  return advertIntervalCs * MS_PER_CS;
}

/** v3 Skew_Time in ms (RFC 5798 §6.1), from Master_Adver_Interval in centiseconds. */
export function skewTimeMsV3(priority: number, masterAdvertIntervalCs: number): number {
  return ((SKEW_DENOMINATOR - clampPriority(priority)) * masterAdvertIntervalCs * MS_PER_CS) / SKEW_DENOMINATOR;
}

/** v2 Skew_Time in ms (RFC 3768 §6.1): (256 − Priority) / 256 seconds. */
export function skewTimeMsV2(priority: number): number {
  return ((SKEW_DENOMINATOR - clampPriority(priority)) * MS_PER_S) / SKEW_DENOMINATOR;
}

/** Skew_Time in ms for either version. */
export function skewTimeMs(version: VrrpVersion, priority: number, masterAdvertIntervalCs: number): number {
  return version === 3 ? skewTimeMsV3(priority, masterAdvertIntervalCs) : skewTimeMsV2(priority);
}

/**
 * Master_Down_Interval in ms = 3 × Master_Adver_Interval + Skew_Time (RFC 5798 §6.1;
 * RFC 3768 §6.1, where the interval is the v2 backup's own Advertisement_Interval).
 * Example: v2, P = 254, 1 s → 3007.8125.
 */
export function masterDownIntervalMs(version: VrrpVersion, priority: number, masterAdvertIntervalCs: number): number {
  return (
    MASTER_DOWN_MULTIPLIER * advertIntervalMs(masterAdvertIntervalCs) +
    skewTimeMs(version, priority, masterAdvertIntervalCs)
  );
}

/**
 * How long a resigning master keeps its VIPs after sending priority 0 (vigil's make-before-break,
 * not an RFC timer). A backup that hears priority 0 waits only Skew_Time (RFC 5798 §6.4.2), and
 * Skew_Time < 1 × Master_Adver_Interval for every priority ≥ 1 in v3 (< 1 s in v2). So even the
 * slowest backup (priority 1) has taken over and sent its first advert within one interval (v3)
 * or one second (v2); one more Advertisement_Interval covers delivery and timer jitter.
 * Bound: v3 2 × interval, v2 1 s + interval. The hold ends at once when an advert with
 * priority > 0 arrives, so with a healthy backup it lasts about Skew_Time.
 */
export function shutdownHoldMs(version: VrrpVersion, advertIntervalCs: number): number {
  const intervalMs = advertIntervalMs(advertIntervalCs);
  const worstSkewBoundMs = version === 3 ? intervalMs : CS_PER_S * MS_PER_CS;
  return worstSkewBoundMs + intervalMs;
}

/**
 * The Adver_Timer's deadline when it is set afresh at `nowMs` (RFC 5798 §6.4.1–6.4.3 "set the
 * Adver_Timer to Advertisement_Interval"): the last multiple of the interval on the clock that is
 * at most one interval away, so in (nowMs, nowMs + interval]. Sending earlier than the RFC's
 * deadline only feeds the backups sooner (their Master_Down is 3 intervals + skew), and never
 * later. What it buys: every master of the daemon with the same interval sends on the same
 * ticks, so 255 masters wake the sending thread once a second instead of once per phase; the
 * periodic re-arm (deadline + interval) keeps them there.
 */
export function freshAdvertDeadlineMs(nowMs: number, intervalMs: number): number {
  return Math.floor((nowMs + intervalMs) / intervalMs) * intervalMs;
}
