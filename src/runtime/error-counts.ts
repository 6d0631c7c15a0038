// Errors the runtime survived, counted by kind: what /metrics exports as vigil_*_errors_total and
// what the stats dump (SIGUSR2) prints. In memory, plain maps: they are bumped on the paths that
// fail, which must stay cheap and must never throw themselves.

/** errno name of an error (OsError.code, Node's ErrnoException.code), else its class name. */
export function errnoOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  return e instanceof Error ? e.name : "unknown";
}

export type ErrorKind =
  /** The state journal (owned VIPs) could not be written. */
  | "state_write"
  /** An advert could not be sent (label: errno). */
  | "vrrp_send"
  /** A netlink request failed (label: op/errno). */
  | "netlink"
  /** The HTTP listener could not bind (label: errno). */
  | "http_listen";

export class ErrorCounts {
  private readonly counts = new Map<ErrorKind, Map<string, number>>();
  /** Per instance, send errors by errno: vigil_vrrp_send_errors_total{instance,errno}. */
  private readonly sendByInstance = new Map<string, Map<string, number>>();

  bump(kind: ErrorKind, label: string): number {
    let m = this.counts.get(kind);
    if (!m) this.counts.set(kind, m = new Map());
    const n = (m.get(label) ?? 0) + 1;
    m.set(label, n);
    return n;
  }

  sendError(instance: string, errno: string): void {
    this.bump("vrrp_send", errno);
    let m = this.sendByInstance.get(instance);
    if (!m) this.sendByInstance.set(instance, m = new Map());
    m.set(errno, (m.get(errno) ?? 0) + 1);
  }

  total(kind: ErrorKind): number {
    let n = 0;
    for (const v of this.counts.get(kind)?.values() ?? []) n += v;
    return n;
  }

  byLabel(kind: ErrorKind): [string, number][] {
    return [...(this.counts.get(kind) ?? [])];
  }

  sendErrors(): [instance: string, errno: string, count: number][] {
    const out: [string, string, number][] = [];
    for (const [i, m] of this.sendByInstance) for (const [e, n] of m) out.push([i, e, n]);
    return out;
  }
}
