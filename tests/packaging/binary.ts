// The compiled binary the packaging tests run. CI builds it before the tests (.ci/run); a local
// `bun test` builds it here only when dist/vigil is missing or older than any source file.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const BIN = join(ROOT, "dist", "vigil");

export const IS_ROOT = process.getuid?.() === 0;

function newestSourceMs(): number {
  let newest = 0;
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) { for (const e of readdirSync(p)) visit(join(p, e)); }
    else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const p of ["main.ts", "package.json", "src", "packaging/build.ts"]) visit(join(ROOT, p));
  return newest;
}

export function ensureBinary(): string {
  if (existsSync(BIN) && statSync(BIN).mtimeMs >= newestSourceMs()) return BIN;
  const r = Bun.spawnSync([process.execPath, "packaging/build.ts", "--host"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`build failed: ${r.stderr.toString()}`);
  return BIN;
}

export interface Ran {
  code: number;
  out: string;
  err: string;
}

export function runSync(cmd: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Ran {
  const r = Bun.spawnSync(cmd, { cwd: opts.cwd, env: opts.env ?? (process.env as Record<string, string>), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  return { code: r.exitCode ?? -1, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** Namespaces of `vigil demo` runs (vgdemo-<pid>-…) that still exist. */
export function demoNamespaces(pid?: number): string[] {
  const names = runSync(["ip", "netns", "list"]).out.split("\n").map((l) => l.split(/\s+/)[0] ?? "");
  return names.filter((n) => (pid === undefined ? /^vgdemo-/.test(n) : n.startsWith(`vgdemo-${pid}-`)));
}

/** Fails (never skips) when a tool the packaging checks rely on is missing. */
export function requireTool(name: string, pkg: string): string {
  const path = Bun.which(name);
  if (!path) throw new Error(`${name} is missing: apt-get install ${pkg} (.ci/run installs it)`);
  return path;
}
