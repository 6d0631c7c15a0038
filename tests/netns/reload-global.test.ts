// SIGHUP applies global settings too: the HTTP listener moves to the new global.http and the log
// format (and level) follow the file — while the instance keeps running untouched.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const toml = (port: number, logFormat: string) =>
  `[global]
http = "127.0.0.1:${port}"
log_format = "${logFormat}"

[[instance]]
name = "VI_1"
interface = "eth0"
virtual_router_id = 51
priority = 200
version = 3
advert_int = 0.1
virtual_ipaddress = ["10.99.0.100/24"]
`;

test("global.http and log_format change on SIGHUP; the instance is not disturbed", async () => {
  const l = (lab = createLab({ nodes: ["r1"] }));
  const r1 = startVigil(l, "r1", toml(9650, "text"), { ext: "toml", httpFromConfig: true });
  nodes.push(r1);
  await r1.waitState("master");
  const before = (await r1.status()).instances[0]!.lastTransition;
  r1.rewriteConfig(toml(9651, "json"));
  r1.signal("SIGHUP");
  // Lines after the reload are JSON: the format followed the file.
  await r1.waitLog('"msg":"HTTP listener moved"');
  const moved = r1.cli(["status", "--url", "http://127.0.0.1:9651", "--json"]);
  expect(moved.code).toBe(0);
  expect(JSON.parse(moved.stdout).instances[0].lastTransition).toEqual(before);
  expect(r1.cli(["status", "--url", "http://127.0.0.1:9650"]).code).toBe(1);
  await r1.waitLog('"msg":"configuration reloaded"');
}, 30_000);
