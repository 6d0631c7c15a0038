// Which addresses vigil itself added, kept on disk so a restarted vigil (after SIGKILL or a crash)
// removes its own stale VIPs — and never an address somebody else put there. keepalived keeps no
// such record: after SIGKILL its VIP stays and a restart splits the brain (measured).
import { mkdirSync, readFileSync, readlinkSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Family } from "../protocol/types.ts";
import { errnoOf, ErrorCounts } from "./error-counts.ts";
import type { Logger } from "./ports.ts";

export interface OwnedAddress {
  ifname: string;
  family: Family;
  address: string;
  prefixLength: number;
  /**
   * Not an address but another thing vigil created or changed, removed or restored by the next
   * start after a crash: "vmac" (a macvlan named ifname on `parent`), "sysctl" (address = the
   * /proc/sys path, value = what it was before vigil changed it), "nft" (address = the table),
   * "route" / "rule" (address = its identity, value = the RouteSpec/RuleSpec as JSON, parent =
   * "static" or the instance), "static-addr" (a static_ipaddress; value = the AddressSpec as JSON).
   */
  kind?: "vmac" | "sysctl" | "nft" | "route" | "rule" | "static-addr";
  parent?: string;
  value?: string;
}

const key = (a: OwnedAddress) => (a.kind ? `${a.kind}|${a.ifname}|${a.address}` : `${a.ifname}|${a.address}/${a.prefixLength}`);

export interface AddressJournal {
  has(a: OwnedAddress): boolean;
  record(a: OwnedAddress): void;
  forget(a: OwnedAddress): void;
  entries(): OwnedAddress[];
  /** Write now (last resort before exit); false when it could not. Never throws. */
  flush(): boolean;
}

/**
 * One file per network namespace: two vigils in two namespaces of one host must not mix.
 * A write that fails (a full /tmp on OpenWrt, a directory in the way, a read-only state dir) is
 * never fatal: the record stays in memory, the error is logged once per kind and counted, and the
 * next change tries again. The daemon holding a VIP matters more than the file that remembers it;
 * start-up cleanup still removes stale VIPs that are not an interface's primary address.
 */
export class FileJournal implements AddressJournal {
  private readonly owned = new Map<string, OwnedAddress>();
  private readonly reported = new Set<string>();
  readonly path: string;

  constructor(
    dir: string,
    private readonly logger: Logger = { log() {} },
    private readonly errors: ErrorCounts = new ErrorCounts(),
  ) {
    this.path = join(dir, `owned-${netnsId()}.json`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      this.failed(e);
    }
    try {
      const list = JSON.parse(readFileSync(this.path, "utf8")) as OwnedAddress[];
      for (const a of list) this.owned.set(key(a), a);
    } catch {
      // Absent or unreadable: nothing recorded yet.
    }
  }

  has(a: OwnedAddress): boolean {
    return this.owned.has(key(a));
  }

  record(a: OwnedAddress): void {
    if (this.owned.has(key(a))) return;
    this.owned.set(key(a), a);
    this.scheduleFlush();
  }

  forget(a: OwnedAddress): void {
    if (this.owned.delete(key(a))) this.scheduleFlush();
  }

  entries(): OwnedAddress[] {
    return [...this.owned.values()];
  }

  private flushScheduled = false;

  /** One write per task: 255 instances changing state together must not rewrite the file 255 times. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Write-then-rename so a crash mid-write never leaves a torn file. Never throws. */
  flush(): boolean {
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(this.entries()));
      renameSync(tmp, this.path);
      if (this.reported.size > 0) {
        this.reported.clear();
        this.logger.log("info", "state file written again", { path: this.path });
      }
      return true;
    } catch (e) {
      this.failed(e);
      try {
        unlinkSync(tmp);
      } catch {
        // Nothing was written, or the directory itself is the problem.
      }
      return false;
    }
  }

  private failed(e: unknown): void {
    const code = errnoOf(e);
    this.errors.bump("state_write", code);
    if (this.reported.has(code)) return;
    this.reported.add(code);
    this.logger.log("error", "cannot write the state file; VIPs stay recorded in memory and vigil keeps running", {
      path: this.path,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}

export class MemoryJournal implements AddressJournal {
  flush(): boolean {
    return true;
  }
  private readonly owned = new Map<string, OwnedAddress>();
  has(a: OwnedAddress): boolean {
    return this.owned.has(key(a));
  }
  record(a: OwnedAddress): void {
    this.owned.set(key(a), a);
  }
  forget(a: OwnedAddress): void {
    this.owned.delete(key(a));
  }
  entries(): OwnedAddress[] {
    return [...this.owned.values()];
  }
}

function netnsId(): string {
  try {
    // "net:[4026531840]" → "4026531840"
    return readlinkSync("/proc/self/ns/net").replace(/\D/g, "") || "default";
  } catch {
    return "default";
  }
}
