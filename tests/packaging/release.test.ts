// packaging/release.ts, the .xz and SHA256SUMS step of the full build, on a small file (the full
// build packs six 108 MiB binaries: minutes of CPU): the .xz unpacks to the same bytes with the
// preset-6 dictionary (9 MiB to unpack), the input stays, a rerun overwrites, and `sha256sum -c`
// accepts SHA256SUMS for binaries and .xz alike and rejects a changed file.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compressXz, ratio, writeSums } from "../../packaging/release.ts";
import { requireTool, runSync } from "./binary.ts";

let dir = "";
let data: Uint8Array;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vigil-release-"));
  // Half noise, half repetition: compressible like a binary, not trivially.
  data = new Uint8Array(512 * 1024);
  let x = 12345;
  for (let i = 0; i < data.length / 2; i++) data[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  for (let i = data.length / 2; i < data.length; i++) data[i] = i % 251;
  writeFileSync(join(dir, "vigil-linux-x64"), data);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("compressXz: an .xz beside the input that unpacks to the same bytes, preset 6", async () => {
  const xzBin = requireTool("xz", "xz-utils");
  const input = join(dir, "vigil-linux-x64");
  const out = await compressXz(input);
  expect(out).toBe(`${input}.xz`);
  expect(existsSync(input)).toBe(true);
  const unpacked = Bun.spawnSync([xzBin, "-dc", out]).stdout;
  expect(Buffer.compare(Buffer.from(unpacked), Buffer.from(data))).toBe(0);
  const list = runSync([xzBin, "-lvv", "--robot", out]).out;
  expect(list).toContain("--lzma2=dict=8MiB");
  expect(list).toContain("CRC64");
  expect(ratio(input, out)).toMatch(/^vigil-linux-x64\.xz: 0\.5 MiB → 0\.\d MiB \(\d+ %\)$/);
});

test("compressXz: a second run overwrites the .xz", async () => {
  const input = join(dir, "vigil-linux-x64");
  await compressXz(input);
  await compressXz(input);
  expect(runSync(["xz", "-t", `${input}.xz`]).code).toBe(0);
});

test("compressXz: a missing input is an error naming it", async () => {
  await expect(compressXz(join(dir, "nope"))).rejects.toThrow(/xz .*nope: exit 1/);
});

test("writeSums: sha256sum -c accepts binary and .xz; a changed .xz fails", async () => {
  const sha = requireTool("sha256sum", "coreutils");
  await compressXz(join(dir, "vigil-linux-x64"));
  const sums = await writeSums(dir, ["vigil-linux-x64", "vigil-linux-x64.xz"]);
  expect(readFileSync(sums, "utf8").trim().split("\n").map((l) => l.split("  ")[1])).toEqual(["vigil-linux-x64", "vigil-linux-x64.xz"]);
  const ok = runSync([sha, "-c", "SHA256SUMS"], { cwd: dir });
  expect(ok.out).toBe("vigil-linux-x64: OK\nvigil-linux-x64.xz: OK\n");
  expect(ok.code).toBe(0);
  writeFileSync(join(dir, "vigil-linux-x64.xz"), "changed");
  const bad = runSync([sha, "-c", "SHA256SUMS"], { cwd: dir });
  expect(bad.code).toBe(1);
  expect(bad.out).toContain("vigil-linux-x64.xz: FAILED");
});
