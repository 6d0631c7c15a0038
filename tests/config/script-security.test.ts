// `vigil check` reports what enable_script_security will refuse at run time (the daemon's own
// checkScript, through the config layer's host probe): the vrrp_script is disabled with a warning
// at its script line (as keepalived), an error under --strict; notify scripts are warned about too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "./helpers.ts";

let dir = "";
let script = "";

beforeAll(() => {
  dir = mkdtempSync("/tmp/vigil-sec-");
  chmodSync(dir, 0o777); // writable by every user, not sticky: keepalived refuses what root runs from here
  script = join(dir, "chk.sh");
  writeFileSync(script, "#!/bin/sh\nexit 0\n");
  chmodSync(script, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const conf = (security: boolean) =>
  `global_defs {\n${security ? " enable_script_security\n" : ""} script_user root\n}\nvrrp_script chk {\n    script "${script} --quiet"\n    weight -10\n}\n` +
  `vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1/24\n }\n track_script {\n  chk\n }\n notify_master ${script}\n}\n`;

describe.skipIf(process.getuid?.() !== 0)("script security in vigil check (root: the scripts would run as root)", () => {
  test("enable_script_security: the refused script is disabled with file:line:col of its script line; the notify script is warned about", () => {
    const r = load(conf(true), "/etc/keepalived/keepalived.conf");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.scripts).toEqual([]);
    expect(r.config.instances[0]!.trackScripts).toEqual([]);
    const w = r.warnings.map((d) => `${d.pos.file}:${d.pos.line}:${d.pos.col}: ${d.message}`);
    expect(w).toContain(
      `/etc/keepalived/keepalived.conf:6:12: vrrp_script chk disabled: unsafe permissions for script '${script}': ${dir} is writable by every user - disabling (enable_script_security); instances tracking it run without it (as keepalived)`,
    );
    expect(w).toContain(
      `/etc/keepalived/keepalived.conf:18:16: vrrp_instance A: notify_master will not run: unsafe permissions for script '${script}': ${dir} is writable by every user - disabling (enable_script_security) (as keepalived)`,
    );
  });

  test("--strict: the refusal is an error", () => {
    const r = load(conf(true), "/etc/keepalived/keepalived.conf", { strict: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.some((e) => e.pos.line === 6 && e.pos.col === 12 && e.message.includes("unsafe permissions"))).toBe(true);
  });

  test("without enable_script_security the script runs (keepalived only logs it as unsafe at run time)", () => {
    const r = load(conf(false));
    expect(r.ok && r.config.scripts.length).toBe(1);
    expect(r.warnings.filter((d) => d.message.includes("unsafe"))).toEqual([]);
  });

  test("a safe path is not reported", () => {
    chmodSync(dir, 0o755);
    try {
      const r = load(conf(true));
      expect(r.ok && r.config.scripts.length).toBe(1);
      expect(r.warnings.filter((d) => d.message.includes("unsafe"))).toEqual([]);
    } finally {
      chmodSync(dir, 0o777);
    }
  });
});
