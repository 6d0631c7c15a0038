// Reading /proc for vrrp_track_process, and matching a process as keepalived (track_process.c):
// without parameters or full_command, the process name (/proc/PID/comm, 15 bytes) equals
// `process` exactly (pgrep "^name$", not a regex); with parameters or full_command, argv[0] of
// /proc/PID/cmdline equals it and the parameters match per param_match (exact, partial: the first
// n equal, initial: the last may be longer). Zombies do not count.
import { closeSync, openSync, readdirSync, readSync } from "node:fs";
import type { TrackProcessConfig } from "../config/schema.ts";

const COMM_LEN = 15;

export interface ProcEntry {
  pid: number;
  comm: string;
  /** argv, read only when asked (full_command trackers). */
  argv?: string[];
}

const buf = Buffer.alloc(4096);

function readSmall(path: string, size: number): string | null {
  let fd: number | null = null;
  try {
    fd = openSync(path, "r");
    const n = readSync(fd, buf, 0, Math.min(size, buf.length), 0);
    return buf.toString("latin1", 0, n);
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export type ArgvCache = Map<number, { start: string; argv: string[] }>;

/** One process from /proc/PID: null when it is gone, or a zombie (zombies do not count). */
function readEntry(root: string, name: string, withArgv: boolean, cache?: ArgvCache, alive?: Set<number>): ProcEntry | null {
  const stat = readSmall(`${root}/${name}/stat`, 512);
  if (stat === null) return null; // gone meanwhile
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  if (open < 0 || close < 0) return null;
  if (stat.charCodeAt(close + 2) === 90 /* Z */) return null;
  const pid = Number(name);
  const e: ProcEntry = { pid, comm: stat.slice(open + 1, close) };
  if (withArgv) {
    const start = stat.slice(close + 2).split(" ", 20)[19] ?? "";
    alive?.add(pid);
    const hit = cache?.get(pid);
    if (hit && hit.start === start) e.argv = hit.argv;
    else {
      const raw = readSmall(`${root}/${name}/cmdline`, 4096) ?? "";
      e.argv = raw.length === 0 ? [] : raw.replace(/\0$/, "").split("\0");
      cache?.set(pid, { start, argv: e.argv });
    }
  }
  return e;
}

/** One process, as a scan would see it (after a process event). */
export function readProc(pid: number, withArgv: boolean, root = "/proc"): ProcEntry | null {
  return readEntry(root, String(pid), withArgv);
}

/**
 * One pass over /proc. `withArgv` reads cmdline too; `cache` (pid → "starttime argv") spares
 * re-reading the cmdline of a process already seen.
 */
export function scanProc(withArgv: boolean, cache?: ArgvCache, root = "/proc"): ProcEntry[] {
  const out: ProcEntry[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return out;
  }
  const alive = cache ? new Set<number>() : undefined;
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 49 || c > 57) continue; // [1-9]
    const e = readEntry(root, name, withArgv, cache, alive);
    if (e) out.push(e);
  }
  if (cache && alive) { for (const pid of cache.keys()) if (!alive.has(pid)) cache.delete(pid); }
  return out;
}

/** Does this process count for the tracker (keepalived's name and check_params rules)? */
export function processMatches(cfg: TrackProcessConfig, p: ProcEntry): boolean {
  if (!cfg.fullCommand && cfg.paramMatch === "none") return p.comm === cfg.process.slice(0, COMM_LEN);
  const argv = p.argv ?? [];
  if (argv[0] !== cfg.process) return false;
  if (cfg.paramMatch === "none") return true;
  const actual = argv.slice(1);
  const want = cfg.params;
  if (cfg.paramMatch === "exact") return actual.length === want.length && want.every((w, i) => actual[i] === w);
  if (want.length === 0) return true;
  const joined = actual.join("\0") + "\0";
  const wanted = want.join("\0") + "\0";
  // partial: the first n parameters equal; initial: the last configured one may be a prefix.
  return cfg.paramMatch === "partial" ? joined.startsWith(wanted) : joined.startsWith(wanted.slice(0, -1));
}
