// Release artifacts beside the binaries: an .xz of each (see build.ts for the sizes measured)
// and SHA256SUMS over binaries and .xz alike, so a download of either form can be checked.
import { createHash } from "node:crypto";
import { createReadStream, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

/**
 * `xz -T0 -6 -k -f`: all cores, preset 6 (unpacking needs 9 MiB of memory; -9 would need 65 MiB,
 * too much for a small router); keeps the input, overwrites an older .xz. Returns the .xz path.
 */
export async function compressXz(path: string): Promise<string> {
  const p = Bun.spawn(["xz", "-T0", "-6", "-k", "-f", path], { stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`xz ${path}: exit ${code}: ${err.trim()}`);
  return `${path}.xz`;
}

/** sha256 of a file, streamed (the binaries are too big to read whole for nothing). */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Writes `dir/SHA256SUMS` in `sha256sum -c` format for `files` (names inside dir). */
export async function writeSums(dir: string, files: string[]): Promise<string> {
  const lines = [];
  for (const f of files) lines.push(`${await sha256File(join(dir, f))}  ${f}`);
  const out = join(dir, "SHA256SUMS");
  writeFileSync(out, lines.join("\n") + "\n");
  return out;
}

/** "108.0 MiB → 39.2 MiB (36 %)" for the build log. */
export function ratio(path: string, xz: string): string {
  const a = statSync(path).size;
  const b = statSync(xz).size;
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  return `${basename(xz)}: ${mib(a)} → ${mib(b)} (${Math.round((b / a) * 100)} %)`;
}
