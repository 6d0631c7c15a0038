// `vigil check [--config PATH] [--strict]`: parse and validate only (no network, no root). Exit 0 with
// one line per instance on stdout and warnings on stderr, or every error as file:line:col on stderr,
// exit 2. keepalived's habits work too: `-f/--use-file FILE`, and `-t/--config-test` (a no-op here:
// checking is what this command does).

import { flag, parseOrExplain } from "./args.ts";
import type { Command } from "./command.ts";
import { defaultConfigPath, loadConfig } from "../config/load.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import type { InstanceConfig } from "../config/schema.ts";

/** The options of every command that reads a config file. */
export const CONFIG_ARGS = { valued: ["config", "config-id"], aliases: { "-c": "config" } } as const;

/** sysexits.h: the command was used incorrectly (bad option, missing argument). */
export const EX_USAGE = 64;
/** A config with errors (keepalived exits 2 for a fatal config error as well). */
export const EX_CONFIG = 2;

const CHECK_ARGS = {
  valued: ["config", "config-id"],
  booleans: ["strict", "config-test"],
  aliases: { "-c": "config", "-f": "config", "--use-file": "config", "-t": "config-test", "-i": "config-id" },
} as const;

export function summarize(i: InstanceConfig): string {
  const vips = i.virtualIps.map((v) => `${v.address}/${v.prefixLength}`).join(" ");
  return `${i.name}: interface ${i.interface}, vrid ${i.vrid}, VRRPv${i.version}, priority ${i.priority}, VIPs ${vips}`;
}

const USAGE_LINE = "vigil check [--config PATH] [--strict] [--config-id ID]";

export const checkCommand: Command = {
  summary: "parse and validate the config, print file:line:col per problem",
  usage: `${USAGE_LINE}

  --config, -c, -f, --use-file PATH
                      config to check (default /etc/vigil/vigil.toml, else /etc/keepalived/keepalived.conf);
                      keepalived.conf or vigil TOML, told apart by content
  --strict            every warning about a part that is ignored or not acted on is an error
                      (also: strict = true under [global] in vigil TOML)
  --config-id, -i ID  keepalived config id for '@ID' lines (keepalived -i; default: short host name)
  -t, --config-test   accepted for keepalived habits (keepalived -t); checking is what this does

Exit 0:  one line per instance on stdout, warnings on stderr.
Exit 2:  the config has errors: each on stderr as file:line:col: message.
Exit 64: usage error (unknown option, missing value, extra argument).`,
  run(args: string[]): number {
    const p = parseOrExplain("check", USAGE_LINE, args, CHECK_ARGS);
    if (!p) return EX_USAGE;
    const path = flag(p, "config") ?? p.positionals[0] ?? defaultConfigPath();
    if (p.positionals.length > (p.flags.has("config") ? 0 : 1)) {
      console.error(`vigil check: unexpected argument '${p.positionals.at(-1)}'\nUsage: ${USAGE_LINE}`);
      return EX_USAGE;
    }
    const configId = flag(p, "config-id");
    const r = loadConfig(path, { strict: p.flags.has("strict"), ...(configId === undefined ? {} : { configId }) });
    for (const w of r.warnings) console.error(formatDiagnostic(w));
    if (!r.ok) {
      for (const e of r.errors) console.error(formatDiagnostic(e));
      return EX_CONFIG;
    }
    for (const i of r.config.instances) console.log(summarize(i));
    return 0;
  },
};
