// `vigil convert FILE [--to toml|keepalived]`: print the configuration in the other format on stdout
// (keepalived.conf → vigil TOML by default; --to keepalived goes back). What cannot be carried over is
// listed as comments at the top (and as warnings on stderr). Errors: file:line:col on stderr, exit 2.
// `vigil convert --keywords` prints the keyword table (markdown).

import { type Command, CONVERT_SPEC, described } from "./command.ts";
import { flag, parseCommand, usageError } from "./args.ts";
import { EX_CONFIG } from "./check.ts";
import { loadConfig } from "../config/load.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import { toToml } from "../config/convert.ts";
import { toKeepalived } from "../config/convert-keepalived.ts";
import { keywordsMarkdown } from "../config/keywords-doc.ts";

export const convertCommand: Command = {
  ...described(CONVERT_SPEC),
  run(args: string[]): number {
    const p = parseCommand(CONVERT_SPEC, args);
    if (typeof p === "number") return p;
    if (p.flags.has("keywords")) {
      process.stdout.write(keywordsMarkdown());
      return 0;
    }
    const to = flag(p, "to") ?? "toml"; // toml or keepalived: the spec's choices
    const files = [...p.positionals, ...(p.flags.has("config") ? [flag(p, "config")!] : [])];
    if (files.length !== 1) return usageError(CONVERT_SPEC, files.length === 0 ? "missing FILE" : "give exactly one FILE");
    const configId = flag(p, "config-id");
    const r = loadConfig(files[0]!, configId === undefined ? {} : { configId });
    for (const w of r.warnings) console.error(formatDiagnostic(w));
    if (!r.ok) {
      for (const e of r.errors) console.error(formatDiagnostic(e));
      return EX_CONFIG;
    }
    process.stdout.write(to === "keepalived" ? toKeepalived(r.config, r.warnings) : toToml(r.config, r.warnings));
    return 0;
  },
};
