// `vigil convert --keywords`: the keyword table as markdown, one row per keyword, for the docs.

import { KEYWORDS, TOML_TABLE } from "./keywords.ts";

const DOES: Record<string, string> = {
  read: "acted on",
  pending: "read, not acted on yet (warning)",
  ignored: "ignored (warning)",
  skipped: "section skipped (warning)",
  mail: "skipped: vigil sends no mail (warning)",
};

const cell = (s: string | undefined): string => (s ?? "").replace(/\|/g, "\\|");

export function keywordsMarkdown(): string {
  const rows = ["| section | keyword | TOML | value | range | default | vigil | keepalived / notes |", "|---|---|---|---|---|---|---|---|"];
  for (const k of KEYWORDS) {
    const toml = k.toml ? `${k.section === "top" ? "" : `${TOML_TABLE[k.section]}.`}${k.toml}` : "";
    const value = k.notify ? `notify (${k.notify})` : (k.arg ?? "");
    const range = k.range ? `${k.range[0]}–${k.range[1]}` : "";
    const dflt = k.dflt === undefined ? "" : String(k.dflt);
    const notes = [k.why, k.keepalived, k.note?.replace(/^[:(\s]+|\)$/g, "")].filter(Boolean).join("; ");
    rows.push(
      `| ${k.section} | ${k.name ? `\`${k.name}\`` : k.partOf ? `(in \`${k.partOf}\`)` : "(vigil only)"} | ${
        toml ? `\`${toml}\`` : ""
      } | ${value} | ${range} | ${cell(dflt)} | ${DOES[k.does]} | ${cell(notes)} |`,
    );
  }
  return rows.join("\n") + "\n";
}
