// The start-up conflict check over fakes: who may already answer ARP for a VIP.
import { expect, test } from "bun:test";
import { encodeAdvert } from "../../src/protocol/packet.ts";
import { findVipConflicts } from "../../src/runtime/conflicts.ts";
import { config, Lab, seedConf } from "./harness.ts";

async function check(lab: Lab, node: ReturnType<Lab["node"]>, cfg: ReturnType<typeof config>) {
  const p = findVipConflicts(cfg, { links: node.host, transport: node.transport, prober: node.host, clock: lab.clock });
  for (let i = 0; i < 400; i++) await lab.settle(10);
  return p;
}

test("nobody answers: no problem, no waiting for adverts", async () => {
  const lab = new Lab();
  const cfg = config(seedConf(254));
  const r2 = lab.node("192.168.0.2", cfg);
  expect(await check(lab, r2, cfg)).toEqual([]);
  expect(r2.transport.opened).toEqual([]);
});

test("a VRRP virtual MAC (keepalived use_vmac) holding the VIP is a VRRP router, not a conflict", async () => {
  const lab = new Lab();
  const cfg = config(seedConf(254));
  const r2 = lab.node("192.168.0.2", cfg);
  r2.host.claims.set("192.168.0.254", ["00:00:5e:00:01:33"]);
  expect(await check(lab, r2, cfg)).toEqual([]);
});

test("a holder whose MAC is the advertising master's: fine; another MAC: named as the conflict", async () => {
  const lab = new Lab();
  const cfg = config(seedConf(254));
  const r2 = lab.node("192.168.0.2", cfg);
  const advert = encodeAdvert({
    version: 2,
    family: 4,
    vrid: 51,
    priority: 255,
    advertIntervalCs: 100,
    addresses: ["192.168.0.254"],
    srcAddress: "192.168.0.1",
    dstAddress: "224.0.0.18",
  });
  lab.clock.setTimer(500, () => r2.transport.inject({ family: 4, src: "192.168.0.1", dst: "224.0.0.18", ttl: 255, payload: advert }));
  r2.host.claims.set("192.168.0.254", ["02:00:00:00:00:aa"]);
  r2.host.claims.set("192.168.0.1", ["02:00:00:00:00:aa"]);
  expect(await check(lab, r2, cfg)).toEqual([]);

  const lab2 = new Lab();
  const r3 = lab2.node("192.168.0.3", cfg);
  lab2.clock.setTimer(500, () => r3.transport.inject({ family: 4, src: "192.168.0.1", dst: "224.0.0.18", ttl: 255, payload: advert }));
  r3.host.claims.set("192.168.0.254", ["02:00:00:00:00:bb"]);
  r3.host.claims.set("192.168.0.1", ["02:00:00:00:00:aa"]);
  const problems = await check(lab2, r3, cfg);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/:7:3: 192\.168\.0\.254 is already used by another host \(02:00:00:00:00:bb\), not by the VRRP master 192\.168\.0\.1/);
});

test("255 VIPs held by the one master that advertises them: its MAC is asked once, not once per VIP (each asking waits ARP_WAIT_MS)", async () => {
  const lab = new Lab();
  const n = 255;
  const vip = (vrid: number) => `10.99.${1 + Math.floor((vrid - 1) / 200)}.${((vrid - 1) % 200) + 1}`;
  const text = Array.from(
    { length: n },
    (_, i) =>
      `vrrp_instance VI_${i + 1} {\n\tinterface eth0\n\tvirtual_router_id ${i + 1}\n\tpriority 100\n\tadvert_int 1\n\tvirtual_ipaddress {\n\t\t${
        vip(i + 1)
      }/16\n\t}\n}\n`,
  ).join("");
  const cfg = config(text);
  const r2 = lab.node("192.168.0.2", cfg);
  for (let v = 1; v <= n; v++) r2.host.claims.set(vip(v), ["02:00:00:00:00:aa"]);
  r2.host.claims.set("192.168.0.1", ["02:00:00:00:00:aa"]);
  const whoHas = r2.host.whoHas.bind(r2.host);
  let asked = 0;
  r2.host.whoHas = (...a: Parameters<typeof whoHas>) => (asked++, whoHas(...a));
  lab.clock.setTimer(500, () => {
    for (let v = 1; v <= n; v++) {
      const payload = encodeAdvert({
        version: 2,
        family: 4,
        vrid: v,
        priority: 200,
        advertIntervalCs: 100,
        addresses: [vip(v)],
        srcAddress: "192.168.0.1",
        dstAddress: "224.0.0.18",
      });
      r2.transport.inject({ family: 4, src: "192.168.0.1", dst: "224.0.0.18", ttl: 255, payload });
    }
  });
  expect(await check(lab, r2, cfg)).toEqual([]);
  expect(asked).toBe(2); // the VIPs in one round, then the master's own address in one round
});
