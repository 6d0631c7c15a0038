// Cleanup that also runs on Ctrl-C / SIGTERM: each benchmark registers what it created (labs,
// CPU hogs, temp dirs) and `finally` runs them; a signal runs them too, then exits 130/143.
// Without the handler, Bun's default SIGINT exit would leave namespaces with vigil still in them.

type Fn = () => void | Promise<void>;

const tasks: Fn[] = [];
let running: Promise<void> | null = null;

/** Registers a cleanup step; steps run last-registered first. Returns a function that runs it now. */
export function onCleanup(fn: Fn): () => Promise<void> {
  let done = false;
  const once: Fn = async () => {
    if (done) return;
    done = true;
    await fn();
  };
  tasks.push(once);
  return async () => {
    const i = tasks.indexOf(once);
    if (i >= 0) tasks.splice(i, 1);
    await once();
  };
}

/** Runs every registered step (errors are printed, not thrown); safe to call more than once. */
export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (tasks.length > 0) {
      const t = tasks.pop()!;
      try {
        await t();
      } catch (e) {
        console.error(`cleanup: ${(e as Error).message}`);
      }
    }
  })().finally(() => (running = null));
  return running;
}

for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    void cleanupAll().finally(() => process.exit(code));
  });
}
