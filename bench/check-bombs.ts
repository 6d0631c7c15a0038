// `vigil check` on config bombs: small inputs that expand a lot, or big inputs full of noise. Each is
// written to a temp directory and checked by a fresh process (./dist/vigil if built, else
// `bun main.ts`); the figure is wall time per file. Goal: < 1 s each.
//
//   bun bench/check-bombs.ts
//
// tests/config/bombs.test.ts loads the same files and asserts on counts only.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const vi = (n: number, vips: string[]) =>
  `vrrp_instance VI_${n} {\n interface eth${n >> 8}\n virtual_router_id ${(n % 255) + 1}\n virtual_ipaddress {\n${vips.map((v) => `  ${v}\n`).join("")} }\n}\n`;

/** name → config text. */
export function bombs(): Record<string, string> {
  // $P0=x, $P1=${P0}${P0}…: every level multiplies by the fan-out (2^k or 8^k bytes unbounded).
  const chain = ["$P0=xxxxxxxx", ...Array.from({ length: 40 }, (_, k) => `$P${k + 1}=\${P${k}}\${P${k}}`)].join("\n");
  const fan = ["$F0=abcdefgh", ...Array.from({ length: 12 }, (_, k) => `$F${k + 1}=${`\${F${k}}`.repeat(8)}`)].join("\n");
  const unknown = "this_is_not_a_keyword with some value\n".repeat(Math.floor((2 * 1024 * 1024) / 38));
  let big = "";
  for (let n = 0; big.length < 4 * 1024 * 1024 - 20_000 && n < 255; n++) {
    big += vi(n, Array.from({ length: 255 }, (_, k) => `10.${n}.${k >> 8}.${(k & 255) || 1}/32 dev eth${n >> 8} label eth${n >> 8}:${k % 100}`));
  }
  return {
    "param-chain": `${chain}\n${vi(1, ["${P40}"])}`,
    "param-fanout": `${fan}\n${vi(1, ["${F12}"])}`,
    "seq-huge": `${vi(1, ["~SEQ(A, 1, 1000000000) 10.0.0.${A}"])}`,
    "seq-nested": `${vi(1, ["~SEQ(A, 1, 1000) ~SEQ(B, 1, 1000) ~SEQ(C, 1, 1000) 10.${A}.${B}.${C}"])}`,
    "brace-include": `include /tmp/${"{a,b}".repeat(30)}.conf\n${vi(1, ["10.0.0.1"])}`,
    "unknown-keywords-2MB": `${unknown}${vi(1, ["10.0.0.1"])}`,
    "valid-4MiB-255-instances": big,
    "over-size-limit": "# padding\n".repeat(500_000),
  };
}

function vigilCommand(): string[] {
  const repo = join(import.meta.dir, "..");
  const bin = join(repo, "dist/vigil");
  return existsSync(bin) ? [bin, "check"] : [process.execPath, join(repo, "main.ts"), "check"];
}

if (import.meta.main) {
  const dir = mkdtempSync(join(tmpdir(), "vigil-bombs-"));
  try {
    const cmd = vigilCommand();
    console.log(`command: ${cmd.join(" ")} FILE`);
    console.log("file                          bytes      exit   ms     stderr lines");
    for (const [name, text] of Object.entries(bombs())) {
      const f = join(dir, `${name}.conf`);
      writeFileSync(f, text);
      const t0 = performance.now();
      const p = Bun.spawnSync([...cmd, f], { stdout: "pipe", stderr: "pipe" });
      const ms = performance.now() - t0;
      const lines = p.stderr.toString().split("\n").filter(Boolean).length;
      console.log(
        `${name.padEnd(29)} ${String(text.length).padStart(9)}  ${String(p.exitCode).padStart(4)} ${ms.toFixed(0).padStart(6)}  ${String(lines).padStart(8)}${
          ms > 1000 ? "   OVER 1 s" : ""
        }`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
