// `vigil run` starts the io thread's Worker first thing (main.ts): loading the worker's modules
// takes 6–13 ms here, which then overlaps loading the daemon's own modules and the configuration
// instead of being waited for before the first advert. The first RxLoop without a workerUrl of
// its own adopts it. No imports: main.ts loads this module for every command.

/**
 * From sources, the worker sits beside this file. In a `bun build --compile` executable every
 * bundled module's import.meta.url is the executable itself (file:///$bunfs/root/<outfile>), so a
 * URL relative to it misses; the second entry point lives at its path relative to the common
 * root of the entry points, which a relative specifier reaches. That root is the repository root
 * for `bun build --compile main.ts src/os/linux/rx-worker.ts`.
 */
export function defaultWorkerUrl(): string {
  if (import.meta.url.includes("/$bunfs/")) return "./src/os/linux/rx-worker.ts";
  return new URL("./rx-worker.ts", import.meta.url).href;
}

export interface PrewarmedWorker {
  worker: Worker;
  /** Why it could not load, if that was reported before it was adopted. */
  error: ErrorEvent | null;
}

let prewarmed: PrewarmedWorker | null = null;

/** Starts the io Worker now; it waits for its "init" message. Idempotent. */
export function prewarmIoWorker(): void {
  if (prewarmed) return;
  const p: PrewarmedWorker = { worker: new Worker(defaultWorkerUrl()), error: null };
  p.worker.onerror = (e) => void (p.error ??= e); // the adopter reports it
  // A run that ends before any RxLoop (a config error, --help) exits as if it had not started.
  p.worker.unref();
  prewarmed = p;
}

/** The prewarmed Worker, once (then null); the caller owns it and refs it. */
export function adoptPrewarmed(): PrewarmedWorker | null {
  const p = prewarmed;
  prewarmed = null;
  if (p) p.worker.ref();
  return p;
}
