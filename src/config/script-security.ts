// keepalived's script security (check_script_secure / check_security) and its users, in the config
// layer so `vigil check` and the daemon (src/runtime/spawn.ts) decide alike: who a script runs as
// (/etc/passwd, /etc/group), whether that user may execute it, and whether a non-root user could
// change what root runs (a file or directory on its path writable by a non-root group or everyone).
import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Who a script runs as. */
export interface ScriptUser {
  name: string;
  uid: number;
  gid: number;
}

/** A bare command name in PATH (and the usual system directories), as keepalived's execvp. */
export function findInPath(word: string): string | undefined {
  const dirs = (process.env.PATH || "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":");
  for (const d of [...dirs, "/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    if (d && existsSync(`${d}/${word}`)) return `${d}/${word}`;
  }
  return undefined;
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n");
  } catch {
    return [];
  }
}

/** A user of this host by name (or numeric id), from /etc/passwd; the group by name or number from /etc/group. */
export function lookupUser(name: string, group?: string, files = { passwd: "/etc/passwd", group: "/etc/group" }): ScriptUser | string {
  let found: ScriptUser | undefined;
  for (const l of readLines(files.passwd)) {
    const f = l.split(":");
    if (f.length < 4) continue;
    if (f[0] === name || (/^\d+$/.test(name) && f[2] === name)) {
      found = { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) };
      break;
    }
  }
  if (!found) return `user '${name}' does not exist`;
  if (group === undefined) return found;
  for (const l of readLines(files.group)) {
    const f = l.split(":");
    if (f.length < 3) continue;
    if (f[0] === group || (/^\d+$/.test(group) && f[2] === group)) return { ...found, gid: Number(f[2]) };
  }
  return `group '${group}' does not exist`;
}

export interface ScriptVerdict {
  /** False: the script is disabled (not found, not executable, or insecure under enable_script_security). */
  run: boolean;
  /** A component of its path is writable by a non-root user (logged even when it still runs). */
  insecure: boolean;
  /** Why it is disabled or insecure, for the log and `vigil check`. */
  reason?: string;
}

const S_IXUSR = 0o100, S_IXGRP = 0o010, S_IXOTH = 0o001, S_IWGRP = 0o020, S_IWOTH = 0o002;
const S_ISUID = 0o4000, S_ISGID = 0o2000, S_ISVTX = 0o1000;

function executableFor(st: { mode: number; uid: number; gid: number }, uid: number, gid: number): boolean {
  if (uid === 0) return (st.mode & (S_IXUSR | S_IXGRP | S_IXOTH)) !== 0;
  if (uid === st.uid) return (st.mode & S_IXUSR) !== 0;
  return gid === st.gid ? (st.mode & S_IXGRP) !== 0 : (st.mode & S_IXOTH) !== 0;
}

/**
 * Walk every component of an absolute path ("/", "/usr", "/usr/bin", "/usr/bin/x") without
 * following symlinks: a component owned by a non-root user, or a file or non-sticky directory
 * writable by a non-root group or by everyone, makes the script insecure (keepalived's rule).
 */
export function insecureComponent(path: string): string | undefined {
  const parts = path.split("/").filter(Boolean);
  const prefixes = ["/", ...parts.map((_, i) => "/" + parts.slice(0, i + 1).join("/"))];
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    const last = i === prefixes.length - 1;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return `${p} cannot be examined`;
    }
    if (!last && !st.isDirectory()) return `${p} is not a directory`;
    if (last && !st.isFile() && !st.isSymbolicLink()) return `${p} is not a regular file`;
    const dirNoSticky = st.isDirectory() && (st.mode & S_ISVTX) === 0;
    if (st.uid !== 0) return `${p} is owned by uid ${st.uid}, not root`;
    if ((dirNoSticky || st.isFile()) && ((st.gid !== 0 && (st.mode & S_IWGRP) !== 0) || (st.mode & S_IWOTH) !== 0)) {
      return `${p} is writable by ${(st.mode & S_IWOTH) !== 0 ? "every user" : `group ${st.gid}`}`;
    }
  }
  return undefined;
}

/** What keepalived decides for one script command run as `user` (uid/gid), with or without enable_script_security. */
export function checkScript(argv: string[], user: { uid: number; gid: number }, enforce: boolean): ScriptVerdict {
  const word = argv[0] ?? "";
  if (word === "") return { run: false, insecure: false, reason: "empty command" };
  let path = word;
  if (!word.includes("/")) {
    const found = findInPath(word);
    if (!found) return { run: false, insecure: false, reason: `cannot find script ${word} in path` };
    path = found;
  }
  let real: string;
  let st;
  try {
    real = realpathSync(path);
    st = statSync(real);
  } catch (e) {
    return { run: false, insecure: false, reason: `script ${word} cannot be accessed (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  if (!executableFor(st, user.uid, user.gid)) {
    return { run: false, insecure: false, reason: `script '${word}' is not executable for uid:gid ${user.uid}:${user.gid}` };
  }
  const needProtection = user.uid === 0 || user.gid === 0 || (st.uid === 0 && (st.mode & S_IXUSR) !== 0 && (st.mode & S_ISUID) !== 0) ||
    (st.gid === 0 && (st.mode & S_IXGRP) !== 0 && (st.mode & S_ISGID) !== 0);
  if (!needProtection) return { run: true, insecure: false };
  // keepalived 2.2: the directory resolved, the name as written (if it is the same file), then the real file.
  let named = path;
  try {
    named = join(realpathSync(dirname(path)), basename(path));
  } catch {
    // realpath of the file worked, so its directory resolves; keep the path as written.
  }
  const why = insecureComponent(named) ?? (real !== named ? insecureComponent(real) : undefined);
  if (!why) return { run: true, insecure: false };
  return { run: !enforce, insecure: true, reason: `unsafe permissions for script '${word}': ${why}${enforce ? " - disabling (enable_script_security)" : ""}` };
}
