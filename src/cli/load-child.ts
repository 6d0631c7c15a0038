// Config loading for SIGHUP, in a child process of the same binary. The daemon's event loop paces
// adverts: parsing a 4 MiB file, or a hostile one (parameter or brace expansion bombs), on it would
// silence a running master. In a child the parse cannot delay an advert, a runaway one is killed
// at the deadline, and its memory is returned to the system when it exits.
import type { Command } from "./command.ts";
import { loadConfig } from "../config/load.ts";
import type { Diagnostic, LoadResult } from "../config/schema.ts";
import { selfCommand } from "./self.ts";
import { disableRealtimeAllThreads } from "../os/linux/index.ts";

/** The hidden subcommand the daemon runs: `vigil __load-config PATH [CONFIG_ID]` → LoadResult JSON. */
export const LOAD_CHILD_COMMAND = "__load-config";

export const loadChildCommand: Command = {
  summary: "(internal) load a config and print the model as JSON",
  usage: `vigil ${LOAD_CHILD_COMMAND} PATH [CONFIG_ID]`,
  run(args) {
    const [path, configId] = args;
    if (!path) return 2;
    // Inherited SCHED_RR from a realtime parent: parse at normal priority, never against its adverts.
    disableRealtimeAllThreads();
    const r = loadConfig(path, configId === undefined ? {} : { configId });
    process.stdout.write(JSON.stringify(r));
    return 0;
  },
};

/** A load that did not produce a result: no position in the file to point at. */
function failure(path: string, message: string): LoadResult {
  const d: Diagnostic = { severity: "error", message, pos: { file: path, line: 1, col: 1 } };
  return { ok: false, errors: [d], warnings: [] };
}

export interface ChildLoadOptions {
  configId?: string;
  /** Killed past this (a config that cannot be parsed in this time is refused). */
  timeoutMs: number;
  /** argv prefix that runs vigil (default: this very program). */
  self?: string[];
}

/** Loads `path` in a child process; never throws, never blocks the event loop. */
export async function loadInChild(path: string, opts: ChildLoadOptions): Promise<LoadResult> {
  const argv = [...(opts.self ?? selfCommand()), LOAD_CHILD_COMMAND, path, ...(opts.configId === undefined ? [] : [opts.configId])];
  let proc;
  try {
    proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (e) {
    return failure(path, `could not start the config loader: ${(e as Error).message}`);
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs);
  try {
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (timedOut) return failure(path, `loading the config took more than ${opts.timeoutMs} ms; refused`);
    if (code !== 0) return failure(path, `the config loader failed (exit ${code}): ${err.trim().split("\n").at(-1) ?? ""}`);
    return JSON.parse(out) as LoadResult;
  } catch (e) {
    return failure(path, `the config loader's answer could not be read: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
