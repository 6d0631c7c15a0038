import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { v3Conf } from "./scenario-kit.ts";
import { removeDirs, startVigil, type VigilNode } from "./vigil-node.ts";
let lab: Lab | undefined; let nodes: VigilNode[] = [];
afterEach(async () => { await lab?.cleanup(); removeDirs(nodes); lab = undefined; nodes = []; });
test("scratch", async () => {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgh" });
  const r1 = startVigil(lab, "r1", v3Conf({ priority: 200, vips: ["10.99.0.100/24"], advertInt: 0.1 }), {extraArgs:["--log-format","json"]});
  const r2 = startVigil(lab, "r2", v3Conf({ priority: 100, vips: ["10.99.0.100/24"], advertInt: 0.1 }));
  nodes = [r1, r2];
  await r1.waitState("master"); await r2.waitState("backup");
  await Bun.sleep(2000);
  for (const p of ["/health", "/health/master", "/health/master?instance=VI_1", "/health/master?instance=X", "/status", "/metrics"]) {
    const r = lab.exec("r1", ["curl", "-s", "-i", `http://127.0.0.1:9650${p}`]);
    console.log("=== r1", p, "\n", r.stdout);
  }
  const m = lab.exec("r1", ["curl", "-s", `http://127.0.0.1:9650/metrics`]).stdout;
  const p = Bun.spawnSync(["promtool", "check", "metrics"], { stdin: Buffer.from(m), stdout: "pipe", stderr: "pipe" });
  console.log("promtool", p.exitCode, p.stdout.toString(), p.stderr.toString());
  console.log(r2.cli(["status"]).stdout);
  r1.signal("SIGHUP"); await Bun.sleep(500);
  console.log("LOG r1\n", r1.log()); console.log("LOG r2\n", r2.log());
}, 60000);
