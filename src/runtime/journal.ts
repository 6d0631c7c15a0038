// Which addresses vigil itself added, kept on disk so a restarted vigil (after SIGKILL or a crash)
// removes its own stale VIPs — and never an address somebody else put there. keepalived keeps no
// such record: after SIGKILL its VIP stays and a restart splits the brain (measured).
import { mkdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Family } from "../protocol/types.ts";

export interface OwnedAddress {
  ifname: string;
  family: Family;
  address: string;
  prefixLength: number;
}

const key = (a: OwnedAddress) => `${a.ifname}|${a.address}/${a.prefixLength}`;

export interface AddressJournal {
  has(a: OwnedAddress): boolean;
  record(a: OwnedAddress): void;
  forget(a: OwnedAddress): void;
  entries(): OwnedAddress[];
}

/** One file per network namespace: two vigils in two namespaces of one host must not mix. */
export class FileJournal implements AddressJournal {
  private readonly owned = new Map<string, OwnedAddress>();
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, `owned-${netnsId()}.json`);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
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

  /** Write-then-rename so a crash mid-write never leaves a torn file. */
  private flush(): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.entries()));
    renameSync(tmp, this.path);
  }
}

export class MemoryJournal implements AddressJournal {
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
