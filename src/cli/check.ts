// `vigil check [--config PATH]`: parse and validate only (no network, no root). Exit 0 with one line
// per instance on stdout and warnings on stderr, or every error as file:line:col on stderr, exit 2.

import type { Command } from "./command.ts";
import { defaultConfigPath, loadConfig } from "../config/load.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import type { InstanceConfig } from "../config/schema.ts";

// Tiny option parser shared with `vigil convert`: --name VALUE, --name=VALUE, -x VALUE.
export interface ParsedArgs {
  options: Map<string, string>;
  positional: string[];
  error?: string;
}

/** `spec` maps every accepted spelling ("--config", "-c") to its canonical option name. */
export function parseArgs(args: string[], spec: Record<string, string>): ParsedArgs {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const name = spec[flag];
    if (!name) return { options, positional, error: `unknown option '${flag}'` };
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === "") return { options, positional, error: `option '${flag}' needs a value` };
    options.set(name, value);
  }
  return { options, positional };
}

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
    const p = parseArgs(args, { "--config": "config", "-c": "config", "--config-id": "config-id" });
    const path = p.options.get("config") ?? p.positional[0] ?? defaultConfigPath();
    if (p.error || p.positional.length > (p.options.has("config") ? 0 : 1)) {
      console.error(`vigil check: ${p.error ?? `unexpected argument '${p.positional.at(-1)}'`}\nUsage: vigil check [--config PATH]`);
      return 2;
    }
    const configId = p.options.get("config-id");
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
