// A VMAC set administratively down by an operator (`ip link set vrrp.51 down`) while its instance
// runs. keepalived 2.2.7 (observed in namespaces, IPv4 and IPv6, with and without vmac_xmit_base):
// "Netlink reports vrrp.51 down" → Fault at once, priority 0 sent, VIPs removed, the backup takes
// over; set up again → Backup, and a higher priority preempts back to Master. With
// dont_track_primary it ignores the VMAC's state. vigil does the same from the link event: the
// VMAC is a link fault of its instance ("link:vrrp.51", link-down / link-up), not three failed
// adverts later. The kernel flushes a down link's IPv6 addresses: vigil gives the VMAC its copy of
// the base's link-local again when it comes up (keepalived 2.2.7 stays in Fault there for good).
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "../netns/lab.ts";
import { startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";
import { advertsOf, FLAVOUR, linkOf, VIP, VIP6, VMAC, VMAC6, vmac6Conf, vmacConf } from "./kit.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const CASES = [
  { family: 4, conf: vmacConf, vip: `${VIP}/24`, mac: VMAC, filter: "proto 112", extra: [] },
  { family: 4, conf: vmacConf, vip: `${VIP}/24`, mac: VMAC, filter: "proto 112", extra: ["vmac_xmit_base"] },
  { family: 6, conf: vmac6Conf, vip: `${VIP6}/64`, mac: VMAC6, filter: "ip6 and proto 112", extra: [] },
] as const;

for (const c of CASES) {
  test(
    `IPv${c.family} use_vmac${
      c.extra.map((e) => ` ${e}`).join("")
    }: vrrp.51 set down under a master → Fault (link-down, VIP removed, the backup takes over); set up → Backup (link-up), then Master again`,
    async () => {
      lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgd", ipv6: c.family === 6 });
      const r1 = startVigil(lab, "r1", c.conf(200, [...c.extra]), { flavour: FLAVOUR });
      nodes.push(r1);
      await r1.waitState("master");
      const r2 = startVigil(lab, "r2", c.conf(100, [...c.extra]), { flavour: FLAVOUR });
      nodes.push(r2);
      await r2.waitState("backup");
      const cap = await lab.capture("c", c.filter, { extraArgs: ["-e"] });
      await cap.waitFor(/prio 200,/);

      lab.exec("r1", ["ip", "link", "set", "vrrp.51", "down"]);
      await r1.waitState("fault");
      const down = await r1.instance();
      expect(down!.faults).toContain("link:vrrp.51");
      expect(down!.lastTransition).toMatchObject({ from: "master", to: "fault", reason: "link-down" });
      await r2.waitState("master");
      expect(linkOf(lab, "r1", "vrrp.51")!.addrs).not.toContain(c.vip);
      expect(linkOf(lab, "r2", "vrrp.51")!.addrs).toContain(c.vip);
      expect(r1.log()).not.toContain("adverts failed");

      lab.exec("r1", ["ip", "link", "set", "vrrp.51", "up"]);
      await r1.waitLog("fault -> backup");
      expect(r1.log()).toMatch(/fault -> backup .*reason=link-up/);
      await r1.waitState("master");
      await r2.waitState("backup");
      const back = linkOf(lab, "r1", "vrrp.51")!;
      expect(back.addrs).toContain(c.vip);
      if (c.family === 6) expect(back.addrs).toContain(`${lab.nodes.r1!.linkLocal}/64`); // the source of its adverts, again

      // 10 more adverts from r1 once it is master again, from the VMAC (or the base with vmac_xmit_base).
      const seen = advertsOf(cap.lines, 200).length;
      for (let i = 0; i < 200 && advertsOf(cap.lines, 200).length < seen + 10; i++) await Bun.sleep(20);
      const lines = await cap.stop();
      const after = advertsOf(lines, 200).slice(seen);
      expect(after.length).toBeGreaterThanOrEqual(10);
      const srcMac = c.extra.length > 0 ? lab.nodes.r1!.mac : c.mac;
      expect(after.every((l) => l.startsWith(`${srcMac} >`) || l.includes(` ${srcMac} >`))).toBe(true);
      expect(r1.log()).not.toContain("adverts failed");

      r1.signal("SIGTERM");
      expect(await r1.exited()).toBe(0);
      expect(linkOf(lab, "r1", "vrrp.51")).toBeUndefined();
    },
    60_000,
  );
}

test("IPv4 use_vmac with dont_track_primary: vrrp.51 down is not a fault of the instance (keepalived 2.2.7 ignores it too)", async () => {
  lab = createLab({ nodes: ["r1", "c"], prefix: "vgdt" });
  const r1 = startVigil(lab, "r1", vmacConf(200, ["dont_track_primary"]), { flavour: FLAVOUR });
  nodes.push(r1);
  await r1.waitState("master");
  lab.exec("r1", ["ip", "link", "set", "vrrp.51", "down"]);
  lab.exec("r1", ["ip", "link", "set", "vrrp.51", "up"]);
  // Several status reads later, no link fault was raised for the VMAC.
  for (let i = 0; i < 5; i++) expect((await r1.instance())!.faults).not.toContain("link:vrrp.51");
  expect(r1.log()).not.toContain("reason=link-down");
}, 60_000);
