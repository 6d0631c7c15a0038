// track_process driven by process events (the ProcessEvents port, faked): one scan at start,
// then only the pid an event concerns; a loss rescans; a refusal or a broken stream falls back to
// the scan once a second. The quorum and delay rules are the scan's (tracking-process tests).
import { expect, test } from "bun:test";
import type { TrackProcessConfig } from "../../src/config/schema.ts";
import type { LogLevel } from "../../src/runtime/ports.ts";
import { PROC_EVENTS_RETRY_MS, PROC_SCAN_MS, ProcessMonitor, ProcScanner } from "../../src/runtime/track-process.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { FakeProcessEvents, FakeProcs } from "../fakes/process-events.ts";
import { trackProcessConfig } from "../fakes/track-process-config.ts";

const tp = (over: Partial<TrackProcessConfig>) => trackProcessConfig({ process: "haproxy", ...over });

function world(opts: { refuse?: Error } = {}) {
  const clock = new FakeClock();
  const events = new FakeProcessEvents();
  if (opts.refuse) events.refuse = opts.refuse;
  const procs = new FakeProcs(events);
  const lines: { level: LogLevel; msg: string; fields?: Record<string, unknown> }[] = [];
  const logger = { log: (level: LogLevel, msg: string, fields?: Record<string, string | number | boolean | null>) => lines.push({ level, msg, fields }) };
  const scanner = new ProcScanner(clock, { logger, events, scan: procs.scan, read: procs.read });
  const monitor = (cfg: TrackProcessConfig) => {
    const m = new ProcessMonitor(cfg, clock, logger, scanner);
    m.start();
    return m;
  };
  return { clock, events, procs, scanner, monitor, lines };
}

test("with process events: one scan at start; fork, exec, comm and exit change the count with no further scan", () => {
  const w = world();
  const shell = w.procs.seed("bash");
  const m = w.monitor(tp({ quorum: 2 }));
  expect(w.scanner.source).toBe("proc-connector");
  expect([m.ok, m.count]).toEqual([false, 0]);
  const a = w.procs.fork(shell); // a copy of bash until it execs
  expect(m.count).toBe(0);
  w.procs.exec(a, "haproxy");
  expect([m.ok, m.count]).toEqual([false, 1]);
  const b = w.procs.fork(a); // haproxy's child is haproxy: counted without reading /proc
  const reads = w.procs.reads;
  expect([m.ok, m.count]).toEqual([true, 2]);
  expect(w.procs.reads).toBe(reads);
  w.procs.rename(b, "haproxy-wrk");
  expect([m.ok, m.count]).toEqual([false, 1]);
  w.procs.rename(b, "haproxy");
  expect([m.ok, m.count]).toEqual([true, 2]);
  w.procs.exit(a);
  expect([m.ok, m.count]).toEqual([false, 1]);
  w.clock.advance(10 * PROC_SCAN_MS);
  expect(w.procs.scans).toBe(1);
  expect(w.scanner.scans).toBe(1);
  expect(w.lines.filter((l) => l.msg.includes("proc connector")).length).toBe(1);
  m.stop();
  expect(w.events.listening).toBe(false);
  expect(w.scanner.source).toBe(null);
});

test("a fork by a non-main thread reads the child (the thread's name may differ); an unknown pid's exit changes nothing", () => {
  const w = world();
  const parent = w.procs.seed("haproxy");
  const m = w.monitor(tp({}));
  expect(m.count).toBe(1);
  const reads = w.procs.reads;
  w.procs.fork(parent, true);
  expect(w.procs.reads).toBe(reads + 1);
  expect(m.count).toBe(2);
  w.events.emit({ type: "exit", pid: 424242 });
  expect(m.count).toBe(2);
});

test("terminate_delay and fork_delay hold the verdict as with the scan; a restart inside the delay does not flap", () => {
  const w = world();
  const shell = w.procs.seed("bash");
  const first = w.procs.seed("haproxy");
  let changes = 0;
  const m = w.monitor(tp({ terminateDelayMs: 3000, forkDelayMs: 2000 }));
  m.onChange(() => changes++);
  expect(m.ok).toBe(true);
  w.procs.exit(first);
  w.clock.advance(2000);
  expect(m.ok).toBe(true); // held by terminate_delay
  const again = w.procs.fork(shell);
  w.procs.exec(again, "haproxy"); // back within the delay: the pending "bad" is cancelled
  w.clock.advance(5000);
  expect([m.ok, changes]).toEqual([true, 0]);
  w.procs.exit(again);
  w.clock.advance(2999);
  expect(m.ok).toBe(true);
  w.clock.advance(1);
  expect([m.ok, changes]).toEqual([false, 1]);
  const third = w.procs.fork(shell);
  w.procs.exec(third, "haproxy");
  w.clock.advance(1999);
  expect(m.ok).toBe(false); // held by fork_delay
  w.clock.advance(1);
  expect([m.ok, changes]).toEqual([true, 2]);
  expect(w.scanner.scans).toBe(1);
});

test("events lost (ENOBUFS): a full rescan finds what was missed", () => {
  const w = world();
  const m = w.monitor(tp({}));
  expect(m.ok).toBe(false);
  w.procs.silently(() => w.procs.seed("haproxy"));
  expect(m.ok).toBe(false);
  w.events.lose();
  expect([m.ok, m.count, w.scanner.scans, w.scanner.lostRescans]).toEqual([true, 1, 2, 1]);
});

test("full_command trackers: argv read on exec; a later monitor that needs argv rescans once, one that does not, never", () => {
  const w = world();
  const shell = w.procs.seed("bash", ["/bin/bash"]);
  const byName = w.monitor(tp({ name: "byname" }));
  expect(w.scanner.scans).toBe(1);
  const byName2 = w.monitor(tp({ name: "byname2" }));
  expect(w.scanner.scans).toBe(1);
  const full = w.monitor(tp({ name: "full", fullCommand: true, process: "/usr/sbin/haproxy", params: ["-f", "/etc/h.cfg"], paramMatch: "partial" }));
  expect(w.scanner.scans).toBe(2);
  const p = w.procs.fork(shell);
  w.procs.exec(p, "haproxy", ["/usr/sbin/haproxy", "-f", "/etc/h.cfg", "-Ds"]);
  expect([byName.count, byName2.count, full.count]).toEqual([1, 1, 1]);
  w.procs.fork(p);
  expect(full.count).toBe(2);
  w.procs.exec(p, "haproxy", ["/usr/sbin/haproxy", "-f", "/other.cfg"]);
  expect([byName.count, full.count]).toEqual([2, 1]);
  expect(w.scanner.scans).toBe(2);
});

test("connector refused (ECONNREFUSED: another network namespace): scans once a second, says so once", () => {
  const w = world({ refuse: Object.assign(new Error("sendto: ECONNREFUSED (errno 111)"), { code: "E111" }) });
  w.procs.seed("haproxy");
  const m = w.monitor(tp({}));
  const m2 = w.monitor(tp({ name: "other", process: "nginx" }));
  expect(w.scanner.source).toBe("proc-scan");
  expect([m.ok, m2.ok]).toEqual([true, false]);
  const scans = w.scanner.scans;
  w.procs.exit(w.procs.scan(false)[0]!.pid); // no event: nothing listens
  w.clock.advance(PROC_SCAN_MS);
  expect(m.ok).toBe(false);
  w.clock.advance(4 * PROC_SCAN_MS);
  expect(w.scanner.scans).toBe(scans + 5);
  const said = w.lines.filter((l) => l.msg.includes("scanning /proc"));
  expect(said.length).toBe(1);
  expect(String(said[0]!.fields?.reason)).toContain("ECONNREFUSED");
});

test("a stream that breaks (backlog) falls back to the scan, and listens again PROC_EVENTS_RETRY_MS later", () => {
  const w = world();
  const m = w.monitor(tp({}));
  expect(w.scanner.source).toBe("proc-connector");
  w.events.fail(new Error("more than 512 process event messages waiting"));
  expect(w.scanner.source).toBe("proc-scan");
  expect(w.lines.some((l) => l.level === "warn" && l.msg.includes("stopped"))).toBe(true);
  const shell = w.procs.seed("bash");
  w.procs.silently(() => w.procs.exec(w.procs.fork(shell), "haproxy"));
  w.clock.advance(PROC_SCAN_MS);
  expect(m.ok).toBe(true);
  w.clock.advance(PROC_EVENTS_RETRY_MS - PROC_SCAN_MS);
  expect([w.scanner.source, w.events.listens]).toEqual(["proc-connector", 2]);
  const scans = w.scanner.scans;
  w.clock.advance(5 * PROC_SCAN_MS);
  expect(w.scanner.scans).toBe(scans); // the scan stood down
  w.procs.exit(w.procs.scan(false).find((p) => p.comm === "haproxy")!.pid);
  expect(m.ok).toBe(false);
});

test("after every monitor stopped: no scan, no retry; the next monitor listens again", () => {
  const w = world();
  const m = w.monitor(tp({}));
  w.events.fail(new Error("recvmsg: EBADF"));
  m.stop();
  const scans = w.scanner.scans;
  w.clock.advance(PROC_EVENTS_RETRY_MS + 5 * PROC_SCAN_MS);
  expect([w.scanner.scans, w.events.listens, w.scanner.source]).toEqual([scans, 1, null]);
  w.procs.seed("haproxy");
  const m2 = w.monitor(tp({}));
  expect([w.scanner.source, w.events.listens, m2.ok]).toEqual(["proc-connector", 2, true]);
});
