// How an instance that cannot run yet (its interface is missing, or has no address to send from)
// shows in /status, `vigil status` and /health: in Fault, with the reason, so a load balancer and
// an operator see it exactly like any other fault.
import type { InstanceConfig } from "../config/schema.ts";
import type { InstanceStatus } from "./ports.ts";

export const INTERFACE_MISSING = "interface-missing";

export function pendingStatus(cfg: InstanceConfig, reason: string, sinceWallMs: number): InstanceStatus {
  return {
    name: cfg.name,
    interface: cfg.interface,
    vrid: cfg.vrid,
    version: cfg.version,
    family: cfg.family,
    state: "fault",
    basePriority: cfg.priority,
    effectivePriority: cfg.priority,
    masterAddress: null,
    advertIntervalCs: cfg.advertIntervalCs,
    masterAdvertIntervalCs: cfg.advertIntervalCs,
    virtualIps: cfg.virtualIps.map((v) => `${v.address}/${v.prefixLength}`),
    advertsSent: 0,
    advertsReceived: 0,
    lastTransition: { atWallMs: sinceWallMs, from: "init", to: "fault", reason: "interface-missing" },
    faults: [`${INTERFACE_MISSING}: ${reason}`],
  };
}
