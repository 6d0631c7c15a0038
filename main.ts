#!/usr/bin/env bun
// vigil CLI entry: parse argv, dispatch to a command, exit with its code. Nothing else lives here.
import { type Command, described, VERSION_SPEC } from "./src/cli/command.ts";
import { EX_USAGE, parseCommand, usageError } from "./src/cli/args.ts";
import { statusCommand } from "./src/cli/status.ts";
import { checkCommand } from "./src/cli/check.ts";
import { convertCommand } from "./src/cli/convert.ts";
import { runCommand } from "./src/cli/run.ts";
import { demoCommand } from "./src/cli/demo.ts";
import { LOAD_CHILD_COMMAND, loadChildCommand } from "./src/cli/load-child.ts";
import { COMMIT, TARGET, VERSION } from "./src/version.ts";

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
  run: runCommand,
  check: checkCommand,
  convert: convertCommand,
  status: statusCommand,
  demo: demoCommand,
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
