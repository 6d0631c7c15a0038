// keepalived ↔ vigil on the wild corpus, real kernel: runs tests/equivalence/equivalence.test.ts
// (about 9 s per file in sequence, ~4.5 minutes: too slow for every CI run) and passes its exit code
// on. Prints the table: per file equal / listed difference with its reason / excluded and why.
//
//   ./node_modules/.bin/bun bench/equivalence.ts [-t FILTER]    (root; builds dist/vigil if missing)
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const p = Bun.spawn([process.execPath, "test", "tests/equivalence/equivalence.test.ts", ...process.argv.slice(2)], {
  cwd: root,
  env: { ...process.env, VIGIL_EQUIVALENCE: "1" },
  stdout: "inherit",
  stderr: "inherit",
});
process.exit(await p.exited);
