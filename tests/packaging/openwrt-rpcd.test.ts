// The rpcd exec plugin (packaging/openwrt/vigil.rpcd → /usr/libexec/rpcd/vigil): what rpcd sees
// for `ubus -v list vigil` and `ubus call vigil status`, against a real vigil in a namespace, run
// by busybox ash as on OpenWrt; and the ACL file LuCI needs is valid JSON naming that method.
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createLab, type Lab } from "../netns/lab.ts";
import { v3Conf } from "../netns/scenario-kit.ts";
import { BINARY, ensureBinary, ROOT, startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";

const PLUGIN = join(ROOT, "packaging/openwrt/vigil.rpcd");
let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => {
  [lab, nodes] = await tearDown(lab, nodes);
});

function plugin(l: Lab, node: string, args: string[]): { code: number; json: Record<string, unknown> } {
  // rpcd hands the call's arguments on stdin.
  const r = l.exec(node, ["env", `VIGIL_BIN=${BINARY}`, "sh", "-c", `echo '{}' | busybox ash ${PLUGIN} ${args.join(" ")}`], { allowFail: true });
  return { code: r.code, json: JSON.parse(r.stdout) as Record<string, unknown> };
}

test("shellcheck (POSIX sh) and busybox ash accept the plugin; the ACL grants vigil.status", () => {
  expect(Bun.spawnSync(["shellcheck", "-s", "sh", PLUGIN]).exitCode).toBe(0);
  expect(Bun.spawnSync(["busybox", "ash", "-n", PLUGIN]).exitCode).toBe(0);
  const acl = JSON.parse(readFileSync(join(ROOT, "packaging/openwrt/vigil.acl.json"), "utf8"));
  expect(acl["luci-app-vigil"].read.ubus.vigil).toEqual(["status"]);
  expect(readFileSync(join(ROOT, "packaging/openwrt/Makefile"), "utf8")).toContain("$(1)/usr/libexec/rpcd/vigil");
});

test("list names the status method; call status is vigil's /status; without vigil, an error object", async () => {
  ensureBinary();
  lab = createLab({ nodes: ["r1"], prefix: "vgr" });
  const l = lab;
  expect(plugin(l, "r1", ["list"]).json).toEqual({ status: {} });
  const down = plugin(l, "r1", ["call", "status"]);
  expect(down.json.error).toContain("not running");
  const r1 = startVigil(l, "r1", v3Conf({ priority: 200, vips: ["10.99.0.100/24"], advertInt: 0.1 }));
  nodes.push(r1);
  await r1.waitState("master");
  const up = plugin(l, "r1", ["call", "status"]);
  expect(up.code).toBe(0);
  const instances = up.json.instances as { name: string; state: string; virtualIps: string[] }[];
  expect(instances.map((i) => [i.name, i.state, i.virtualIps])).toEqual([["VI_1", "master", ["10.99.0.100/24"]]]);
  expect(plugin(l, "r1", ["call", "nope"]).code).toBe(2);
}, 60_000);
