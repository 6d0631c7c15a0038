// A StatusSource whose snapshot tests set directly.
import type { DaemonStatus, InstanceStatus, StatusSource } from "../../src/runtime/ports.ts";

export const T0 = 1_790_000_000_000; // a fixed wall-clock instant (ms)

export function instance(over: Partial<InstanceStatus> & Pick<InstanceStatus, "name">): InstanceStatus {
  return {
    interface: "eth0",
    vrid: 51,
    version: 3,
    family: 4,
    state: "backup",
    basePriority: 100,
    effectivePriority: 100,
    masterAddress: "192.0.2.1",
    advertIntervalCs: 100,
    masterAdvertIntervalCs: 100,
    virtualIps: ["192.0.2.254/24"],
    advertsSent: 0,
    advertsReceived: 10,
    lastTransition: { atWallMs: T0 - 192_000, from: "init", to: "backup", reason: "startup" },
    faults: [],
    ...over,
  };
}

export class FakeStatus implements StatusSource {
  calls = 0;
  constructor(public snapshot: DaemonStatus) {}

  static of(...instances: InstanceStatus[]): FakeStatus {
    return new FakeStatus({
      version: "0.1.0",
      routerId: "r1",
      startedAtWallMs: T0 - 3_600_000,
      configFile: "/etc/vigil/vigil.toml",
      lastReload: null,
      instances,
    });
  }

  status(): DaemonStatus {
    this.calls++;
    return this.snapshot;
  }
}
