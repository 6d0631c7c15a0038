// The nftables side of accept mode (src/runtime/accept.ts): scripts run by the `nft` tool as one
// transaction (`nft -f -`). netlink-native nftables would spare the process; the tool is what
// keepalived's users have and is enough for a table written at start, reload and stop.

import { existsSync } from "node:fs";
import type { FirewallOs } from "../../runtime/accept.ts";
import { OsError } from "./errors.ts";

const CANDIDATES = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft", "/usr/local/sbin/nft"];
const NFT_TIMEOUT_MS = 5000;

export function findNft(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export class NftFirewall implements FirewallOs {
  constructor(private readonly nft: string | null = findNft()) {}

  apply(script: string): void {
    if (!this.nft) throw new OsError("execve", 2, /* ENOENT */ "nft not found");
    const r = Bun.spawnSync([this.nft, "-f", "-"], { stdin: new TextEncoder().encode(script), stdout: "pipe", stderr: "pipe", timeout: NFT_TIMEOUT_MS });
    if (r.exitCode === 0) return;
    const err = r.stderr.toString().trim().split("\n").slice(0, 3).join(" | ");
    // nft prints the kernel's errno as text; the common ones become codes for the error counter.
    const errno = /Operation not permitted/.test(err) ? 1 : /No such file or directory|Protocol not supported/.test(err) ? 93 /* EPROTONOSUPPORT */ : 22;
    throw new OsError("nft", r.exitCode === null || r.signalCode ? 110 /* ETIMEDOUT */ : errno, err || `nft exited ${r.exitCode}`);
  }
}
