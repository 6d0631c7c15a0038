// What an operator reads about trackers: /status lists each tracked interface, script and file of
// an instance with its verdict, weight and effect; `vigil status` prints them; /metrics exports
// vigil_track_status (1 good, 0 bad) per instance and tracker.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "../../src/http/registry.ts";
import { formatStatus } from "../../src/cli/status.ts";
import { registerTrackMetrics } from "../../src/http/track-metrics.ts";
import { config, Lab, seedConf } from "./harness.ts";

test("trackers in /status, vigil status and vigil_track_status follow the verdicts", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-trackers-"));
  try {
    const file = join(dir, "maint");
    writeFileSync(file, "0\n");
    const text = `vrrp_track_file maint {\n  file "${file}"\n  weight -50\n}\n` +
      seedConf(200, "  track_interface {\n    eth1 weight 10\n  }\n  track_file {\n    maint\n  }\n");
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(text));
    r1.host.addLink("eth1", [], false); // down: its +10 is not added
    r1.daemon.start();
    await lab.settle(4000);
    const trackers = () => r1.daemon.status().instances[0]!.trackers!;
    expect(trackers()).toEqual([
      { kind: "track_interface", name: "eth1", ok: false, weight: 10, delta: 0, fault: false },
      { kind: "track_file", name: "maint", ok: true, weight: -50, delta: 0, fault: false },
    ]);
    writeFileSync(file, "1\n"); // maintenance on: value 1 × weight −50
    r1.host.setUp("eth1", true);
    await lab.settle(1500);
    expect(trackers()).toEqual([
      { kind: "track_interface", name: "eth1", ok: true, weight: 10, delta: 10, fault: false },
      { kind: "track_file", name: "maint", ok: false, weight: -50, delta: -50, fault: false },
    ]);
    expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(160);

    const out = formatStatus(r1.daemon.status(), Date.now());
    expect(out).toMatch(/VI_1 track_interface eth1\s+ok\s+10\s+\+10/);
    expect(out).toMatch(/VI_1 track_file maint\s+FAILED\s+-50\s+-50/);

    const registry = new Registry();
    registerTrackMetrics(registry, r1.daemon, true);
    const metrics = await registry.metrics();
    expect(metrics).toContain('vigil_track_status{instance="VI_1",kind="track_interface",name="eth1",weight="10"} 1');
    expect(metrics).toContain('vigil_track_status{instance="VI_1",kind="track_file",name="maint",weight="-50"} 0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
