// Two routers with use_vmac have the same VMAC MAC (00:00:5e:00:01:VRID). A macvlan in private mode
// takes every multicast frame whose source MAC is its own and hands it to the VMAC, not to the base
// interface: the peer's adverts arrive on our vrrp.51. vigil receives them there too (the instance
// is indexed by the VMAC's ifindex as well as its base's), so a backup hears its master and two
// masters converge, as keepalived 2.2.7 does (observed: a lower-priority master yields).
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "../netns/lab.ts";
import { startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";
import { advertsOf, FLAVOUR, vmac6Conf, vmacConf } from "./kit.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

for (const family of [4, 6] as const) {
  test(`IPv${family} use_vmac on both routers: the backup hears the master through its own VMAC and stays backup`, async () => {
    lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgv", ipv6: family === 6 });
    const conf = family === 6 ? vmac6Conf : vmacConf;
    const cap = await lab.capture("c", family === 6 ? "ip6 and proto 112" : "proto 112");
    const r1 = startVigil(lab, "r1", conf(200), { flavour: FLAVOUR });
    nodes.push(r1);
    await r1.waitState("master");
    const r2 = startVigil(lab, "r2", conf(100), { flavour: FLAVOUR });
    nodes.push(r2);
    await r2.waitState("backup");
    // 20 of the master's adverts (advert_int 0.1: Master_Down_Interval is ~3.6 of them) after the backup started.
    const seen = advertsOf(cap.lines, 200).length;
    for (let i = 0; i < 300 && advertsOf(cap.lines, 200).length < seen + 20; i++) await Bun.sleep(20);
    expect(advertsOf(cap.lines, 200).length).toBeGreaterThanOrEqual(seen + 20);
    expect((await r2.instance())!.state).toBe("backup");
    expect(r2.log()).not.toContain("backup -> master");
    expect(advertsOf(cap.lines, 100)).toEqual([]);
    await cap.stop();
  }, 60_000);
}
