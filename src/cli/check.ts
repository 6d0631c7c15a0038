// `vigil check [--config PATH] [--strict]`: parse and validate only (no network, no root). Exit 0 with
// one line per instance on stdout and warnings on stderr, or every error as file:line:col on stderr,
// exit 2. keepalived's habits work too: `-f/--use-file FILE`, and `-t/--config-test` (a no-op here:
// checking is what this command does).

import { flag, parseCommand, usageError } from "./args.ts";
import { CHECK_SPEC, type Command, described } from "./command.ts";
import { defaultConfigPath, loadConfig } from "../config/load.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import type { InstanceConfig } from "../config/schema.ts";

/** A config with errors (keepalived exits 2 for a fatal config error as well). */
export const EX_CONFIG = 2;

export function summarize(i: InstanceConfig): string {
  const vips = i.virtualIps.map((v) => `${v.address}/${v.prefixLength}`).join(" ");
  return `${i.name}: interface ${i.interface}, vrid ${i.vrid}, VRRPv${i.version}, priority ${i.priority}, VIPs ${vips}`;
}

export const checkCommand: Command = {
  ...described(CHECK_SPEC),
  run(args: string[]): number {
    const p = parseCommand(CHECK_SPEC, args);
    if (typeof p === "number") return p;
    const path = flag(p, "config") ?? p.positionals[0] ?? defaultConfigPath();
    if (p.positionals.length > (p.flags.has("config") ? 0 : 1)) return usageError(CHECK_SPEC, `unexpected argument '${p.positionals.at(-1)}'`);
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
