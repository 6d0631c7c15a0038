// Path 11: start-up gave up where it should wait. 0.1.0 exited when an interface was missing at
// start or the HTTP port was taken (any local user can bind 127.0.0.1:9650 first), and took no part
// in VRRP at all. Now the instance waits in Fault ("interface-missing") and starts when the
// interface appears (keepalived's dynamic interfaces); a taken port is retried while VRRP runs.
import { expect, test } from "bun:test";
import { holds } from "../netns/scenario-kit.ts";
import { startVigil } from "../netns/vigil-node.ts";
import { conf, ctx, lab, metric, until, useLab, VIP } from "./kit.ts";

useLab();

test("interface missing at start: Fault with interface-missing (and /health 503), runs when it appears", async () => {
  const l = lab(["r1"]);
  const text = conf(200) + conf(200, { vrid: 52, name: "VI_2", vips: ["10.99.9.100/24"] }).replace("interface eth0", "interface eth9");
  const r1 = startVigil(l, "r1", text);
  ctx.nodes.push(r1);
  await r1.waitState("master", { instance: "VI_1" });
  const waiting = await r1.instance("VI_2");
  expect(waiting?.state).toBe("fault");
  expect(waiting?.faults[0]).toContain("interface-missing");
  const health = l.exec("r1", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:9650/health"], { allowFail: true });
  expect(health.stdout).toBe("503");

  // A veth pair inside r1 (the kernel here may lack the dummy driver): both ends up for carrier.
  l.exec("r1", ["ip", "link", "add", "eth9", "type", "veth", "peer", "name", "eth9p"]);
  l.exec("r1", ["ip", "addr", "add", "10.99.9.1/24", "dev", "eth9"]);
  l.exec("r1", ["ip", "link", "set", "eth9p", "up"]);
  l.exec("r1", ["ip", "link", "set", "eth9", "up"]);
  await r1.waitState("master", { instance: "VI_2" });
  expect(l.exec("r1", ["ip", "-br", "addr", "show", "dev", "eth9"]).stdout).toContain("10.99.9.100/24");
  expect(holds(l, "r1", VIP)).toBe(true);
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  expect(l.exec("r1", ["ip", "-br", "addr", "show", "dev", "eth9"]).stdout).not.toContain("10.99.9.100/24");
}, 60_000);

test("HTTP port taken at start: VRRP runs anyway (VIP held), the bind is retried and counted once the port is free", async () => {
  const l = lab(["r1"]);
  const squatter = l.spawn("r1", [
    "python3",
    "-c",
    "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',9650))\ns.listen()\nprint('ready',flush=True)\ntime.sleep(120)",
  ]);
  ctx.cleanups.push(() => squatter.kill());
  const first = await squatter.stdout.getReader().read();
  expect(new TextDecoder().decode(first.value)).toContain("ready");
  const r1 = startVigil(l, "r1", conf(200));
  ctx.nodes.push(r1);
  await until(() => holds(l, "r1", VIP), "VIP held with the HTTP port taken");
  await r1.waitLog("address already in use");
  expect(r1.proc.exitCode).toBeNull();
  squatter.kill();
  await r1.waitLog("HTTP listener up", 20_000);
  expect(metric(l, "r1", "vigil_http_listen_errors_total", { errno: "EADDRINUSE" })).toBeGreaterThanOrEqual(1);
  expect((await r1.instance())?.state).toBe("master");
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  expect(holds(l, "r1", VIP)).toBe(false);
}, 60_000);
