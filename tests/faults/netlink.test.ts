// Path 4: netlink failures during VIP add/remove. 0.1.0 let the error escape (ETIMEDOUT under
// routing-lock contention) or, when the VIP's interface was gone, logged it and stayed "master"
// without the VIP — an outage the backup could not see. Now a master that cannot hold its VIP
// retries, then goes to Fault (priority 0) so the backup keeps or takes the VIP; counted.
import { expect, test } from "bun:test";
import { holds } from "../netns/scenario-kit.ts";
import { startVigil } from "../netns/vigil-node.ts";
import { conf, ctx, lab, metric, until, useLab } from "./kit.ts";

useLab();

test("the VIP's interface vanishes before a preempting master adds it: Fault, the backup keeps serving the VIP", async () => {
  const l = lab(["r1", "r2"]);
  const VIP2 = "10.99.0.100/24";
  const r2 = startVigil(l, "r2", conf(100));
  ctx.nodes.push(r2);
  await r2.waitState("master");
  // r1 puts the VIP on a second interface (dev vip0) and preempts after preempt_delay.
  l.exec("r1", ["ip", "link", "add", "vip0", "type", "veth", "peer", "name", "vip0p"]);
  l.exec("r1", ["ip", "link", "set", "vip0p", "up"]);
  l.exec("r1", ["ip", "link", "set", "vip0", "up"]);
  const text = conf(200, { vips: [`${VIP2} dev vip0`], extra: ["preempt_delay 3"] });
  const r1 = startVigil(l, "r1", text);
  ctx.nodes.push(r1);
  await r1.waitState("backup");
  l.exec("r1", ["ip", "link", "del", "vip0"]);
  await r1.waitLog("resigning to Fault", 30_000);
  await r1.waitState("fault");
  expect((await r1.instance())?.faults).toEqual(["vip-add"]);
  await until(() => metric(l, "r1", "vigil_netlink_errors_total") >= 1 || r1.log().includes("interface for VIP not found"), "failure recorded");
  expect(r1.proc.exitCode).toBeNull();
  await r2.waitState("master");
  expect(holds(l, "r2", VIP2)).toBe(true);
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
}, 60_000);
