// `vigil check [--config PATH]`: parse and validate only (no network, no root). Exit 0 with one line
// per instance on stdout and warnings on stderr, or every error as file:line:col on stderr, exit 2.

import { flag, parseOrExplain } from "./args.ts";
import type { Command } from "./command.ts";
import { defaultConfigPath, loadConfig } from "../config/load.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import type { InstanceConfig } from "../config/schema.ts";

/** The options of every command that reads a config file. */
export const CONFIG_ARGS = { valued: ["config", "config-id"], aliases: { "-c": "config" } } as const;

export function summarize(i: InstanceConfig): string {
  const vips = i.virtualIps.map((v) => `${v.address}/${v.prefixLength}`).join(" ");
  return `${i.name}: interface ${i.interface}, vrid ${i.vrid}, VRRPv${i.version}, priority ${i.priority}, VIPs ${vips}`;
}

export const checkCommand: Command = {
  summary: "parse and validate the config, print file:line:col per problem",
  usage: `vigil check [--config PATH] [--config-id ID]

  --config, -c PATH   config to check (default /etc/vigil/vigil.toml, else /etc/keepalived/keepalived.conf);
                      keepalived.conf or vigil TOML, told apart by content
  --config-id ID      keepalived config id for '@ID' lines (keepalived -i; default: short host name)

Exit 0: one line per instance on stdout, warnings on stderr.
Exit 2: every error on stderr as file:line:col: message.`,
  run(args: string[]): number {
    const p = parseOrExplain("check", "vigil check [--config PATH]", args, CONFIG_ARGS);
    if (!p) return 2;
    const path = flag(p, "config") ?? p.positionals[0] ?? defaultConfigPath();
    if (p.positionals.length > (p.flags.has("config") ? 0 : 1)) {
      console.error(`vigil check: unexpected argument '${p.positionals.at(-1)}'\nUsage: vigil check [--config PATH]`);
      return 2;
    }
    const configId = flag(p, "config-id");
    const r = loadConfig(path, configId === undefined ? {} : { configId });
    for (const w of r.warnings) console.error(formatDiagnostic(w));
    if (!r.ok) {
      for (const e of r.errors) console.error(formatDiagnostic(e));
      return 2;
    }
    for (const i of r.config.instances) console.log(summarize(i));
    return 0;
  },
};
