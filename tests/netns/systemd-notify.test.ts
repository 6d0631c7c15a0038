// systemd's notify protocol, against a socket this test listens on (as systemd would): READY=1
// once the instances run, RELOADING=1 then READY=1 around a SIGHUP, STOPPING=1 at SIGTERM, and
// WATCHDOG=1 at half of WATCHDOG_USEC while the daemon turns. Compiled binary, real namespace.
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createLab, type Lab } from "./lab.ts";
import { v3Conf } from "./scenario-kit.ts";
import { BINARY, ensureBinary, startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
let dir: string | undefined;
afterEach(async () => {
  [lab, nodes] = await tearDown(lab, nodes);
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A datagram listener on `path`: every message received, in order. */
function listen(path: string) {
  const proc = Bun.spawn(
    [
      "python3",
      "-u",
      "-c",
      "import socket,sys,json\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint('ready',flush=True)\nwhile True:\n  print(json.dumps(s.recv(4096).decode()),flush=True)",
      path,
    ],
    { stdout: "pipe" },
  );
  const messages: string[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  void (async () => {
    let buf = "";
    for await (const chunk of proc.stdout) {
      buf += new TextDecoder().decode(chunk);
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === "ready") ready();
        else messages.push(JSON.parse(line) as string);
      }
    }
  })();
  return { proc, messages, isReady };
}

async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 15_000;
  while (!pred()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

test("Type=notify: READY=1 after start, RELOADING=1/READY=1 around SIGHUP, STOPPING=1 at SIGTERM, WATCHDOG=1 while running", async () => {
  ensureBinary();
  dir = mkdtempSync("/tmp/vigil-notify-");
  const sock = join(dir, "notify.sock");
  const l = listen(sock);
  try {
    await l.isReady;
    lab = createLab({ nodes: ["r1"], prefix: "vgn" });
    const conf = v3Conf({ priority: 200, vips: ["10.99.0.100/24"], advertInt: 0.1 });
    const r1 = startVigil(lab, "r1", conf, { command: ["env", `NOTIFY_SOCKET=${sock}`, "WATCHDOG_USEC=200000", BINARY] });
    nodes.push(r1);
    await until(() => l.messages.some((m) => m.startsWith("READY=1")), "READY=1");
    expect(l.messages[0]).toStartWith("READY=1");
    await until(() => l.messages.filter((m) => m === "WATCHDOG=1").length >= 3, "3 watchdog pings");
    r1.signal("SIGHUP");
    await until(() => l.messages.some((m) => m.startsWith("RELOADING=1")), "RELOADING=1");
    const at = l.messages.findIndex((m) => m.startsWith("RELOADING=1"));
    expect(l.messages[at]).toMatch(/MONOTONIC_USEC=\d+/);
    await until(() => l.messages.slice(at).some((m) => m.startsWith("READY=1")), "READY=1 after the reload");
    r1.signal("SIGTERM");
    expect(await r1.exited()).toBe(0);
    await until(() => l.messages.includes("STOPPING=1"), "STOPPING=1");
    const order = l.messages.filter((m) => m !== "WATCHDOG=1").map((m) => m.split("\n")[0]);
    expect(order).toEqual(["READY=1", "RELOADING=1", "READY=1", "STOPPING=1"]);
  } finally {
    l.proc.kill();
  }
}, 60_000);
