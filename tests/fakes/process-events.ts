// An in-memory ProcessEvents port and host process table, for process tracker tests without root.
// As the proc connector: listen() throws the kernel's refusal when told to (ECONNREFUSED outside
// the initial network namespace), events arrive in order and only while listening, a loss is
// reported as `lost` (ENOBUFS) and a broken stream as `failed`. FakeProcs holds the processes the
// tracker's scan and per-pid reads see, and emits the events a real kernel would for each change.

import type { ProcEntry } from "../../src/runtime/track-process.ts";
import type { ProcessEvent, ProcessEventHandlers, ProcessEvents } from "../../src/runtime/ports.ts";

export class FakeProcessEvents implements ProcessEvents {
  private handlers: ProcessEventHandlers | null = null;
  listens = 0;
  /** When set, listen() throws this (as the Linux port throws OsError). */
  refuse: Error | null = null;

  get listening(): boolean {
    return this.handlers !== null;
  }

  listen(h: ProcessEventHandlers): () => void {
    if (this.refuse) throw this.refuse;
    if (this.handlers) throw new Error("FakeProcessEvents: already listening");
    this.listens++;
    this.handlers = h;
    return () => {
      if (this.handlers === h) this.handlers = null;
    };
  }

  emit(...events: ProcessEvent[]): void {
    this.handlers?.events(events);
  }

  lose(): void {
    this.handlers?.lost();
  }

  fail(e: Error): void {
    const h = this.handlers;
    this.handlers = null;
    h?.failed(e);
  }
}

/** The host's processes as /proc would show them; counts full scans and per-pid reads. */
export class FakeProcs {
  private readonly procs = new Map<number, ProcEntry>();
  private nextPid = 1000;
  scans = 0;
  reads = 0;
  private muted = false;

  constructor(private readonly events?: FakeProcessEvents) {}

  /** As scanProc: every process (argv only when asked). */
  readonly scan = (withArgv: boolean): ProcEntry[] => {
    this.scans++;
    return [...this.procs.values()].map((p) => this.view(p, withArgv));
  };

  /** As readProc. */
  readonly read = (pid: number, withArgv: boolean): ProcEntry | null => {
    this.reads++;
    const p = this.procs.get(pid);
    return p ? this.view(p, withArgv) : null;
  };

  private view(p: ProcEntry, withArgv: boolean): ProcEntry {
    return withArgv ? { pid: p.pid, comm: p.comm, argv: [...(p.argv ?? [])] } : { pid: p.pid, comm: p.comm };
  }

  /** A process that exists before anything listens (no event). */
  seed(comm: string, argv: string[] = [comm]): number {
    const pid = this.nextPid++;
    this.procs.set(pid, { pid, comm, argv });
    return pid;
  }

  /** fork: the child is the parent's copy (fromThread: a non-main thread forked). */
  fork(parent: number, fromThread = false): number {
    const p = this.procs.get(parent);
    if (!p) throw new Error(`no process ${parent}`);
    const pid = this.nextPid++;
    this.procs.set(pid, { ...p, pid });
    this.send({ type: "fork", pid, parentPid: fromThread ? null : parent });
    return pid;
  }

  exec(pid: number, comm: string, argv: string[] = [comm]): void {
    this.procs.set(pid, { pid, comm, argv });
    this.send({ type: "exec", pid });
  }

  /** prctl(PR_SET_NAME) on the main thread. */
  rename(pid: number, comm: string): void {
    const p = this.procs.get(pid);
    if (!p) throw new Error(`no process ${pid}`);
    this.procs.set(pid, { ...p, comm });
    this.send({ type: "comm", pid });
  }

  exit(pid: number): void {
    this.procs.delete(pid);
    this.send({ type: "exit", pid });
  }

  /** Changes with no event (the kernel dropped them): only a rescan sees these. */
  silently(fn: () => void): void {
    this.muted = true;
    try {
      fn();
    } finally {
      this.muted = false;
    }
  }

  private send(e: ProcessEvent): void {
    if (!this.muted) this.events?.emit(e);
  }
}
