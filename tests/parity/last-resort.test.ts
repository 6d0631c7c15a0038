// The last resort (an unhandled error: emergencyStop, exit 70) removes what use_vmac and accept
// mode made, like the VIPs: the macvlan, the base interface's sysctls and the nftables table.
import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUN, createLab, type Lab } from "../netns/lab.ts";
import { ROOT, startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";
import { linkOf, nftTable, vmacConf } from "./kit.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
let trigger = "";
afterEach(async () => {
  Bun.spawnSync(["rm", "-f", trigger]);
  [lab, nodes] = await tearDown(lab, nodes);
});

test("an unhandled throw with use_vmac + no_accept: exit 70, no macvlan, sysctls restored, no nft table", async () => {
  lab = createLab({ nodes: ["r1"], prefix: "vgl" });
  trigger = `/tmp/vigil-trigger-${lab.id}`;
  const command = ["env", `VIGIL_INJECT_THROW=${trigger}`, BUN, "--preload", join(ROOT, "tests", "faults", "inject-throw.ts"), join(ROOT, "main.ts")];
  const r1 = startVigil(lab, "r1", vmacConf(100, ["no_accept"]), { command });
  nodes.push(r1);
  await r1.waitState("master");
  expect(linkOf(lab, "r1", "vrrp.51")).toBeDefined();
  expect(nftTable(lab, "r1")).not.toBeNull();

  writeFileSync(trigger, "now");
  expect(await r1.exited(20_000)).toBe(70);
  expect(r1.log()).toContain("injected fault");
  expect(linkOf(lab, "r1", "vrrp.51")).toBeUndefined();
  expect(nftTable(lab, "r1")).toBeNull();
  expect(lab.exec("r1", ["cat", "/proc/sys/net/ipv4/conf/eth0/arp_ignore"]).stdout.trim()).toBe("0");
}, 60_000);
