// Builds vigil into single executables: dist/vigil for this host and dist/vigil-linux-<target> for
// every supported target, each with the receive worker compiled in as a second entry (without it
// the binary builds fine and fails at run time), bytecode on, JIT tier-up thresholds ×100 for the
// whole run (JIT_POLICY, below), nothing read from the working directory at start (NO_AUTOLOAD);
// the full build also packs each
// target into .xz (release.ts), and SHA256SUMS covers whatever was written.
//   bun packaging/build.ts            all targets, and their .xz
//   bun packaging/build.ts --host     only dist/vigil (what the test suite runs; no .xz)
import { $ } from "bun";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { compressXz, ratio, writeSums } from "./release.ts";

const ROOT = join(import.meta.dir, "..");
const DIST = join(ROOT, "dist");
const ENTRIES = ["main.ts", "src/os/linux/rx-worker.ts"];
/**
 * JavaScriptCore's tier-up thresholds × 100, never reset: only code that really is hot gets
 * compiled by the baseline/DFG JITs, and the daemon does little per second. Measured on the
 * binary (bench/README.md): 255 masters at 1 s after 5 min, RssAnon 27.6 → 20.0 MiB (code blocks
 * and JIT code are most of the heap) for CPU 0.70 → 0.76 % of a core; 1 instance 11.6 → 10.7 MiB.
 */
const JIT_POLICY = 100;
/**
 * A standalone Bun executable reads bunfig.toml (whose `preload` runs code before main) and .env
 * (into process.env, which scripts inherit) from its working directory unless told not to. vigil
 * runs as root and is started from wherever an admin stands: it reads only the files it is given
 * (tests/packaging/working-dir.test.ts).
 */
const NO_AUTOLOAD = [
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  "--no-compile-autoload-tsconfig",
  "--no-compile-autoload-package-json",
];
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
  await $`${process.execPath} build --compile --bytecode --compile-jit-policy=${JIT_POLICY} ${NO_AUTOLOAD} --format=esm --minify-syntax --target=bun-${target} --define VIGIL_COMMIT=${
    JSON.stringify(rev)
  } --define VIGIL_TARGET=${JSON.stringify(target)} ${ENTRIES} --outfile ${outfile}`
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
  const targets: string[] = [];
  for (const t of TARGETS) {
    await build(t, join(DIST, `vigil-${t}`), rev);
    targets.push(`vigil-${t}`);
  }
  // One at a time: xz -T0 already uses every core.
  for (const f of targets) {
    const started = performance.now();
    const xz = await compressXz(join(DIST, f));
    console.log(`packed ${ratio(join(DIST, f), xz)}, ${Math.round(performance.now() - started)} ms`);
    outputs.push(f, `${f}.xz`);
  }
}
await writeSums(DIST, outputs);
console.log(`wrote dist/SHA256SUMS (${outputs.length} files)`);
