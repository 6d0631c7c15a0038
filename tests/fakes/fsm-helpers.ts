// Small builders for FSM unit tests.

import { initialState, step } from "../../src/protocol/fsm.ts";
import type { FsmEvent, FsmParams, FsmState, StepResult } from "../../src/protocol/types.ts";

/** The seed's backup by default: v2, VRID 51, priority 254, 1 s, 192.168.0.2. */
export function params(over: Partial<FsmParams> = {}): FsmParams {
  return {
    version: 2,
    family: 4,
    vrid: 51,
    basePriority: 254,
    advertIntervalCs: 100,
    preempt: true,
    preemptDelayMs: 0,
    primaryAddress: "192.168.0.2",
    startAsMaster: false,
    ...over,
  };
}

export const advert = (priority: number, sourceAddress = "192.168.0.1", maxAdvertIntervalCs = 100): FsmEvent => ({
  type: "advert",
  priority,
  sourceAddress,
  maxAdvertIntervalCs,
});

export const timer = (t: "advert" | "masterDown" | "shutdown"): FsmEvent => ({ type: "timer", timer: t });

/** Applies events in order, each at its own time; returns the last result. */
export function run(state: FsmState, events: [number, FsmEvent][]): StepResult {
  let r: StepResult = { state, actions: [] };
  for (const [at, ev] of events) r = step(r.state, ev, at);
  return r;
}

/** Started (Backup unless the params say otherwise) at `at`. */
export const started = (p: Partial<FsmParams> = {}, at = 0): FsmState => step(initialState(params(p)), { type: "startup" }, at).state;

/** An address owner, Master since `at`. */
export const asMaster = (p: Partial<FsmParams> = {}, at = 0): FsmState => started({ basePriority: 255, ...p }, at);
