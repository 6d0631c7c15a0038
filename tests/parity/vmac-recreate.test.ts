// A VMAC deleted under a running master (`ip link del vrrp.51` by an operator or another tool) takes
// the VIP with it. keepalived 2.2.7 re-creates it (through Fault and Backup); vigil re-creates it
// in place from the link event: the same name, MAC and ifindex, its sysctls, the VIP again, and the
// adverts never stop. A stop still removes it.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "../netns/lab.ts";
import { startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";
import { advertsOf, FLAVOUR, linkOf, VIP, VIP6, VMAC, VMAC6, vmac6Conf, vmacConf } from "./kit.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const ifindex = (l: Lab, node: string, name: string) => {
  const r = l.exec(node, ["ip", "-j", "link", "show", "dev", name], { allowFail: true });
  return r.code === 0 ? (JSON.parse(r.stdout)[0].ifindex as number) : undefined;
};

const CASES = [
  { family: 4, conf: vmacConf(200), vip: `${VIP}/24`, mac: VMAC, filter: "proto 112", sysctl: "ipv4/conf/vrrp.51/arp_ignore", value: "1" },
  { family: 6, conf: vmac6Conf(200), vip: `${VIP6}/64`, mac: VMAC6, filter: "ip6 and proto 112", sysctl: "ipv6/conf/vrrp.51/addr_gen_mode", value: "1" },
] as const;

for (const c of CASES) {
  test(
    `IPv${c.family} use_vmac: vrrp.51 deleted under a master comes back (same MAC and ifindex) with the VIP; adverts keep flowing; stop removes it`,
    async () => {
      lab = createLab({ nodes: ["r1", "c"], prefix: "vgr", ipv6: c.family === 6 });
      const r1 = startVigil(lab, "r1", c.conf, { flavour: FLAVOUR });
      nodes.push(r1);
      await r1.waitState("master");
      const before = ifindex(lab, "r1", "vrrp.51")!;
      const cap = await lab.capture("c", c.filter, { extraArgs: ["-e"] });
      await cap.waitFor(/prio 200,/);

      lab.exec("r1", ["ip", "link", "del", "vrrp.51"]);
      let back = linkOf(lab, "r1", "vrrp.51");
      for (let i = 0; i < 100 && !back?.addrs.includes(c.vip); i++) {
        await Bun.sleep(20);
        back = linkOf(lab, "r1", "vrrp.51");
      }
      expect(lab.addrs("r1").find((a) => a.ifname === "vrrp.51")?.addresses).toContain(c.vip);
      expect(back).toMatchObject({ address: c.mac, kind: "macvlan", mode: "private" });
      if (c.family === 6) expect(back!.addrs).toContain(`${lab.nodes.r1!.linkLocal}/64`); // the source of its adverts
      expect(ifindex(lab, "r1", "vrrp.51")).toBe(before);
      expect(lab.exec("r1", ["cat", `/proc/sys/net/${c.sysctl}`]).stdout.trim()).toBe(c.value);

      // 20 more adverts (advert_int 0.1) from the VMAC, and the instance never left Master.
      const seen = advertsOf(cap.lines, 200).length;
      for (let i = 0; i < 200 && advertsOf(cap.lines, 200).length < seen + 20; i++) await Bun.sleep(20);
      const lines = await cap.stop();
      const after = advertsOf(lines, 200).slice(seen);
      expect(after.length).toBeGreaterThanOrEqual(20);
      expect(after.every((l) => l.includes(`${c.mac} >`))).toBe(true);
      expect((await r1.instance())?.state).toBe("master");
      expect(r1.log()).not.toMatch(/master -> /);
      expect(r1.log()).toContain("re-created");

      r1.signal("SIGTERM");
      expect(await r1.exited()).toBe(0);
      expect(linkOf(lab, "r1", "vrrp.51")).toBeUndefined();
    },
    60_000,
  );
}
