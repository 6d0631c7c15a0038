// /etc/init.d/vigil run outside OpenWrt (tests/packaging/openwrt/harness.sh: UCI files, the
// config_* functions, procd stubs), under dash and under busybox ash (OpenWrt's shell):
// /etc/config/vigil picks the config and the command line; with source 'keepalived' the init
// writes a keepalived.conf from the keepalived package's example UCI config that `vigil check`
// accepts; reload checks, re-registers and signals; procd reloads on either UCI config; and the
// notify script runs /etc/hotplug.d/vigil/* with ACTION, TYPE and INSTANCE.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, type Ran, requireTool, ROOT, runSync } from "./binary.ts";

const OPENWRT = join(ROOT, "packaging/openwrt");
const INIT = join(OPENWRT, "vigil.init");
const NOTIFY = join(OPENWRT, "vigil.notify");
const HARNESS = join(import.meta.dir, "openwrt/harness.sh");
const EXAMPLE = join(import.meta.dir, "openwrt/fixtures/example/keepalived");
let tmp = "";
let bin = "";
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "vigil-openwrt-init-"));
  bin = ensureBinary();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SHELLS: Record<string, string[]> = { dash: ["dash"], "busybox ash": ["busybox", "sh"] };

interface Setup {
  vigil: string;
  keepalived?: string;
}

/** Runs the init script's functions with /etc/config/{vigil,keepalived} from `setup`. */
function init(shell: string[], setup: Setup, actions: string[]): Ran & { generated: string; calls: string[] } {
  requireTool(shell[0]!, shell[0] === "busybox" ? "busybox" : "dash");
  const dir = mkdtempSync(join(tmp, "run-"));
  mkdirSync(join(dir, "config"));
  writeFileSync(join(dir, "config/vigil"), setup.vigil);
  if (setup.keepalived) writeFileSync(join(dir, "config/keepalived"), setup.keepalived);
  const generated = join(dir, "keepalived.conf");
  const vars = `PROG=${bin} GENERATED=${generated} STATE_DIR=${join(dir, "state")} NOTIFY=/usr/libexec/vigil/notify`;
  const r = runSync([...shell, HARNESS, INIT, ...actions], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", UCI_DIR: join(dir, "config"), VARS: vars } });
  let text = "";
  try {
    text = readFileSync(generated, "utf8");
  } catch {
    // The init script wrote nothing (a failing case): an empty text says so.
  }
  return { ...r, generated: text, calls: r.out.split("\n").filter((l) => l.startsWith("procd ") || l.startsWith("rc ")) };
}

const vigilUci = (opts: Record<string, string>) =>
  `config vigil 'main'\n${
    Object.entries(opts)
      .map(([k, v]) => `\toption ${k} '${v}'\n`)
      .join("")
  }`;

describe.each(Object.keys(SHELLS))("under %s", (name) => {
  const sh = SHELLS[name]!;

  test("source 'file': the command line from /etc/config/vigil", () => {
    const r = init(sh, {
      vigil: vigilUci({ enabled: "1", source: "file", config_file: join(OPENWRT, "vigil.toml"), http: "0.0.0.0:9650", log_level: "debug" }),
    }, ["start_service"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      "procd procd_open_instance",
      `procd procd_set_param command ${bin} run --config ${join(OPENWRT, "vigil.toml")} --state-dir ${r.calls[1]!.split("--state-dir ")[1]}`,
      "procd procd_append_param command --http 0.0.0.0:9650",
      "procd procd_append_param command --log-level debug",
      "procd procd_set_param respawn 3600 5 0",
      "procd procd_set_param reload_signal HUP",
      "procd procd_set_param term_timeout 15",
      "procd procd_set_param stdout 1",
      "procd procd_set_param stderr 1",
      "procd procd_close_instance",
    ]);
  });

  test("disabled (the packaged default): no instance, and why", () => {
    const r = init(sh, { vigil: readFileSync(join(OPENWRT, "vigil.config"), "utf8") }, ["start_service"]);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.err).toContain("uci set vigil.main.enabled=1");
  });

  test("source 'keepalived': the keepalived package's example becomes a keepalived.conf vigil accepts", () => {
    const r = init(sh, { vigil: vigilUci({ enabled: "1", source: "keepalived" }), keepalived: readFileSync(EXAMPLE, "utf8") }, ["start_service"]);
    expect(r.code).toBe(0);
    expect(r.calls[1]).toContain(`run --config ${r.calls[1]!.split("--config ")[1]!.split(" ")[0]}`);
    expect(r.calls[1]).toEndWith(r.calls[1]!.split("--state-dir ")[1]!);
    const g = r.generated;
    expect(g).toContain("global_defs {\n\trouter_id LVS_DEVEL\n}");
    // ipaddress sections by name: address, device, label with the default suffix, scope.
    expect(g).toContain(
      "\tvirtual_ipaddress {\n\t\t192.168.1.1/24 dev eth0 label eth0:vip scope link\n\t\t192.168.1.2/24 dev eth2 label eth2:vip scope site\n\t}",
    );
    expect(g).toContain("\tvirtual_routes {\n\t\t192.168.2.1/24 via 192.168.0.1 dev eth0\n\t\tblackhole 127.0.0.1\n\t}");
    expect(g).toContain("\ttrack_interface {\n\t\teth0 weight 1\n\t\teth1 weight 2\n\t}");
    expect(g).toContain("\ttrack_script {\n\t\tvrrp_script1 weight 1\n\t\tvrrp_script2 weight 2\n\t}");
    // unicast_peer items that name no `peer` section are addresses, as the example writes them.
    expect(g).toContain("\tunicast_peer {\n\t\t192.168.0.1\n\t\t192.168.1.1\n\t}");
    expect(g).toContain('\tscript "/usr/bin/check-lan --quick"');
    expect(g).toMatch(/\tnopreempt\n\taccept\n\tdont_track_primary\n/);
    // Every instance and group notifies the hotplug script; VI_2 does not exist, so it is dropped.
    expect(g.match(/\tnotify \/usr\/libexec\/vigil\/notify\n/g)).toHaveLength(2);
    expect(g).toContain("vrrp_sync_group VI_sync_group_1 {\n\tgroup {\n\t\tVI_1\n\t}");
    expect(r.err).toContain("sync group VI_sync_group_1: no vrrp_instance VI_2");
    for (const skipped of ["static_ipaddress", "static_routes", "virtual_server"]) expect(r.err).toContain(`'${skipped}' sections are not used by vigil`);
    expect(g).not.toMatch(/smtp|notification_email|virtual_server|real_server|debug/);
    // The real parser on the generated file.
    const path = join(tmp, `example-${name.replace(" ", "-")}.conf`);
    writeFileSync(path, g);
    const check = runSync([bin, "check", "--config", path]);
    expect(check.code).toBe(0);
    expect(check.out).toBe("VI_1: interface eth0, vrid 128, VRRPv2, priority 128, VIPs 192.168.1.1/24 192.168.1.2/24\n");
    expect(check.err).not.toContain("error");
  });

  test("alt_config_file in /etc/config/keepalived is run as it is", () => {
    const alt = join(tmp, "alt-keepalived.conf");
    copyFileSync(join(ROOT, "packaging/examples/seed-r1.conf"), alt);
    const r = init(
      sh,
      { vigil: vigilUci({ enabled: "1", source: "keepalived" }), keepalived: `config globals 'globals'\n\toption alt_config_file '${alt}'\n` },
      ["start_service"],
    );
    expect(r.code).toBe(0);
    expect(r.calls[1]).toContain(`run --config ${alt} `);
    expect(r.generated).toBe("");
  });

  test("service_triggers: procd reloads on /etc/config/vigil and /etc/config/keepalived", () => {
    const r = init(sh, { vigil: vigilUci({ enabled: "1" }) }, ["service_triggers"]);
    expect(r.calls).toEqual(["procd procd_add_reload_trigger vigil keepalived"]);
  });

  test("reload: checks, re-registers the instance, then SIGHUP; a broken config is refused", () => {
    const ok = init(sh, { vigil: vigilUci({ enabled: "1", source: "keepalived" }), keepalived: readFileSync(EXAMPLE, "utf8") }, ["reload_service"]);
    expect(ok.code).toBe(0);
    expect(ok.calls[0]).toBe("rc start");
    expect(ok.calls.at(-1)).toBe("procd procd_send_signal vigil");
    const broken = join(tmp, "broken.conf");
    writeFileSync(broken, "vrrp_instance VI_1 {\n\tinterface eth0\n\tvirtual_router_id 999\n}\n");
    const bad = init(sh, { vigil: vigilUci({ enabled: "1", config_file: broken }) }, ["reload_service"]);
    expect(bad.code).toBe(1);
    expect(bad.calls).toEqual([]);
    expect(bad.err).toContain(`${broken}:3:`);
    expect(bad.err).toContain("keeping the running config");
  });

  test("reload after disabling stops the service", () => {
    const r = init(sh, { vigil: vigilUci({ enabled: "0" }) }, ["reload_service"]);
    expect(r.calls).toEqual(["rc stop"]);
  });
});

describe.each(Object.keys(SHELLS))("notify under %s", (name) => {
  const sh = SHELLS[name]!;

  test("runs every /etc/hotplug.d/vigil script in order with ACTION, TYPE, INSTANCE, PRIORITY; a failing one does not stop the rest", () => {
    const dir = mkdtempSync(join(tmp, "hotplug-"));
    const log = join(dir, "log");
    writeFileSync(join(dir, "10-first"), `echo "first $ACTION $TYPE $INSTANCE $NAME $PRIORITY" >>${log}\n`);
    writeFileSync(join(dir, "20-fails"), "exit 3\n");
    writeFileSync(join(dir, "30-last"), `echo "last $ACTION" >>${log}\n`);
    const r = runSync([...sh, NOTIFY, "INSTANCE", "VI_1", "MASTER", "200"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", VIGIL_HOTPLUG_DIR: dir } });
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(readFileSync(log, "utf8")).toBe("first MASTER INSTANCE VI_1 VI_1 200\nlast MASTER\n");
    const g = runSync([...sh, NOTIFY, "GROUP", "G1", "BACKUP", "0"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", VIGIL_HOTPLUG_DIR: dir } });
    expect(g.code).toBe(0);
    expect(readFileSync(log, "utf8").split("\n")[2]).toBe("first BACKUP GROUP G1 G1 0");
  });

  test("without arguments: usage, exit 64; no hotplug directory: nothing to do", () => {
    expect(runSync([...sh, NOTIFY]).code).toBe(64);
    const r = runSync([...sh, NOTIFY, "INSTANCE", "VI_1", "FAULT"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", VIGIL_HOTPLUG_DIR: join(tmp, "none") },
    });
    expect(r.code).toBe(0);
  });
});

test("the packaged hotplug script logs one line per change", () => {
  const dir = mkdtempSync(join(tmp, "logger-"));
  // A logger stand-in first in PATH: the message the script would send to syslog.
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin/logger"), `#!/bin/sh\necho "$@" >${join(dir, "said")}\n`);
  chmodSync(join(dir, "bin/logger"), 0o755);
  mkdirSync(join(dir, "hotplug"));
  copyFileSync(join(OPENWRT, "hotplug/00-logger"), join(dir, "hotplug/00-logger"));
  const r = runSync(["sh", NOTIFY, "INSTANCE", "LAN", "MASTER", "200"], {
    env: { PATH: `${join(dir, "bin")}:${process.env.PATH}`, VIGIL_HOTPLUG_DIR: join(dir, "hotplug") },
  });
  expect(r.code).toBe(0);
  expect(readFileSync(join(dir, "said"), "utf8")).toBe("-t vigil -p daemon.notice INSTANCE LAN is now MASTER (priority 200)\n");
});
