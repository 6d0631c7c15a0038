// The process event source is a dependency of the daemon (DaemonDeps.processEvents), not a
// process-wide registry: the fake port plugs in like the Linux one does in `vigil run`. /status and
// `vigil status` say which source a track_process uses: "proc-connector", or "proc-scan" with the
// reason (the kernel's refusal, or no source given).
import { afterEach, beforeEach, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { formatStatus } from "../../src/cli/status.ts";
import type { TrackerStatus } from "../../src/runtime/ports.ts";
import { NO_EVENT_SOURCE } from "../../src/runtime/track-process.ts";
import { FakeProcessEvents } from "../fakes/process-events.ts";
import { config, Lab, type Node } from "./harness.ts";

const conf = (name: string) =>
  `vrrp_track_process app {
    process ${name}
    weight -50
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 200
    advert_int 1
    virtual_ipaddress {
        192.168.0.254/24
    }
    track_process {
        app
    }
}
`;

let dir = "";
let name = "";
beforeEach(() => {
  dir = mkdtempSync("/tmp/vigil-tps-");
  name = `vts${process.pid % 100000}`; // comm is at most 15 bytes
  copyFileSync("/bin/sleep", join(dir, name));
  chmodSync(join(dir, name), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tracker = (n: Node): TrackerStatus => n.daemon.status().instances[0]!.trackers!.find((t) => t.kind === "track_process")!;
const priority = (n: Node) => n.daemon.status().instances[0]!.effectivePriority;

async function stop(lab: Lab, n: Node): Promise<void> {
  const stopped = n.daemon.shutdown();
  lab.advance(10_000);
  await stopped;
}

test("DaemonDeps.processEvents: the daemon's tracker listens to the port it was given; an exit event moves the priority with no scan", async () => {
  const events = new FakeProcessEvents();
  const lab = new Lab();
  const r1 = lab.node("192.168.0.1", config(conf(name)), undefined, { processEvents: events });
  const proc = Bun.spawn([join(dir, name), "1000"], { stdio: ["ignore", "ignore", "ignore"] });
  try {
    r1.daemon.start();
    expect(events.listens).toBe(1);
    expect(tracker(r1)).toMatchObject({ ok: true, source: "proc-connector" });
    expect(tracker(r1).sourceReason).toBeUndefined();
    expect(priority(r1)).toBe(200);
    proc.kill("SIGKILL");
    await proc.exited;
    // Only the event tells the tracker: no clock step, so no /proc scan could have seen it.
    events.emit({ type: "exit", pid: proc.pid });
    expect(tracker(r1).ok).toBe(false);
    expect(priority(r1)).toBe(150);
    await stop(lab, r1);
    expect(events.listening).toBe(false);
  } finally {
    proc.kill("SIGKILL");
  }
});

test("a refused connector: proc-scan with the kernel's reason, in /status and in `vigil status`", async () => {
  const events = new FakeProcessEvents();
  events.refuse = Object.assign(new Error("sendto: ECONNREFUSED (connection refused)"), { code: "ECONNREFUSED" });
  const lab = new Lab();
  const r1 = lab.node("192.168.0.1", config(conf(name)), undefined, { processEvents: events });
  r1.daemon.start();
  expect(tracker(r1)).toMatchObject({ ok: false, source: "proc-scan", sourceReason: "sendto: ECONNREFUSED (connection refused)" });
  const text = formatStatus(r1.daemon.status(), 0);
  expect(text).toContain("SOURCE");
  expect(text).toMatch(/VI_1 track_process app .*FAILED .* -50 .*proc-scan \(sendto: ECONNREFUSED \(connection refused\)\)/);
  await stop(lab, r1);
});

test("no process event source given: proc-scan, and why", async () => {
  const lab = new Lab();
  const r1 = lab.node("192.168.0.1", config(conf(name)));
  r1.daemon.start();
  expect(tracker(r1)).toMatchObject({ source: "proc-scan", sourceReason: NO_EVENT_SOURCE });
  expect(formatStatus(r1.daemon.status(), 0)).toContain(`proc-scan (${NO_EVENT_SOURCE})`);
  await stop(lab, r1);
});

test("with a connector, `vigil status` shows proc-connector; without a process tracker, no SOURCE column", async () => {
  const lab = new Lab();
  const r1 = lab.node("192.168.0.1", config(conf(name)), undefined, { processEvents: new FakeProcessEvents() });
  r1.daemon.start();
  const lines = formatStatus(r1.daemon.status(), 0).split("\n");
  expect(lines.find((l) => l.startsWith("TRACKER"))).toContain("SOURCE");
  expect(lines.find((l) => l.includes("track_process app"))).toMatch(/proc-connector$/);
  await stop(lab, r1);
  const r2 = lab.node(
    "192.168.0.2",
    config(conf(name).replace(/vrrp_track_process app \{[^}]*\}\n/, "").replace(/track_process \{[^}]*\}\n/, "track_interface {\n eth0\n}\n")),
  );
  r2.daemon.start();
  expect(formatStatus(r2.daemon.status(), 0)).not.toContain("SOURCE");
  await stop(lab, r2);
});
