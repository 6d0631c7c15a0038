// The CLI's own usage texts (`vigil <command> --help`, from source), which the man page and the
// shell completions must follow.
import { join } from "node:path";
import { ROOT, runSync } from "./binary.ts";

export function help(args: string[]): string {
  const r = runSync([process.execPath, join(ROOT, "main.ts"), ...args]);
  if (r.code !== 0) throw new Error(`vigil ${args.join(" ")}: exit ${r.code}: ${r.err}`);
  return r.out;
}

/** The commands `vigil --help` lists. */
export function commands(): string[] {
  const text = help(["--help"]);
  const block = text.slice(text.indexOf("Commands:"), text.indexOf("Run 'vigil"));
  return [...block.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!);
}

/**
 * The options a command's usage text defines: those of its synopsis and of the first column of
 * its option lines (-h and --help left out: every command has them). Options named in prose
 * ("keepalived -i") are not vigil's.
 */
export function options(command: string): string[] {
  const text = help([command, "--help"]);
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith("Usage:"));
  const synopsis = lines.slice(start).join("\n").split(/\n\s*\n/)[0]!;
  const defined = lines.filter((l) => /^\s+-/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0]!);
  const found = [synopsis, ...defined].flatMap((t) => [...t.matchAll(/(?<![\w-])(--[a-z][a-z-]*[a-z]|-[a-zA-Z])(?![\w-])/g)].map((m) => m[1]!));
  return [...new Set(found)].filter((o) => o !== "-h" && o !== "--help");
}
