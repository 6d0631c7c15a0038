// The OpenWrt path end to end on a real kernel: /etc/config/keepalived (UCI) → /etc/init.d/vigil
// writes keepalived.conf → vigil runs it in a lab namespace → on becoming master it calls the
// packaged notify script → /etc/hotplug.d/vigil/* sees ACTION=MASTER INSTANCE=LAN.
import { afterEach, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLab, type Lab } from "../netns/lab.ts";
import { holds } from "../netns/scenario-kit.ts";
import { startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";
import { ensureBinary, ROOT, runSync } from "./binary.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
let dir = "";
afterEach(async () => {
  [lab, nodes] = await tearDown(lab, nodes);
  rmSync(dir, { recursive: true, force: true });
});

const KEEPALIVED_UCI = `config globals 'globals'
	option router_id 'openwrt-1'

config ipaddress
	option name 'lan_vip'
	option address '10.99.0.100/24'
	option device 'eth0'

config vrrp_instance
	option name 'LAN'
	option interface 'eth0'
	option virtual_router_id '51'
	option priority '200'
	option version '3'
	option advert_int '0.1'
	list virtual_ipaddress 'lan_vip'
`;

async function lines(path: string, want: string): Promise<string[]> {
  let text = "";
  for (let i = 0; i < 100 && !text.includes(want); i++) {
    try {
      text = readFileSync(path, "utf8");
    } catch {
      // Not written yet: poll again.
    }
    if (!text.includes(want)) await Bun.sleep(50);
  }
  return text.split("\n").filter(Boolean);
}

test("UCI → generated keepalived.conf → vigil → notify → hotplug.d: MASTER for INSTANCE=LAN, STOP on SIGTERM", async () => {
  const bin = ensureBinary();
  dir = mkdtempSync(join(tmpdir(), "vigil-openwrt-e2e-"));
  mkdirSync(join(dir, "config"));
  mkdirSync(join(dir, "hotplug"));
  writeFileSync(join(dir, "config/vigil"), "config vigil 'main'\n\toption enabled '1'\n\toption source 'keepalived'\n");
  writeFileSync(join(dir, "config/keepalived"), KEEPALIVED_UCI);
  const generated = join(dir, "keepalived.conf");
  // The packaged notify script, pointed at a hotplug directory of this test (on the router it is
  // /etc/hotplug.d/vigil): a wrapper sets it, as Bun does not pass later process.env changes on.
  const notify = join(dir, "notify");
  writeFileSync(notify, `#!/bin/sh\nVIGIL_HOTPLUG_DIR=${join(dir, "hotplug")} exec ${join(ROOT, "packaging/openwrt/vigil.notify")} "$@"\n`);
  chmodSync(notify, 0o755);
  const vars = `PROG=${bin} GENERATED=${generated} STATE_DIR=${join(dir, "state")} NOTIFY=${notify}`;
  const r = runSync(["sh", join(import.meta.dir, "openwrt/harness.sh"), join(ROOT, "packaging/openwrt/vigil.init"), "start_service"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", UCI_DIR: join(dir, "config"), VARS: vars },
  });
  expect(r.code).toBe(0);
  const log = join(dir, "hotplug.log");
  writeFileSync(join(dir, "hotplug/50-record"), `echo "$ACTION $TYPE $INSTANCE $PRIORITY" >>${log}\n`);

  const l = (lab = createLab({ nodes: ["r1"], prefix: "vgo" }));
  const r1 = startVigil(l, "r1", readFileSync(generated, "utf8"));
  nodes.push(r1);
  await r1.waitState("master");
  expect(holds(l, "r1", "10.99.0.100/24")).toBe(true);
  expect(await lines(log, "MASTER")).toEqual(["BACKUP INSTANCE LAN 200", "MASTER INSTANCE LAN 200"]);

  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  expect((await lines(log, "STOP")).at(-1)).toBe("STOP INSTANCE LAN 200");
}, 30_000);
