// What keepalived checks on the host while loading: that a tracking script can be run and that the
// user it runs as exists. A failed check disables the script (keepalived warns and carries on).

import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkScript, lookupUser } from "./script-security.ts";

export interface HostProbe {
  /** True when `path` is a regular file this process may execute. */
  executable(path: string): boolean;
  /** True when `name` is a user of this host. */
  userExists(name: string): boolean;
  /** Directories searched for a bare command name. */
  path(): string[];
  /**
   * Why enable_script_security would refuse `command` run as `user` (default: keepalived_script
   * when it exists, else vigil's own user), or undefined: the daemon's own check (checkScript).
   * Absent in test probes: nothing is vetted.
   */
  scriptRefusal?(command: string, user?: { name: string; group?: string }): string | undefined;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export const realHost: HostProbe = {
  executable(p: string): boolean {
    try {
      if (!statSync(p).isFile()) return false;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  userExists(name: string): boolean {
    if (name === "root") return true;
    try {
      return readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .some((l) => l.split(":", 1)[0] === name);
    } catch {
      return false;
    }
  },
  path(): string[] {
    return (process.env.PATH || DEFAULT_PATH).split(":").filter(Boolean);
  },
  scriptRefusal(command: string, user?: { name: string; group?: string }): string | undefined {
    const word = commandWord(command);
    if (word === "" || word.startsWith("<")) return undefined;
    const u = lookupUser(user?.name ?? "keepalived_script", user?.group);
    if (typeof u === "string" && user) return undefined; // an unknown user is reported on its own
    const ids = typeof u === "string" ? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 } : u;
    const v = checkScript([word], ids, true);
    return !v.run && v.insecure ? v.reason : undefined;
  },
};

/** First word of a script command line (quotes as joinCommand writes them). */
export function commandWord(command: string): string {
  const m = /^\s*(?:'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+))/.exec(command);
  if (!m) return "";
  return m[1] ?? m[2]?.replace(/\\(.)/g, "$1") ?? m[3] ?? "";
}

/**
 * Why keepalived would disable this script command, or undefined when it runs. As keepalived's
 * check_script_secure: "</path" only tests that a file opens; a bare name is searched in PATH;
 * anything else must exist and be executable.
 */
export function scriptProblem(command: string, host: HostProbe): string | undefined {
  const word = commandWord(command);
  if (word === "") return "empty command";
  if (/^<\s*\//.test(word) || /^<\s*\//.test(command.trimStart())) return undefined;
  if (!word.includes("/")) {
    return host.path().some((d) => host.executable(join(d, word))) ? undefined : `'${word}' not found in PATH`;
  }
  return host.executable(word) ? undefined : `'${word}' does not exist or is not executable`;
}
