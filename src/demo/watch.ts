// Parent side of the probe (probe.ts): starts it in the client namespace, keeps every event, and
// answers the story's questions — when did an advert from X first/last appear, how long did the
// client's pings go unanswered — from the probe's own timestamps (CLOCK_MONOTONIC, like ours).
import type { Subprocess } from "bun";
import type { DemoLab } from "./lab.ts";
import type { ProbeEvent } from "./probe.ts";

export type Advert = Extract<ProbeEvent, { k: "advert" }>;
export type Garp = Extract<ProbeEvent, { k: "garp" }>;

export interface Gap {
  /** Longest time without an echo reply, and the probes sent meanwhile that got none. */
  ms: number;
  lost: number;
  fromMs: number;
  toMs: number;
}

type Waiter = { test: (e: ProbeEvent) => boolean; resolve: (e: ProbeEvent) => void };

export class Watch {
  readonly adverts: Advert[] = [];
  readonly garps: Garp[] = [];
  readonly replies: { t: number; seq: number }[] = [];
  private readonly waiters = new Set<Waiter>();
  private stderr = "";

  private constructor(private readonly proc: Subprocess<"ignore", "pipe" | number, "pipe" | number>) {}

  static async start(lab: DemoLab, self: string[], target: string): Promise<Watch> {
    const proc = lab.spawn("c", [...self, "demo", "--probe", target], { stdout: "pipe", stderr: "pipe" });
    const w = new Watch(proc);
    void readLines(proc.stdout as ReadableStream<Uint8Array>, (l) => w.onLine(l));
    void readLines(proc.stderr as ReadableStream<Uint8Array>, (l) => (w.stderr += `${l}\n`));
    const ready = w.next((e) => e.k === "ready", 10_000);
    const ended = proc.exited.then((code) => {
      throw new Error(`the client probe exited (${code}): ${w.stderr.trim()}`);
    });
    await Promise.race([ready, ended]);
    return w;
  }

  private onLine(line: string): void {
    if (!line.startsWith("{")) return;
    const e = JSON.parse(line) as ProbeEvent;
    if (e.k === "advert") this.adverts.push(e);
    else if (e.k === "garp") this.garps.push(e);
    else if (e.k === "reply") this.replies.push(e);
    for (const w of this.waiters) if (w.test(e)) (this.waiters.delete(w), w.resolve(e));
  }

  /** The next event (from now on) that passes `test`; rejects after timeoutMs. */
  next<E extends ProbeEvent = ProbeEvent>(test: (e: ProbeEvent) => boolean, timeoutMs: number, what = "event"): Promise<E> {
    return new Promise((resolve, reject) => {
      const w: Waiter = { test, resolve: (e) => (clearTimeout(timer), resolve(e as E)) };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** First advert from `src` at or after `afterMs`, already seen or still to come. */
  advertFrom(src: string, afterMs: number, timeoutMs: number, priority?: number): Promise<Advert> {
    const test = (e: ProbeEvent) => e.k === "advert" && e.src === src && e.t >= afterMs && (priority === undefined || e.priority === priority);
    const seen = this.adverts.find(test);
    return seen ? Promise.resolve(seen) : this.next<Advert>(test, timeoutMs, `advert from ${src}`);
  }

  lastAdvertFrom(src: string, beforeMs: number): Advert | undefined {
    return this.adverts.filter((a) => a.src === src && a.t <= beforeMs).at(-1);
  }

  /** First echo reply at or after `afterMs`. */
  replyAfter(afterMs: number, timeoutMs: number): Promise<{ t: number }> {
    const seen = this.replies.find((r) => r.t >= afterMs);
    return seen ? Promise.resolve(seen) : this.next((e) => e.k === "reply" && e.t >= afterMs, timeoutMs, "echo reply from the VIP");
  }

  /** Longest silence between consecutive replies whose interval touches [fromMs, toMs]. */
  gap(fromMs: number, toMs: number): Gap {
    let best: Gap = { ms: 0, lost: 0, fromMs, toMs: fromMs };
    for (let i = 1; i < this.replies.length; i++) {
      const a = this.replies[i - 1]!;
      const b = this.replies[i]!;
      if (b.t < fromMs || a.t > toMs) continue;
      if (b.t - a.t > best.ms) best = { ms: b.t - a.t, lost: b.seq - a.seq - 1, fromMs: a.t, toMs: b.t };
    }
    return best;
  }

  stop(): void {
    this.proc.kill("SIGKILL");
  }
}

/** Calls onLine for every complete line of a byte stream (child process output). */
export async function readLines(stream: ReadableStream<Uint8Array>, onLine: (l: string) => void): Promise<void> {
  const dec = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      onLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
}
