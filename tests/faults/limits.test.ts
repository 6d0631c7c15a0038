// Path 3: more addresses than one advert can carry. 0.1.0 accepted 300 IPv4 VIPs and threw a
// RangeError at the first transition to master (the daemon died holding nothing, or worse, some);
// with ~100 IPv6 VIPs the advert exceeded 1500 bytes, EMSGSIZE was logged once and the instance
// stayed "master" sending nothing, so both routers became master. Now the excess is moved to
// virtual_ipaddress_excluded as keepalived does (held, not advertised), with a warning.
import { expect, test } from "bun:test";
import { startVigil } from "../netns/vigil-node.ts";
import { conf, ctx, lab, until, useLab } from "./kit.ts";

useLab();

const v4 = Array.from({ length: 300 }, (_, i) => `10.99.${1 + Math.floor(i / 250)}.${(i % 250) + 1}/32`);
const v6 = Array.from({ length: 120 }, (_, i) => `2001:db8:1::${(i + 1).toString(16)}/128`);

test("300 IPv4 VIPs: vigil check warns, the master advertises 255 and holds all 300", async () => {
  const l = lab(["r1", "r2"]);
  const text = conf(200, { vips: v4 });
  const r1 = startVigil(l, "r1", text);
  ctx.nodes.push(r1);
  const check = r1.cli(["check", "-c", `${r1.dir}/vigil.conf`]);
  expect(check.code).toBe(0);
  expect(check.stderr).toMatch(/vigil\.conf:\d+:\d+: warning: .*255/);
  const cap = await l.capture("r2", "proto 112");
  await r1.waitState("master");
  const line = await cap.waitFor(/10\.99\.0\.1 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 51, prio 200.*addrs\(255\)/, 10_000);
  expect(line).toContain("addrs(255)");
  const held = l.exec("r1", ["ip", "-o", "addr", "show", "dev", "eth0"]).stdout.split("\n").filter((x) => / 10\.99\.[12]\./.test(x));
  expect(held.length).toBe(300);
  await cap.stop();
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  expect(l.exec("r1", ["ip", "-o", "addr", "show", "dev", "eth0"]).stdout).not.toContain("10.99.1.1/32");
}, 60_000);

test("120 IPv6 VIPs: the advert fits 1500 bytes (89 addresses) and keeps going out; no EMSGSIZE", async () => {
  const l = lab(["r1", "r2"]);
  const text = conf(200, { vips: v6 });
  const r1 = startVigil(l, "r1", text);
  ctx.nodes.push(r1);
  const cap = await l.capture("r2", "ip6 proto 112");
  await r1.waitState("master");
  await cap.waitFor(/VRRPv3, Advertisement, vrid 51, prio 200.*addrs\(89\)/, 10_000);
  await until(() => cap.lines.filter((x) => x.includes("prio 200")).length >= 3, "3 adverts on the wire");
  const lines = await cap.stop();
  expect(lines.filter((x) => x.includes("prio 200") && !x.includes("addrs(89)"))).toEqual([]);
  expect(r1.log()).not.toContain("EMSGSIZE");
  expect((await r1.instance())?.state).toBe("master");
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
}, 60_000);
