#!/usr/bin/env bun
// vigil CLI entry: parse argv, dispatch to a command, exit with its code. Nothing else lives here.
// Each command's module is imported when it runs: `vigil run` never evaluates the converters, the
// demo lab or the status client (their objects would stay in the daemon's heap for its lifetime).
import { CHECK_SPEC, type Command, CONVERT_SPEC, DEMO_SPEC, described, RUN_SPEC, STATUS_SPEC, VERSION_SPEC } from "./src/cli/command.ts";
import type { CommandSpec } from "./src/cli/args.ts";
import { EX_USAGE, parseCommand, usageError } from "./src/cli/args.ts";
import { COMMIT, TARGET, VERSION } from "./src/version.ts";
// Static: `vigil run` needs the same modules (it starts this child on SIGHUP).
import { LOAD_CHILD_COMMAND, loadChildCommand } from "./src/cli/load-child.ts";
import { prewarmIoWorker } from "./src/os/linux/io-prewarm.ts";

/** The usage text comes from the spec; the module that runs the command loads on first use. */
function lazy(spec: CommandSpec, load: () => Promise<Command>): Command {
  return { ...described(spec), run: async (argv) => (await load()).run(argv) };
}

const commands: Record<string, Command> = {
  version: {
    ...described(VERSION_SPEC),
    run: (args) => {
      const p = parseCommand(VERSION_SPEC, args);
      if (typeof p === "number") return p;
      if (p.positionals.length > 0) return usageError(VERSION_SPEC, `unexpected argument '${p.positionals[0]}'`);
      console.log(`vigil ${VERSION} (commit ${COMMIT}, target ${TARGET}, bun ${Bun.version})`);
      return 0;
    },
  },
  run: lazy(RUN_SPEC, async () => {
    prewarmIoWorker(); // loads beside the daemon's modules and config (src/os/linux/io-prewarm.ts)
    return (await import("./src/cli/run.ts")).runCommand;
  }),
  check: lazy(CHECK_SPEC, async () => (await import("./src/cli/check.ts")).checkCommand),
  convert: lazy(CONVERT_SPEC, async () => (await import("./src/cli/convert.ts")).convertCommand),
  status: lazy(STATUS_SPEC, async () => (await import("./src/cli/status.ts")).statusCommand),
  demo: lazy(DEMO_SPEC, async () => (await import("./src/cli/demo.ts")).demoCommand),
};
/** Internal subcommands: not listed in help. */
const hidden: Record<string, Command> = { [LOAD_CHILD_COMMAND]: loadChildCommand };

function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `vigil — VRRP daemon (RFC 3768 / 5798 / 9568)\n\nUsage: vigil <command> [options]\n\nCommands:\n${
    lines.join("\n")
  }\n\nRun 'vigil <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name === undefined ? EX_USAGE : 0;
  }
  if (name === "--version" || name === "-V") return commands.version!.run([]);
  // keepalived's habit: `keepalived -t -f FILE` tests a config; `vigil -t -f FILE` does the same.
  if (argv.includes("-t") || argv.includes("--config-test")) {
    if (name.startsWith("-")) return commands.check!.run(argv.filter((a) => a !== "-t" && a !== "--config-test"));
  }
  const cmd = commands[name] ?? hidden[name];
  if (!cmd) {
    console.error(`vigil: unknown command '${name}'\n\n${help()}`);
    return EX_USAGE;
  }
  // Commands with a spec answer --help themselves (src/cli/args.ts), from the same spec they parse with.
  if (!cmd.spec && (rest.includes("--help") || rest.includes("-h"))) {
    console.log(`${cmd.summary}\n\nUsage: ${cmd.usage}`);
    return 0;
  }
  return cmd.run(rest);
}

process.exitCode = await main(process.argv.slice(2));
