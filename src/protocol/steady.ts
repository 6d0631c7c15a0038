// Two questions about what step() would do, answered without a step: whether a backup's repeat of
// an advert may be left to the io thread (src/runtime/repeat-watch.ts), and whether a paced advert
// is the Adver_Timer's steady step (Instance.steadyAdvert). Rules of fsm.ts, kept in their own file.
import { PRIORITY_RESIGN } from "./constants.ts";
import { advertIntervalMs } from "./timers.ts";
import type { FsmState } from "./types.ts";

/**
 * A backup accepts an advert of `priority` whatever the time (not only inside preempt_delay), so
 * each repeat of it is handled alike: it resets Master_Down and nothing else (fsm.ts onAdvertAsBackup).
 */
export function acceptsAtAnyTime(s: FsmState, priority: number): boolean {
  return s.state === "backup" && priority !== PRIORITY_RESIGN && (!s.params.preempt || priority >= s.priority);
}

/**
 * Whether the Adver_Timer firing at `atMs` would do nothing but what fsm.ts onTimer's "advert" case does
 * in the steady state — send at the current priority, re-arm for atMs + interval — so a caller that
 * already sent it may just move advertDeadlineMs to `nextAtMs` instead of a step.
 */
export function isSteadyAdvert(s: FsmState, atMs: number, nextAtMs: number, nowMs: number): boolean {
  return s.state === "master" && s.shutdownDeadlineMs === null && s.advertDeadlineMs === atMs &&
    nextAtMs === atMs + advertIntervalMs(s.params.advertIntervalCs) &&
    nowMs >= atMs && nowMs < nextAtMs;
}
