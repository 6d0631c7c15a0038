// `vigil convert FILE [--to toml|keepalived]`: print the configuration in the other format on stdout
// (keepalived.conf → vigil TOML by default; --to keepalived goes back). What cannot be carried over is
// listed as comments at the top (and as warnings on stderr). Errors: file:line:col on stderr, exit 2.
// `vigil convert --keywords` prints the keyword table (markdown).

import type { Command } from "./command.ts";
import { flag, parseOrExplain } from "./args.ts";
import { EX_CONFIG, EX_USAGE } from "./check.ts";
import { loadConfig } from "../config/load.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import { toToml } from "../config/convert.ts";
import { toKeepalived } from "../config/convert-keepalived.ts";
import { keywordsMarkdown } from "../config/keywords-doc.ts";

const USAGE_LINE = "vigil convert FILE [--to toml|keepalived] [--config-id ID] | vigil convert --keywords";
const CONVERT_ARGS = { valued: ["config", "config-id", "to"], booleans: ["keywords"], aliases: { "-c": "config" } } as const;

export const convertCommand: Command = {
  summary: "print a keepalived.conf as vigil TOML, or back (--to keepalived)",
  usage: `${USAGE_LINE}

  FILE                keepalived.conf or vigil TOML (told apart by content)
  --to toml           write vigil TOML (the default)
  --to keepalived     write keepalived.conf, so you can always go back
  --config-id ID      keepalived config id for '@ID' lines (keepalived -i; default: short host name)
  --keywords          print every keyword vigil knows (markdown table): section, TOML key, range,
                      default, and whether vigil acts on it, warns or skips it

Prints the converted file on stdout; what vigil does not carry over is listed as comments at the top.
Exit 2 with file:line:col: message on stderr when the file has errors; exit 64 on a usage error.`,
  run(args: string[]): number {
    const p = parseOrExplain("convert", USAGE_LINE, args, CONVERT_ARGS);
    if (!p) return EX_USAGE;
    if (p.flags.has("keywords")) {
      if (p.positionals.length > 0 || p.flags.size > 1) {
        console.error(`vigil convert: --keywords takes no other argument\nUsage: ${USAGE_LINE}`);
        return EX_USAGE;
      }
      process.stdout.write(keywordsMarkdown());
      return 0;
    }
    const to = flag(p, "to") ?? "toml";
    if (to !== "toml" && to !== "keepalived") {
      console.error(`vigil convert: --to must be toml or keepalived, got '${to}'\nUsage: ${USAGE_LINE}`);
      return EX_USAGE;
    }
    const files = [...p.positionals, ...(p.flags.has("config") ? [flag(p, "config")!] : [])];
    if (files.length !== 1) {
      console.error(`vigil convert: ${files.length === 0 ? "missing FILE" : "give exactly one FILE"}\nUsage: ${USAGE_LINE}`);
      return EX_USAGE;
    }
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
