// Manual aid: runs one corpus file under keepalived or vigil in a box and prints every advert seen.
//   bun tests/equivalence/debug-one.ts FILE [keepalived|vigil] [seconds]
import { readFileSync } from "node:fs";
import { loadConfig } from "../../src/config/load.ts";
import { cleanupKeepalived, startKeepalived } from "../interop/keepalived-node.ts";
import { startVigil } from "../netns/vigil-node.ts";
import { createBox } from "./box.ts";
import { plan } from "./plan.ts";

const [file, who = "keepalived", secs = "7"] = process.argv.slice(2);
const r = loadConfig(file!, { configId: "corpus" });
if (!r.ok) throw new Error("refused");
const p = plan(r.config);
console.log(JSON.stringify(p));
const box = createBox(p.ifaces, "dbg");
try {
  await box.capture();
  const text = readFileSync(file!, "utf8");
  const d = who === "keepalived" ? startKeepalived(box.lab, "n", text) : startVigil(box.lab, "n", text);
  const t0 = Date.now() / 1000;
  await Bun.sleep(Number(secs) * 1000);
  for (const [i, list] of Object.entries(box.adverts())) for (const a of list) console.log(i, (a.t - t0).toFixed(2), a.vrid, a.priority, a.src, a.dst);
  console.log(box.vips());
  if (process.env.LOG) console.log(d.log());
  if ("crash" in d) await cleanupKeepalived([d]);
  else d.signal("SIGKILL");
} finally {
  await box.cleanup();
}
