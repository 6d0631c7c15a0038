// argv that starts this program again. A compiled binary's entry lives in Bun's embedded file
// system (/$bunfs/…) and process.execPath is the binary itself; from source, execPath is bun and
// Bun.main the script (main.ts) it was given.
export function selfCommand(): string[] {
  return isCompiled() ? [process.execPath] : [process.execPath, Bun.main];
}

export function isCompiled(): boolean {
  return Bun.main.startsWith("/$bunfs/");
}
