// Builds vigil into single executables: dist/vigil for this host and dist/vigil-linux-<target> for
// every supported target, each with the receive worker compiled in as a second entry (without it
// the binary builds fine and fails at run time), bytecode on, and SHA256SUMS beside them.
//   bun packaging/build.ts            all targets
//   bun packaging/build.ts --host     only dist/vigil (what the test suite runs)
import { $ } from "bun";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const DIST = join(ROOT, "dist");
const ENTRIES = ["main.ts", "src/os/linux/rx-worker.ts"];
// The -baseline builds run on x86-64 CPUs without AVX2 (Atom/Celeron routers, many OpenWrt boxes).
const TARGETS = [
  "linux-x64",
  "linux-arm64",
  "linux-x64-musl",
  "linux-arm64-musl",
  "linux-x64-baseline",
  "linux-x64-musl-baseline",
] as const;

function hostTarget(): string {
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  // glibc exposes its version through process.report; musl does not.
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return `linux-${arch}${header?.glibcVersionRuntime ? "" : "-musl"}`;
}

async function commit(): Promise<string> {
  try {
    return (await $`git -C ${ROOT} rev-parse --short=12 HEAD`.quiet().text()).trim();
  } catch {
    return "unknown";
  }
}

async function build(target: string, outfile: string, rev: string): Promise<void> {
  const started = performance.now();
  await $`${process.execPath} build --compile --bytecode --format=esm --minify-syntax --target=bun-${target} --define VIGIL_COMMIT=${JSON.stringify(rev)} --define VIGIL_TARGET=${JSON.stringify(target)} ${ENTRIES} --outfile ${outfile}`
    .cwd(ROOT)
    .quiet();
  const mb = (statSync(outfile).size / 1048576).toFixed(1);
  console.log(`built ${outfile.replace(ROOT + "/", "")} (${target}, ${mb} MiB, ${Math.round(performance.now() - started)} ms)`);
}

const hostOnly = process.argv.includes("--host");
mkdirSync(DIST, { recursive: true });
const rev = await commit();
const outputs: string[] = [];
await build(hostTarget(), join(DIST, "vigil"), rev);
outputs.push("vigil");
if (!hostOnly) {
  for (const t of TARGETS) {
    await build(t, join(DIST, `vigil-${t}`), rev);
    outputs.push(`vigil-${t}`);
  }
}
const sums = outputs.map((f) => `${createHash("sha256").update(readFileSync(join(DIST, f))).digest("hex")}  ${f}`);
writeFileSync(join(DIST, "SHA256SUMS"), sums.join("\n") + "\n");
console.log(`wrote dist/SHA256SUMS (${outputs.length} files)`);
