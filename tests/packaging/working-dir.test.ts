// The compiled binary reads nothing from the directory it is started in. Bun's standalone
// executables load `bunfig.toml` (its `preload` runs code before main) and `.env` (into
// process.env, which vigil hands to every script it runs) from the working directory unless the
// build turns that off (packaging/build.ts). For a daemon that runs as root, an admin typing
// `vigil check` in a directory another user can write to must not run that user's code, and a
// notify script must not inherit variables (BASH_ENV, PYTHONPATH…) planted beside a config.
import { afterEach, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLab, type Lab } from "../netns/lab.ts";
import { v3Conf } from "../netns/scenario-kit.ts";
import { startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";
import { ensureBinary, IS_ROOT, runSync } from "./binary.ts";

let dir: string | undefined;
let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => {
  [lab, nodes] = await tearDown(lab, nodes);
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A directory holding a bunfig.toml whose preload leaves `marker`, and a .env with a probe variable. */
function plantedDir(): { dir: string; marker: string } {
  const d = mkdtempSync("/tmp/vigil-cwd-");
  const marker = join(d, "preload-ran");
  writeFileSync(join(d, "planted.js"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
  writeFileSync(join(d, "bunfig.toml"), `preload = ["./planted.js"]\n`);
  writeFileSync(join(d, ".env"), "VIGIL_PLANTED_ENV=1\n");
  return { dir: d, marker };
}

test("a bunfig.toml in the working directory runs no code: version and check", () => {
  const bin = ensureBinary();
  const p = plantedDir();
  dir = p.dir;
  writeFileSync(join(dir, "keepalived.conf"), v3Conf({ priority: 100, vips: ["192.0.2.1/24"] }));
  const version = runSync([bin, "version"], { cwd: dir });
  expect(version.code).toBe(0);
  const check = runSync([bin, "check", "keepalived.conf"], { cwd: dir });
  expect(check.code, check.err).toBe(0);
  expect(existsSync(p.marker)).toBe(false);
});

test.skipIf(!IS_ROOT)("vigil run in a planted directory: no preload runs, and its notify script gets no .env variable", async () => {
  const bin = ensureBinary();
  const p = plantedDir();
  dir = p.dir;
  const seen = join(dir, "notify-env");
  const notify = join(dir, "notify.sh");
  writeFileSync(notify, `#!/bin/sh\nenv > ${seen}.tmp && mv ${seen}.tmp ${seen}\n`);
  chmodSync(notify, 0o755);
  lab = createLab({ nodes: ["r1"], prefix: "vgcwd" });
  const conf = `global_defs {\n    script_user root\n}\n` + v3Conf({ priority: 200, vips: ["10.99.0.100/24"], extra: [`notify_master ${notify}`] });
  // Started the way an admin would: `cd` to the config's directory, then run.
  const r1 = startVigil(lab, "r1", conf, { command: ["sh", "-c", `cd ${dir} && exec ${bin} "$@"`, "sh"] });
  nodes.push(r1);
  const deadline = performance.now() + 15_000;
  while (!existsSync(seen)) {
    if (performance.now() > deadline) throw new Error(`the notify script did not run:\n${r1.log()}`);
    await Bun.sleep(50);
  }
  const env = readFileSync(seen, "utf8");
  expect(env).toContain("PATH="); // it is the script's environment
  expect(env).not.toContain("VIGIL_PLANTED_ENV");
  expect(existsSync(p.marker)).toBe(false);
});
