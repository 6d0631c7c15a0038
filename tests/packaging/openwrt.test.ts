// packaging/openwrt: the shell files pass sh -n and shellcheck; the package Makefile, run through
// GNU make with a stand-in for the SDK's rules.mk/package.mk, picks the right musl binary per
// ARCH, refuses MIPS, never strips, and installs the expected files; the sample config passes
// `vigil check`. The init script itself is exercised in openwrt-init.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, requireTool, ROOT, runSync } from "./binary.ts";

const DIR = join(ROOT, "packaging/openwrt");
const INIT = join(DIR, "vigil.init");
let tmp = "";

// The SDK's package.mk, reduced to what the Makefile uses; BuildPackage turns the package's
// definitions into targets `info`, `prepare` and `install` the way the SDK expands them.
const STUB_PACKAGE_MK = `
INSTALL_DIR:=install -d -m0755
INSTALL_BIN:=install -m0755
INSTALL_CONF:=install -m0600
INSTALL_DATA:=install -m0644
CP:=cp -fpR
RSTRIP:=rstrip-would-run
STRIP:=strip-would-run
PKG_BUILD_DIR:=$(BUILD_DIR)/vigil
define BuildPackage
$$(eval $$(Package/$(1)))
info:
\t@echo "bin=$$(VIGIL_BIN) depends=$$(DEPENDS) rstrip=$$(RSTRIP) strip=$$(STRIP)"
prepare:
$(Build/Prepare)
install: prepare
$(call Package/$(1)/install,$(IDIR))
endef
`;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "vigil-openwrt-"));
  mkdirSync(join(tmp, "sdk"));
  writeFileSync(join(tmp, "sdk/rules.mk"), "");
  writeFileSync(join(tmp, "sdk/package.mk"), STUB_PACKAGE_MK);
  // A dist/ with recognisable stand-ins: the test checks which one lands in /usr/bin/vigil.
  mkdirSync(join(tmp, "dist"));
  for (const f of ["vigil-linux-x64-musl", "vigil-linux-arm64-musl", "vigil-linux-x64-musl-baseline"]) {
    writeFileSync(join(tmp, "dist", f), `#!/bin/sh\necho ${f}\n`);
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function make(target: string, vars: Record<string, string>) {
  const make = requireTool("make", "make");
  const build = mkdtempSync(join(tmp, "build-"));
  const args = Object.entries({
    TOPDIR: join(tmp, "sdk"),
    INCLUDE_DIR: join(tmp, "sdk"),
    VIGIL_DIST: join(tmp, "dist"),
    BUILD_DIR: build,
    IDIR: join(build, "ipkg"),
    ...vars,
  }).map(([k, v]) => `${k}=${v}`);
  return { ...runSync([make, "-s", "-C", DIR, "-f", "Makefile", target, ...args]), ipkg: join(build, "ipkg") };
}

describe("packaging/openwrt", () => {
  test.each(["vigil.init", "vigil.notify", "hotplug/00-logger"])("%s: sh -n and shellcheck -s sh clean", (file) => {
    const path = join(DIR, file);
    expect(runSync(["sh", "-n", path]).code).toBe(0);
    const r = runSync([requireTool("shellcheck", "shellcheck"), "-s", "sh", path]);
    expect(r.out + r.err).toBe("");
    expect(r.code).toBe(0);
  });

  test("vigil.init: a procd script that reloads on UCI changes", () => {
    const text = readFileSync(INIT, "utf8");
    expect(text.split("\n")[0]).toBe("#!/bin/sh /etc/rc.common");
    expect(text).toContain("USE_PROCD=1");
    expect(text).toMatch(/^START=\d+$/m);
    expect(text).toContain("procd_set_param respawn");
    expect(text).toMatch(/reload_service\(\) \{[\s\S]*procd_send_signal vigil/);
    expect(text).toMatch(/service_triggers\(\) \{\s*procd_add_reload_trigger vigil keepalived/);
  });

  test("Makefile: ARCH picks the musl build, needs libstdcpp, never strips", () => {
    const x86 = make("info", { ARCH: "x86_64" });
    expect(x86.err).toBe("");
    expect(x86.out).toContain("bin=vigil-linux-x64-musl ");
    expect(x86.out).toContain("+libstdcpp");
    expect(x86.out).toContain("@(x86_64||aarch64)");
    expect(x86.out).toContain("rstrip=: strip=:");
    expect(make("info", { ARCH: "aarch64" }).out).toContain("bin=vigil-linux-arm64-musl ");
    expect(make("info", { ARCH: "x86_64", VIGIL_X86_64_BIN: "vigil-linux-x64-musl-baseline" }).out).toContain("bin=vigil-linux-x64-musl-baseline ");
  });

  test("Makefile: install lays out /usr/bin/vigil, the init script and the config", () => {
    const r = make("install", { ARCH: "aarch64" });
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.ipkg, "usr/bin/vigil"), "utf8")).toContain("vigil-linux-arm64-musl");
    expect(statSync(join(r.ipkg, "usr/bin/vigil")).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(r.ipkg, "etc/init.d/vigil"), "utf8")).toBe(readFileSync(INIT, "utf8"));
    expect(statSync(join(r.ipkg, "etc/init.d/vigil")).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(r.ipkg, "etc/vigil/vigil.toml"), "utf8")).toBe(readFileSync(join(DIR, "vigil.toml"), "utf8"));
    expect(readFileSync(join(r.ipkg, "etc/config/vigil"), "utf8")).toBe(readFileSync(join(DIR, "vigil.config"), "utf8"));
    expect(readFileSync(join(r.ipkg, "usr/libexec/vigil/notify"), "utf8")).toBe(readFileSync(join(DIR, "vigil.notify"), "utf8"));
    expect(statSync(join(r.ipkg, "usr/libexec/vigil/notify")).mode & 0o111).not.toBe(0);
    // Sourced by the notify script, not executed: data, like OpenWrt's own hotplug.d files.
    expect(statSync(join(r.ipkg, "etc/hotplug.d/vigil/00-logger")).mode & 0o777).toBe(0o644);
  });

  test("Makefile: /etc/config/vigil and the TOML are conffiles (kept on upgrade)", () => {
    const mk = readFileSync(join(DIR, "Makefile"), "utf8");
    expect(mk).toMatch(/define Package\/vigil\/conffiles\n\/etc\/config\/vigil\n\/etc\/vigil\/vigil.toml\nendef/);
  });

  test("Makefile: MIPS (no Bun build) and a missing binary fail with a message", () => {
    const mips = make("install", { ARCH: "mips" });
    expect(mips.code).not.toBe(0);
    expect(mips.err).toContain("x86_64 and aarch64 only");
    const missing = make("install", { ARCH: "x86_64", VIGIL_DIST: join(tmp, "nowhere") });
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain("run 'bun packaging/build.ts'");
  });

  test("sample /etc/vigil/vigil.toml passes vigil check", () => {
    const r = runSync([ensureBinary(), "check", "--config", join(DIR, "vigil.toml")]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("interface br-lan");
  });

  test("README names the targets that work and those that cannot", () => {
    const readme = readFileSync(join(DIR, "README.md"), "utf8");
    for (const word of ["x86_64", "aarch64", "MIPS", "ARMv7", "libstdcpp", "RSTRIP"]) expect(readme).toContain(word);
  });
});
