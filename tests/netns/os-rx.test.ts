// The receive Worker's life cycle: sockets added while it runs, clean stop, compiled executables.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicMs } from "../../src/os/linux/libc.ts";
import { BUN } from "./lab.ts";
import { CAN_NETNS, withLab } from "./os-common.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "vgt-build-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Dgram {
  family: number;
  src: string;
  ttl: number;
}

const STALL_MS = 300;
const advert4 = { ifname: "eth0", family: 4, src: "10.99.0.1", dst: "224.0.0.18", addrs: ["10.99.0.100"] };

describe.skipIf(!CAN_NETNS)("os/linux rx worker", () => {
  test("sockets opened after the worker started are polled too (eventfd wake-up)", async () => {
    await withLab({ nodes: ["r1", "r2"], ipv6: true }, async (lab, d) => {
      for (const n of ["r1", "r2"]) await d[n]!.call("open", { ifname: "eth0", family: 6 });
      expect(await d.r2!.call("ready")).toBe(true); // worker running, blocked in poll()
      await d.r1!.call("advert", { ifname: "eth0", family: 6, src: lab.nodes.r1!.linkLocal, dst: "ff02::12", addrs: ["fe80::1"] });
      expect((await d.r2!.call<Dgram[]>("received", { min: 1 })).map((x) => x.family)).toEqual([6]);
      for (const n of ["r1", "r2"]) await d[n]!.call("open", { ifname: "eth0", family: 4 });
      await d.r1!.call("advert", advert4);
      expect((await d.r2!.call<Dgram[]>("received", { min: 1 })).map((x) => x.family)).toEqual([4]);
    });
  });

  test("a datagram's time is its arrival in the kernel, not when a stalled receiver read it (SO_TIMESTAMPNS)", async () => {
    await withLab({ nodes: ["r1", "r2"] }, async (_lab, d) => {
      for (const n of ["r1", "r2"]) await d[n]!.call("open", { ifname: "eth0", family: 4 });
      expect(await d.r2!.call("ready")).toBe(true);
      const r2 = d.r2!.proc.pid;
      process.kill(r2, "SIGSTOP"); // every thread of r2, its io thread too
      let sentMono: number;
      try {
        await d.r1!.call("advert", advert4);
        sentMono = monotonicMs();
        await Bun.sleep(STALL_MS);
      } finally {
        process.kill(r2, "SIGCONT");
      }
      const [got] = await d.r2!.call<(Dgram & { rxMono: number })[]>("received", { min: 1 });
      // Read STALL_MS late at least; stamped when it arrived (before sentMono, the reply to r1's send).
      expect(got!.rxMono).toBeLessThan(sentMono + STALL_MS / 2);
    });
  });

  test("a socket released and reopened (same fd number) keeps receiving, exactly once", async () => {
    await withLab({ nodes: ["r1", "r2"] }, async (_lab, d) => {
      for (const n of ["r1", "r2"]) await d[n]!.call("open", { ifname: "eth0", family: 4 });
      await d.r2!.call("release", { ifname: "eth0", family: 4 });
      await d.r1!.call("advert", advert4);
      expect(await d.r2!.call<Dgram[]>("received", { min: 1, timeoutMs: 200 })).toEqual([]);
      await d.r2!.call("open", { ifname: "eth0", family: 4 });
      await d.r1!.call("advert", { ...advert4, count: 3 });
      await Bun.sleep(100);
      expect(await d.r2!.call<Dgram[]>("received", { min: 3 })).toHaveLength(3);
    });
  });

  test("closing stdin: the driver closes its ports, the worker joins and the process exits 0", async () => {
    await withLab({ nodes: ["r1", "r2"] }, async (_lab, d) => {
      for (const n of ["r1", "r2"]) await d[n]!.call("open", { ifname: "eth0", family: 4 });
      await d.r2!.call("link", { name: "eth0" }); // link watcher socket on the worker too
      expect(await d.r2!.call("ready")).toBe(true);
      // Keep traffic flowing while it stops.
      const flood = d.r1!.call("advert", { ...advert4, count: 2000 });
      // end() gives null if the process had to be killed: exiting by itself is what is asserted.
      expect(await d.r2!.end(3000)).toBe(0);
      await flood;
      await d.r1!.call("close");
      expect(await d.r1!.end(3000)).toBe(0);
    });
  });

  test(
    "compiled executable: the worker loads when listed as a second entry point, and fails loudly when not",
    async () => {
      const good = join(tmp, "smoke");
      const bad = join(tmp, "smoke-noworker");
      const build = (out: string, entries: string[]) =>
        Bun.spawnSync([BUN, "build", "--compile", "--bytecode", "--format=esm", ...entries, "--outfile", out], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
      expect(build(good, ["tests/netns/os-smoke.ts", "src/os/linux/rx-worker.ts"]).exitCode).toBe(0);
      expect(build(bad, ["tests/netns/os-smoke.ts"]).exitCode).toBe(0);
      const vigilBad = join(tmp, "vigil-noworker");
      expect(build(vigilBad, ["main.ts"]).exitCode).toBe(0);
      await withLab({ nodes: ["r1", "r2", "r3"] }, async (lab, d) => {
        await d.r1!.call("open", { ifname: "eth0", family: 4 });
        // Run from another directory: the worker must come from inside the executable.
        const ok = lab.spawn("r2", ["sh", "-c", `cd / && exec ${good} eth0 5000`]);
        const ko = lab.spawn("r3", ["sh", "-c", `cd / && exec ${bad} eth0 5000`]);
        const lines: string[] = [];
        let firstLine!: () => void;
        const gotFirst = new Promise<void>((r) => (firstLine = r));
        const reading = (async () => {
          const dec = new TextDecoder();
          let buf = "";
          for await (const chunk of ok.stdout) {
            buf += dec.decode(chunk, { stream: true });
            let nl: number;
            while ((nl = buf.indexOf("\n")) >= 0) lines.push(buf.slice(0, nl)), (buf = buf.slice(nl + 1)), firstLine();
          }
        })();
        await gotFirst;
        expect(JSON.parse(lines[0]!)).toEqual({ ready: true, link: true });
        await d.r1!.call("advert", advert4);
        expect(await ok.exited).toBe(0);
        await reading;
        expect(JSON.parse(lines.at(-1)!)).toEqual({ received: { src: "10.99.0.1", dst: "224.0.0.18", ttl: 255, ifindex: 2, bytes: 12 } });
        expect(await ko.exited).toBe(4);
        expect(await new Response(ko.stdout).text()).toContain("compiled without src/os/linux/rx-worker.ts");
        // `vigil run` starts the Worker before anything else (io-prewarm.ts): its failure still ends the start.
        writeFileSync(
          join(tmp, "owner.conf"),
          "vrrp_instance A {\n  interface eth0\n  virtual_router_id 9\n  priority 255\n  virtual_ipaddress {\n    10.99.0.99/24\n  }\n}\n",
        );
        const run = lab.exec(
          "r3",
          ["sh", "-c", `cd / && exec ${vigilBad} run --config ${join(tmp, "owner.conf")} --http '' --state-dir ${join(tmp, "state")}`],
          { allowFail: true },
        );
        expect(run.code).toBe(1);
        expect(run.stderr).toContain("compiled without src/os/linux/rx-worker.ts");
        expect(lab.exec("r3", ["ip", "-br", "addr", "show", "eth0"]).stdout).not.toContain("10.99.0.99");
      });
    },
    120_000,
  );
});
