// Path 9: a track_file that is a FIFO (or /dev/zero). 0.1.0 read it with a blocking read on the
// event loop: start-up hung, no advert, no signal handled, /health never answered. Now it is
// opened non-blocking, only regular files are read, and such a file is a fault of that tracker.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startVigil } from "../netns/vigil-node.ts";
import { conf, ctx, lab, useLab } from "./kit.ts";

useLab();

for (const kind of ["fifo", "/dev/zero"] as const) {
  test(`track_file on ${kind}: vigil answers, the instance is in Fault for that tracker, SIGTERM works`, async () => {
    const l = lab(["r1"]);
    let path = "/dev/zero";
    if (kind === "fifo") {
      const dir = mkdtempSync("/tmp/vigil-fifo-");
      ctx.cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      path = join(dir, "maint");
      expect(Bun.spawnSync(["mkfifo", path]).exitCode).toBe(0);
    }
    const text = `vrrp_track_file maint {\n    file ${path}\n    weight 0\n}\n` + conf(200, { extra: ["track_file {", "    maint", "}"] });
    const r1 = startVigil(l, "r1", text);
    ctx.nodes.push(r1);
    await r1.waitState("fault");
    const s = await r1.instance();
    expect(s?.faults).toEqual(["track_file:maint"]);
    await r1.waitLog("track file cannot be read without blocking");
    const health = l.exec("r1", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:9650/health"], { allowFail: true });
    expect(health.stdout).toBe("503");
    r1.signal("SIGTERM");
    expect(await r1.exited()).toBe(0);
  }, 60_000);
}
