// keepalived's `weight N reverse` (weight_multiplier -1) for vrrp_script, track_file and
// track_interface, and vrrp_script `init_fail`, through a config loaded from keepalived.conf.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { goodBadEffect } from "../../src/runtime/trackers/tracker.ts";
import { config, Lab, seedConf } from "./harness.ts";

const prio = (n: ReturnType<Lab["node"]>) => n.daemon.status().instances[0]!.effectivePriority;

test("goodBadEffect: reverse subtracts the weight at the same moments; weight 0 reverse faults while good", () => {
  expect(goodBadEffect(true, 10, true)).toEqual({ fault: false, delta: -10 });
  expect(goodBadEffect(false, 10, true)).toEqual({ fault: false, delta: 0 });
  expect(goodBadEffect(false, -10, true)).toEqual({ fault: false, delta: 10 });
  expect(goodBadEffect(true, -10, true)).toEqual({ fault: false, delta: 0 });
  expect(goodBadEffect(true, 0, true)).toEqual({ fault: true, delta: 0 });
  expect(goodBadEffect(false, 0, true)).toEqual({ fault: false, delta: 0 });
  expect(goodBadEffect(false, 0)).toEqual({ fault: true, delta: 0 });
});

test("vrrp_script weight 10 reverse: a succeeding script lowers the priority by 10; a reference's noreverse restores the usual sense", async () => {
  const scripts = `vrrp_script chk {\n script /bin/true\n weight 10 reverse\n}\nvrrp_script chk2 {\n script /bin/true\n weight 7 reverse\n}\n`;
  const lab = new Lab();
  const r1 = lab.node("192.168.0.1", config(scripts + seedConf(200, "\ttrack_script {\n\t\tchk\n\t\tchk2 weight 7 noreverse\n\t}\n")));
  r1.daemon.start();
  await lab.settle(100);
  expect(prio(r1)).toBe(200 - 10 + 7);
  await r1.daemon.shutdown();
});

test("vrrp_script init_fail: the script starts failed and needs `rise` successes", async () => {
  const lab = new Lab();
  const cfg = config(
    `vrrp_script chk {\n script /bin/true\n interval 1\n weight -30\n rise 3\n init_fail\n}\n` + seedConf(200, "\ttrack_script {\n\t\tchk\n\t}\n"),
  );
  expect(cfg.scripts[0]!.initFail).toBe(true);
  const r1 = lab.node("192.168.0.1", cfg);
  r1.daemon.start();
  await lab.settle(100);
  expect(prio(r1)).toBe(170); // failed from the start; one success so far
  await lab.settle(1000);
  expect(prio(r1)).toBe(170); // two
  await lab.settle(1000);
  expect(prio(r1)).toBe(200); // three: rise reached
  await r1.daemon.shutdown();
});

test("track_file weight 2 reverse: the file's value × weight is subtracted", async () => {
  const dir = mkdtempSync("/tmp/vigil-tfr-");
  try {
    const f = join(dir, "v");
    writeFileSync(f, "5\n");
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(`track_file tf {\n file ${f}\n weight 2 reverse\n}\n` + seedConf(200, "\ttrack_file {\n\t\ttf\n\t}\n")));
    r1.daemon.start();
    await lab.settle(100);
    expect(prio(r1)).toBe(190);
    await r1.daemon.shutdown();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
