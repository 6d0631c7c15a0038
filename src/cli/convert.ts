// `vigil convert FILE`: print the equivalent vigil TOML on stdout. What cannot be carried over is
// listed as comments at the top (and as warnings on stderr). Errors: file:line:col on stderr, exit 2.

import type { Command } from "./command.ts";
import { flag, parseOrExplain } from "./args.ts";
import { CONFIG_ARGS, EX_CONFIG, EX_USAGE } from "./check.ts";
import { loadConfig } from "../config/load.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import { toToml } from "../config/convert.ts";

export const convertCommand: Command = {
  summary: "print a keepalived.conf as vigil TOML",
  usage: `vigil convert FILE [--config-id ID]

  FILE                keepalived.conf (or vigil TOML, which is normalised)
  --config-id ID      keepalived config id for '@ID' lines (keepalived -i; default: short host name)

Prints TOML on stdout; what vigil does not carry over is listed as comments at the top.
Exit 2 with file:line:col: message on stderr when the file has errors; exit 64 on a usage error.`,
  run(args: string[]): number {
    const p = parseOrExplain("convert", "vigil convert FILE", args, CONFIG_ARGS);
    if (!p) return EX_USAGE;
    const files = [...p.positionals, ...(p.flags.has("config") ? [flag(p, "config")!] : [])];
    if (files.length !== 1) {
      console.error(`vigil convert: ${files.length === 0 ? "missing FILE" : "give exactly one FILE"}\nUsage: vigil convert FILE`);
      return EX_USAGE;
    }
    const configId = flag(p, "config-id");
    const r = loadConfig(files[0]!, configId === undefined ? {} : { configId });
    for (const w of r.warnings) console.error(formatDiagnostic(w));
    if (!r.ok) {
      for (const e of r.errors) console.error(formatDiagnostic(e));
      return EX_CONFIG;
    }
    process.stdout.write(toToml(r.config, r.warnings));
    return 0;
  },
};
