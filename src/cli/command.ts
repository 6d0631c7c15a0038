// A CLI subcommand: main.ts prints `usage` for --help and calls run(); run returns the exit code
// (0 ok, 1 runtime failure, 2 usage/config error).
export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number> | number;
}
