// A CLI subcommand, and the specs of every command's options: the one place the operator's
// surface is written down. The parser (src/cli/args.ts), `--help`, the shell completions
// (packaging/completions/generate.ts) and the man page test read these; nothing else lists options.
// Exit codes: 0 ok, 1 runtime failure, 2 config error, 64 usage error (2 for run, status and demo,
// which always exited 2 on a usage error).
import { type CommandSpec, EX_USAGE, type OptionSpec, usageText } from "./args.ts";

export interface Command {
  summary: string;
  /** The text after "Usage: " in `--help`. */
  usage: string;
  /** The options, for the commands that have a spec (internal ones may not). */
  spec?: CommandSpec;
  /** The exit code (0 ok, 1 runtime failure, 2 config error, 64 or 2 usage error). */
  run(args: string[]): Promise<number> | number;
}

/** A Command's summary and usage, from its spec. */
export function described(spec: CommandSpec): Pick<Command, "summary" | "usage" | "spec"> {
  return { summary: spec.summary, usage: usageText(spec), spec };
}

const CONFIG: OptionSpec = {
  name: "config",
  aliases: ["-c", "-f", "--use-file"],
  value: "PATH",
  complete: "file",
  description: "keepalived.conf or vigil TOML, told apart by content",
  default: "/etc/vigil/vigil.toml, else /etc/keepalived/keepalived.conf",
};
const CONFIG_ID: OptionSpec = {
  name: "config-id",
  value: "ID",
  description: "keepalived config id for '@ID' lines (keepalived -i)",
  default: "short host name",
};

export const RUN_SPEC: CommandSpec = {
  name: "run",
  summary: "run the VRRP daemon",
  usageExit: EX_USAGE,
  options: [
    CONFIG,
    CONFIG_ID,
    {
      name: "http",
      value: "ADDR",
      description: `/health /status /metrics listen address, "" disables`,
      default: "config's global.http, else 127.0.0.1:9650",
    },
    { name: "log-level", value: "LEVEL", choices: ["debug", "info", "warn", "error"], description: "log level", default: "info" },
    { name: "log-format", value: "FORMAT", choices: ["text", "json"], description: "log format", default: "text" },
    { name: "state-dir", value: "DIR", complete: "dir", description: "VIPs vigil added, and the SIGUSR1/SIGUSR2 dumps", default: "/run/vigil" },
    {
      name: "realtime-priority",
      value: "N",
      description: "SCHED_RR priority 1-99 and locked memory (keepalived vrrp_rt_priority);\n0 disables",
      default: "config, else on at 10 for sub-second adverts",
    },
  ],
  epilog: `Signals: SIGTERM/SIGINT resign (priority 0) and remove the VIPs once a backup took over, within
min(3 x advert_int, 10 s); a second SIGTERM/SIGINT removes them at once. SIGHUP reloads the config
without disturbing unchanged instances (all or nothing). SIGUSR1 writes vigil.data (state) and
SIGUSR2 vigil.stats (counters) to the state dir and the log.

Exit: 0 stopped, 1 could not start (nothing changed), 2 config error, 64 usage error, 70 internal
error (VIPs removed before exit).`,
};

export const CHECK_SPEC: CommandSpec = {
  name: "check",
  summary: "parse and validate the config, print file:line:col per problem",
  usageExit: EX_USAGE,
  operands: "[PATH]",
  completeOperands: "file",
  options: [
    { ...CONFIG, description: "config to check: keepalived.conf or vigil TOML, told apart by content" },
    {
      name: "strict",
      description: "every warning about a part that is ignored or not acted on is an error\n(also: strict = true under [global] in vigil TOML)",
    },
    { ...CONFIG_ID, aliases: ["-i"] },
    { name: "config-test", aliases: ["-t"], description: "accepted for keepalived habits (keepalived -t); checking is what this does" },
  ],
  epilog: `Exit 0:  one line per instance on stdout, warnings on stderr.
Exit 2:  the config has errors: each on stderr as file:line:col: message.
Exit 64: usage error (unknown option, missing value, extra argument).`,
};

export const CONVERT_SPEC: CommandSpec = {
  name: "convert",
  summary: "print a keepalived.conf as vigil TOML, or back (--to keepalived)",
  usageExit: EX_USAGE,
  operands: "FILE",
  completeOperands: "file",
  about: "FILE is keepalived.conf or vigil TOML (told apart by content).",
  options: [
    {
      name: "to",
      value: "FORMAT",
      choices: ["toml", "keepalived"],
      description: "output format: vigil TOML, or keepalived.conf so you can always go back",
      default: "toml",
    },
    CONFIG_ID,
    {
      name: "keywords",
      alone: true,
      description: "print every keyword vigil knows (markdown table): section, TOML key, range,\ndefault, and whether vigil acts on it, warns or skips it",
    },
    // `convert -c FILE` has always worked, as FILE.
    { ...CONFIG, aliases: ["-c"], hidden: true },
  ],
  epilog: `Prints the converted file on stdout; what vigil does not carry over is listed as comments
at the top. Exit 2 with file:line:col: message on stderr when the file has errors; exit 64 on a
usage error.`,
};

export const STATUS_DEFAULT_URL = "http://127.0.0.1:9650";

export const STATUS_SPEC: CommandSpec = {
  name: "status",
  summary: "show the state of a running daemon's instances",
  usageExit: EX_USAGE,
  options: [
    {
      name: "url",
      value: "URL",
      complete: [STATUS_DEFAULT_URL],
      description: "base URL of the daemon's HTTP server (the [global] http address of its config)",
      default: STATUS_DEFAULT_URL,
    },
    { name: "json", description: "print the /status document as JSON instead of a table" },
  ],
  epilog: "Exit status: 0 ok, 1 daemon unreachable or bad answer, 64 usage error.",
};

export const DEMO_SPEC: CommandSpec = {
  name: "demo",
  summary: "see failover happen: two vigils in a private namespace lab (root)",
  usageExit: EX_USAGE,
  about: `  Builds a private lab of network namespaces (vgdemo-<pid>-r1, -r2, -c and a bridge), starts two
  vigil engines with the keepalived wiki's configs (priority 255 and 254, VIP 192.168.0.254/24),
  then kills the master and shows the backup taking over, how long it took against
  3 × advert_int + skew, and the gap a client pinging the VIP every 10 ms sees; the master comes
  back and preempts, then resigns cleanly. About 7 s. Needs root; touches only its own namespaces.`,
  options: [
    { name: "keep", description: "leave the lab running at the end (r2 is master) until Ctrl-C" },
    // Internal: the demo starts itself with it inside the client namespace.
    { name: "probe", value: "VIP", hidden: true, description: "ping VIP and report the gaps (internal)" },
  ],
  epilog: "Exit status: 0 the story ran, 1 something failed (lab removed anyway), 2 not root, 64 usage error.",
};

export const VERSION_SPEC: CommandSpec = {
  name: "version",
  summary: "print version, commit and target",
  usageExit: EX_USAGE,
  options: [],
};

/** The commands `vigil --help` lists, in its order. */
export const COMMAND_SPECS: readonly CommandSpec[] = [RUN_SPEC, CHECK_SPEC, CONVERT_SPEC, STATUS_SPEC, DEMO_SPEC, VERSION_SPEC];

/** Options of `vigil` itself, before a command. `-t` there means `vigil check` (keepalived -t -f FILE). */
export const TOP_OPTIONS: readonly OptionSpec[] = [
  { name: "help", aliases: ["-h"], description: "show help" },
  { name: "version", aliases: ["-V"], description: "print version, commit and target" },
];
