// Narration for `vigil demo`: elapsed-time prefixes, indented command output, colour only on a
// terminal (and never with NO_COLOR), so piped output and test logs stay plain text.
import { monotonicMs } from "../os/linux/libc.ts";

export class Narrator {
  private readonly t0 = monotonicMs();
  private readonly colour: boolean;

  constructor(private readonly out: (s: string) => void = (s) => process.stdout.write(s)) {
    this.colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  }

  private paint(code: string, s: string): string {
    return this.colour ? `\x1b[${code}m${s}\x1b[0m` : s;
  }

  /** Seconds since the demo started, as shown in the margin. */
  elapsed(atMs = monotonicMs()): string {
    return `${((atMs - this.t0) / 1000).toFixed(2).padStart(6)} s`;
  }

  title(s: string): void {
    this.out(`${this.paint("1", s)}\n`);
  }

  /** A step of the story: "[  3.21 s] text". */
  step(s: string, atMs?: number): void {
    this.out(`\n${this.paint("2", `[${this.elapsed(atMs)}]`)} ${this.paint("1", s)}\n`);
  }

  note(s: string): void {
    for (const line of s.split("\n")) this.out(`           ${line}\n`);
  }

  /** A command the user could type, then its output indented. */
  shell(cmd: string, output: string): void {
    this.out(`           ${this.paint("36", `$ ${cmd}`)}\n`);
    for (const line of output.trimEnd().split("\n")) this.out(`             ${line}\n`);
  }

  good(s: string): void {
    this.out(`           ${this.paint("32", s)}\n`);
  }

  warn(s: string): void {
    this.out(`           ${this.paint("33", s)}\n`);
  }

  error(s: string): void {
    process.stderr.write(`vigil demo: ${s}\n`);
  }
}

export function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? fmtS(ms) : `${ms.toFixed(1)} ms`;
}
