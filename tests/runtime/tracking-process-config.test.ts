// track_process from keepalived.conf (vrrp_track_process + the instance's track_process) on the
// real /proc: the loaded config moves the priority, with keepalived's weight and reverse rules.
import { expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { config, Lab, stateOf } from "./harness.ts";

const conf = (name: string) =>
  `vrrp_track_process app {
    process ${name}
    weight -50
}
vrrp_track_process app_rev {
    process ${name}
    weight 20 reverse
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 200
    advert_int 1
    virtual_ipaddress {
        192.168.0.254/24
    }
    track_process {
        app
        app_rev weight 5
    }
}
`;

test("a config-loaded track_process moves the priority: -50 while gone; reverse subtracts its weight while running", async () => {
  const dir = mkdtempSync("/tmp/vigil-tpc-");
  const name = `vtc${process.pid % 100000}`; // comm is at most 15 bytes
  const bin = join(dir, name);
  copyFileSync("/bin/sleep", bin);
  chmodSync(bin, 0o755);
  let proc: ReturnType<typeof Bun.spawn> | null = null;
  try {
    const cfg = config(conf(name));
    expect(cfg.trackProcesses!.map((t) => [t.name, t.process, t.weight, t.reverse])).toEqual([["app", name, -50, false], ["app_rev", name, 20, true]]);
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", cfg);
    r1.daemon.start();
    lab.advance(4000);
    // Not running: app (-50, added while bad) applies; app_rev (weight 5 reverse, subtracted while good) does not.
    expect(stateOf(r1)).toBe("master");
    expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(150);
    proc = Bun.spawn([bin, "1000"], { stdio: ["ignore", "ignore", "ignore"] });
    lab.advance(1000);
    // Running: app applies nothing; app_rev subtracts its reference's weight 5.
    expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(195);
    proc.kill("SIGKILL");
    await proc.exited;
    lab.advance(1000);
    expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(150);
    const stopped = r1.daemon.shutdown();
    lab.advance(10_000);
    await stopped;
  } finally {
    proc?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
