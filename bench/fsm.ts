// Throughput of the pure core, against what a busy router needs.
//
// Need: 255 instances (one per VRID) at the fastest v3 rate, 10 ms adverts = 100 adverts/s
// each → 25 500 FSM steps/s on a master (advert timer) or on a backup (advert received).
// Mix measured: half advert-timer steps on masters, half advert-received steps on backups,
// spread over 255 instances. A second figure adds the receive path (decode + instance checks)
// and a third the send path (encode), since those run once per step in the real daemon.
//
// Run: ./node_modules/.bin/bun bench/fsm.ts

import { initialState, step } from "../src/protocol/fsm.ts";
import { checkForInstance, decodeAdvert, encodeAdvert } from "../src/protocol/packet.ts";
import type { FsmParams, FsmState } from "../src/protocol/types.ts";

const INSTANCES = 255;
const ADVERTS_PER_S = 100; // v3 Max Adver Int 1 cs → 10 ms
const NEEDED_STEPS_PER_S = INSTANCES * ADVERTS_PER_S;
const INTERVAL_CS = 1;
const INTERVAL_MS = INTERVAL_CS * 10;

function params(vrid: number, priority: number, startAsMaster: boolean): FsmParams {
  return {
    version: 3,
    family: 4,
    vrid,
    basePriority: priority,
    advertIntervalCs: INTERVAL_CS,
    preempt: true,
    preemptDelayMs: 0,
    primaryAddress: `10.0.${vrid >> 8}.${vrid & 0xff}`,
    startAsMaster,
  };
}

const masters: FsmState[] = [];
const backups: FsmState[] = [];
for (let i = 0; i < INSTANCES; i++) {
  masters.push(step(initialState(params(i + 1, 200, true)), { type: "startup" }, 0).state);
  backups.push(step(initialState(params(i + 1, 100, false)), { type: "startup" }, 0).state);
}
const wire = masters.map((m) =>
  encodeAdvert({
    version: 3,
    family: 4,
    vrid: m.params.vrid,
    priority: m.priority,
    advertIntervalCs: INTERVAL_CS,
    addresses: ["192.168.0.254"],
    srcAddress: m.params.primaryAddress,
    dstAddress: "224.0.0.18",
  })
);

interface Result {
  steps: number;
  seconds: number;
}

function measure(rounds: number, withPackets: boolean): Result {
  let nowMs = 0;
  let steps = 0;
  let sink = 0;
  const t0 = performance.now();
  for (let round = 0; round < rounds; round++) {
    nowMs += INTERVAL_MS;
    for (let i = 0; i < INSTANCES; i++) {
      // Master: its advert timer fires at the ideal deadline.
      const m = step(masters[i]!, { type: "timer", timer: "advert" }, masters[i]!.advertDeadlineMs ?? nowMs);
      masters[i] = m.state;
      if (withPackets) {
        sink += encodeAdvert({
          version: 3,
          family: 4,
          vrid: i + 1,
          priority: m.state.priority,
          advertIntervalCs: INTERVAL_CS,
          addresses: ["192.168.0.254"],
          srcAddress: m.state.params.primaryAddress,
          dstAddress: "224.0.0.18",
        }).length;
      }
      // Backup: the master's advert arrives.
      let priority = 200;
      let maxAdvertIntervalCs = INTERVAL_CS;
      const src = masters[i]!.params.primaryAddress;
      if (withPackets) {
        const d = decodeAdvert(wire[i]!, { family: 4, srcAddress: src, dstAddress: "224.0.0.18", ttl: 255 });
        if (!d.ok) throw new Error(d.reason);
        const drop = checkForInstance(d.packet, { version: 3, vrid: i + 1, advertIntervalCs: INTERVAL_CS, addresses: ["192.168.0.254"] });
        if (drop !== null) throw new Error(drop);
        priority = d.packet.priority;
        maxAdvertIntervalCs = d.packet.maxAdvertIntervalCs;
      }
      const b = step(backups[i]!, { type: "advert", priority, sourceAddress: src, maxAdvertIntervalCs }, nowMs);
      backups[i] = b.state;
      sink += m.actions.length + b.actions.length;
      steps += 2;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (sink === 0) throw new Error("nothing happened");
  return { steps, seconds };
}

function report(label: string, r: Result): void {
  const perS = r.steps / r.seconds;
  console.log(
    `${label.padEnd(44)} ${Math.round(perS).toLocaleString("en-US").padStart(12)} steps/s` +
      `   headroom ×${(perS / NEEDED_STEPS_PER_S).toFixed(0)}` +
      `   (${r.steps.toLocaleString("en-US")} steps in ${(r.seconds * 1000).toFixed(0)} ms)`,
  );
}

// Warm up the JIT, then measure.
measure(200, false);
measure(50, true);
console.log(`needed: ${INSTANCES} instances × ${ADVERTS_PER_S} adverts/s = ${NEEDED_STEPS_PER_S.toLocaleString("en-US")} steps/s`);
report("FSM step only (timer on masters, advert rx)", measure(4000, false));
report("FSM step + encode + decode + instance checks", measure(1000, true));
