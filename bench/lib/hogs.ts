// CPU hogs for the "under load" figures: `sh -c 'while :; do :; done'` in the root namespace
// (they use no network), stopped by the returned function and by the cleanup on any exit.
import { onCleanup } from "./cleanup.ts";

/** Starts n busy loops; the returned function kills them and waits for them to exit. */
export function startHogs(n: number): () => Promise<void> {
  const procs = Array.from({ length: n }, () => Bun.spawn(["sh", "-c", "while :; do :; done"], { stdout: "ignore", stderr: "ignore" }));
  return onCleanup(async () => {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
  });
}
