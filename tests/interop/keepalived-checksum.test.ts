// The VRRPv3 IPv4 checksum question, answered on the wire next to keepalived.
//
// RFC 5798 §5.2.8 was read two ways; RFC 9568 §5.2.8 settles it as "VRRP message only" for IPv4.
// keepalived's default (and all of 2.2.7, Debian bookworm's) adds the IPv4 pseudo-header; keepalived
// >= 2.2.8 has `v3_checksum_as_v2` (global_defs or vrrp_instance) for the message-only form. vigil
// sends the pseudo-header form by default, the message-only form with `v3_checksum_as_v2`, and accepts
// both. Debian has no keepalived that sends the message-only form, so that side is covered by (1) the
// bytes keepalived 2.3.4 sent (tests/vectors/keepalived-v3-ipv4-vrrp-only.json) replayed on the wire,
// and (2) a live election when a newer keepalived is given in VIGIL_KEEPALIVED_NEW.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLab, type Lab, type Rpc } from "../netns/lab.ts";
import { HOSTILE_SENDER } from "../netns/scenario-kit.ts";
import { ensureBinary, vigilArgv } from "../netns/vigil-node.ts";
import { decodeAdvert } from "../../src/protocol/packet.ts";
import { cleanupPeers, type ConfOptions, holds, hubMode, kaConf, type Kind, leftovers, type Peer, snapshotOwned, startPeer } from "./peers.ts";
import { prio, startWire, type Wire, type WireAdvert } from "./wire.ts";

const TIMEOUT_MS = 60_000;
const NEWER = process.env.VIGIL_KEEPALIVED_NEW;
const HAVE_NEWER = NEWER !== undefined && existsSync(NEWER);
const DRIVER = join(import.meta.dir, "..", "netns", "os-driver.ts");
const VIP = "10.99.0.100/24";
const vips = [VIP];

let lab: Lab | undefined;
let wire: Wire | undefined;
let peers: Peer[] = [];
let rpcs: Rpc[] = [];

afterEach(async () => {
  const owned = snapshotOwned(lab, peers);
  for (const r of rpcs) await r.end(2000);
  await wire?.stop().catch(() => undefined);
  await cleanupPeers(peers);
  await lab?.cleanup();
  lab = undefined;
  wire = undefined;
  peers = [];
  rpcs = [];
  expect(leftovers(owned)).toEqual({ pids: [], namespaces: [] });
});

async function setup(): Promise<{ lab: Lab; wire: Wire }> {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgi" });
  wire = await startWire(lab, "c");
  return { lab, wire };
}

function start(kind: Kind, node: string, conf: string, keepalivedBinary?: string): Peer {
  const p = startPeer(lab!, kind, node, conf, { keepalivedBinary });
  peers.push(p);
  return p;
}

const v3 = (o: Partial<ConfOptions> & { priority: number }) => kaConf({ version: 3, advertInt: "0.1", vips, ...o });
const from = (src: string) => (a: WireAdvert) => a.src === src;
const form = (a: WireAdvert) => (a.decoded.ok ? a.decoded.checksumForm : `undecodable:${a.decoded.reason}`);

/** vigil_vrrp_v3_checksum_form_total{form=…} as vigil's /metrics shows it inside the node. */
function checksumCounts(l: Lab, node: string): Record<string, number> {
  const text = l.exec(node, ["curl", "-s", "http://127.0.0.1:9650/metrics"]).stdout;
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^vigil_vrrp_v3_checksum_form_total\{[^}]*form="([^"]+)"[^}]*\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Waits until `n` adverts from `src` are on the wire and returns them all. */
async function adverts(w: Wire, src: string, n: number): Promise<WireAdvert[]> {
  await w.waitFor(() => w.adverts().filter(from(src)).length >= n, 10_000, `${n} adverts from ${src}`);
  return w.adverts().filter(from(src));
}

describe("keepalived 2.2.7 (Debian) ↔ vigil, default settings", () => {
  test(
    "keepalived sends the pseudo-header form; vigil accepts it as backup, counts it, and takes over on a crash",
    async () => {
      const { lab: l, wire: w } = await setup();
      const ka = start("keepalived", "r1", v3({ priority: 200 }));
      await ka.waitState("master");
      const vg = start("vigil", "r2", v3({ priority: 100 }));
      await vg.waitState("backup");
      const seen = await adverts(w, "10.99.0.1", 5);
      expect(new Set(seen.map(form))).toEqual(new Set(["pseudo-header"]));
      const counts = checksumCounts(l, "r2");
      expect(counts["pseudo-header"]).toBeGreaterThan(0);
      expect(counts["vrrp-only"] ?? 0).toBe(0);
      expect((await vg.vigil!.instance())?.masterAddress).toBe("10.99.0.1");
      await ka.crash();
      await vg.waitState("master");
      expect(holds(l, "r2", VIP)).toBe(true);
    },
    TIMEOUT_MS,
  );

  test(
    "vigil sends the pseudo-header form by default, and keepalived accepts it",
    async () => {
      const { lab: l, wire: w } = await setup();
      const vg = start("vigil", "r1", v3({ priority: 200 }));
      await vg.waitState("master");
      const ka = start("keepalived", "r2", v3({ priority: 100 }));
      await ka.waitState("backup");
      const seen = await adverts(w, "10.99.0.1", 5);
      expect(new Set(seen.map(form))).toEqual(new Set(["pseudo-header"]));
      expect(ka.log()).not.toContain("Invalid VRRPv3 checksum");
      expect(ka.keepalived!.transitions()).toEqual(["backup"]);
      expect(holds(l, "r2", VIP)).toBe(false);
    },
    TIMEOUT_MS,
  );

  test(
    "vigil with v3_checksum_as_v2 sends the message-only form; keepalived 2.2.7 rejects it (both become master)",
    async () => {
      const { lab: l, wire: w } = await setup();
      const vg = start("vigil", "r1", v3({ priority: 200, extra: ["v3_checksum_as_v2"] }));
      await vg.waitState("master");
      const seen = await adverts(w, "10.99.0.1", 3);
      expect(new Set(seen.map(form))).toEqual(new Set(["vrrp-only"]));
      const ka = start("keepalived", "r2", v3({ priority: 100 }));
      await ka.keepalived!.waitLog(/Invalid VRRPv3 checksum/);
      await ka.waitState("master"); // it never heard a valid advert: a configuration mismatch, not a vigil bug
      expect(holds(l, "r1", VIP) && holds(l, "r2", VIP)).toBe(true);
      // vigil accepts keepalived's pseudo-header adverts whatever it sends itself: it stays master
      // (higher priority) and counts them. One is enough: while it rejects vigil's steady 100 ms
      // adverts, keepalived 2.2.7 was seen to send its first advert and then none for seconds
      // (in some runs, not others: it seems to depend on the phase of the two timers).
      await adverts(w, "10.99.0.2", 1);
      expect(await vg.state()).toBe("master");
      expect(checksumCounts(l, "r1")["pseudo-header"]).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});

test(
  "TOML: `v3_checksum_as_v2 = true` switches one instance to the message-only form, the other keeps the pseudo-header",
  async () => {
    const { lab: l, wire: w } = await setup();
    const inst = (vrid: number, vip: string, extra: string) =>
      `[[instance]]\nname = "V${vrid}"\ninterface = "eth0"\nvirtual_router_id = ${vrid}\npriority = 200\nadvert_int = 0.1\nversion = 3\n${extra}virtual_ipaddress = ["${vip}"]\n`;
    const toml = `${inst(51, "10.99.0.100/24", "")}\n${inst(52, "10.99.0.101/24", "v3_checksum_as_v2 = true\n")}`;
    const vg = startPeer(l, "vigil", "r1", toml, { toml: true });
    peers.push(vg);
    await vg.vigil!.waitState("master", { instance: "V51" });
    await vg.vigil!.waitState("master", { instance: "V52" });
    const vrid = (n: number) => (a: WireAdvert) => a.decoded.ok && a.decoded.packet.vrid === n;
    await w.waitFor(() => w.adverts().filter(vrid(52)).length >= 3 && w.adverts().filter(vrid(51)).length >= 3, 10_000, "adverts of both instances");
    expect(new Set(w.adverts().filter(vrid(51)).map(form))).toEqual(new Set(["pseudo-header"]));
    expect(new Set(w.adverts().filter(vrid(52)).map(form))).toEqual(new Set(["vrrp-only"]));
  },
  TIMEOUT_MS,
);

describe("keepalived's message-only (v3_checksum_as_v2) adverts", () => {
  test(
    "the bytes keepalived 2.3.4 sent, replayed on the wire: vigil follows them as backup and takes over on their priority 0",
    async () => {
      const { lab: l } = await setup();
      const vec = JSON.parse(readFileSync(join(import.meta.dir, "..", "vectors", "keepalived-v3-ipv4-vrrp-only.json"), "utf8")) as {
        packets: { hex: string; src: string; dst: string; expect: { priority: number; checksumForm: string } }[];
      };
      const advert = vec.packets.find((p) => p.expect.priority === 200)!;
      const zero = vec.packets.find((p) => p.expect.priority === 0)!;
      expect([advert.expect.checksumForm, zero.expect.checksumForm]).toEqual(["vrrp-only", "vrrp-only"]);
      expect(advert.src).toBe("10.99.0.1"); // replayed from the same address, r1
      // The priority-0 advert goes from the driver, ready before it is needed (a python start-up
      // can take longer than the backup's Master_Down).
      const driver = l.rpc("r1", DRIVER);
      rpcs.push(driver);
      await driver.call("open", { ifname: "eth0", family: 4 });
      // The adverts are paced by a process of their own, at the packet's Max Adver Int (10 cs):
      // the test's own event loop stalls in every synchronous spawn (`vigil status`, curl), longer
      // than the backup's Master_Down (361 ms) on a loaded machine.
      const replay = l.spawn("r1", [
        "python3",
        HOSTILE_SENDER,
        "--src",
        advert.src,
        "--dst",
        advert.dst,
        "--kind",
        "hex",
        "--hex",
        advert.hex,
        "--rate",
        "10",
        "--seconds",
        "120",
      ]);
      let stopped = false;
      const stopReplay = async () => {
        if (stopped) return;
        stopped = true;
        replay.kill();
        await replay.exited;
      };
      try {
        await wire!.waitFor(() => wire!.adverts().filter(from("10.99.0.1")).length >= 1, 10_000, "the replay under way");
        const vg = start("vigil", "r2", v3({ priority: 100 }));
        await vg.waitState("backup");
        // Long enough for several Master_Down_Intervals (3 × 100 ms + skew): still backup.
        await wire!.waitFor(() => wire!.adverts().filter(from("10.99.0.1")).length >= 15, 10_000, "15 replayed adverts");
        expect(await vg.state()).toBe("backup");
        expect((await vg.vigil!.instance())?.masterAddress).toBe("10.99.0.1");
        expect(checksumCounts(l, "r2")["vrrp-only"]).toBeGreaterThan(10);
        expect(wire!.adverts().filter(from("10.99.0.2"))).toEqual([]);
        expect(holds(l, "r2", VIP)).toBe(false);
        await stopReplay();
        await driver.call("send", { ifname: "eth0", family: 4, hex: zero.hex, src: advert.src, dst: advert.dst });
        await vg.waitState("master");
        expect(await vg.sawPriorityZero()).toBe(true);
        expect(holds(l, "r2", VIP)).toBe(true);
      } finally {
        await stopReplay();
      }
    },
    TIMEOUT_MS,
  );

  describe.skipIf(!HAVE_NEWER)(`live, with a newer keepalived (VIGIL_KEEPALIVED_NEW=${NEWER ?? "unset"})`, () => {
    const asV2 = (o: { priority: number }) => v3({ ...o, globalDefs: ["v3_checksum_as_v2"] });

    test(
      "keepalived (v3_checksum_as_v2) master + vigil (default) backup: vigil accepts the message-only form; failover",
      async () => {
        const { lab: l, wire: w } = await setup();
        const ka = start("keepalived", "r1", asV2({ priority: 200 }), NEWER);
        await ka.waitState("master");
        const vg = start("vigil", "r2", v3({ priority: 100 }));
        await vg.waitState("backup");
        const seen = await adverts(w, "10.99.0.1", 5);
        expect(new Set(seen.map(form))).toEqual(new Set(["vrrp-only"]));
        expect(checksumCounts(l, "r2")["vrrp-only"]).toBeGreaterThan(0);
        await ka.crash();
        await vg.waitState("master");
        expect(holds(l, "r2", VIP)).toBe(true);
      },
      TIMEOUT_MS,
    );

    test(
      "vigil (v3_checksum_as_v2) master + keepalived (v3_checksum_as_v2) backup; priority-0 handoff",
      async () => {
        const { lab: l, wire: w } = await setup();
        const vg = start("vigil", "r1", v3({ priority: 200, extra: ["v3_checksum_as_v2"] }));
        await vg.waitState("master");
        const ka = start("keepalived", "r2", asV2({ priority: 100 }), NEWER);
        await ka.waitState("backup");
        const seen = await adverts(w, "10.99.0.1", 5);
        expect(new Set(seen.map(form))).toEqual(new Set(["vrrp-only"]));
        expect(await vg.stop()).toBe(0);
        await ka.waitState("master");
        expect(await ka.sawPriorityZero()).toBe(true);
        expect(w.adverts().some((a) => a.src === "10.99.0.1" && prio(a) === 0 && form(a) === "vrrp-only")).toBe(true);
        expect(holds(l, "r2", VIP)).toBe(true);
      },
      TIMEOUT_MS,
    );

    test(
      "keepalived in v3_checksum_as_v2 mode does not verify v3 IPv4 checksums at all: it also follows vigil's pseudo-header form",
      async () => {
        const { lab: l } = await setup();
        const vg = start("vigil", "r1", v3({ priority: 200 }));
        await vg.waitState("master");
        const ka = start("keepalived", "r2", asV2({ priority: 100 }), NEWER);
        await ka.waitState("backup");
        await adverts(wire!, "10.99.0.1", 10);
        expect(ka.keepalived!.transitions()).toEqual(["backup"]);
        expect(ka.log()).not.toContain("Invalid VRRPv3 checksum");
        expect(holds(l, "r2", VIP)).toBe(false);
      },
      TIMEOUT_MS,
    );
  });
});

// keepalived <= 1.3.6 (e.g. CentOS/RHEL 7's 1.3.5) put 224.0.0.18, not the unicast peer, in the IPv4
// pseudo-header of unicast VRRPv3 adverts; keepalived 2.x sends that form with `old_unicast_checksum`
// and, by default, detects it on receive and follows such a peer ("Setting unicast VRRPv3 checksum
// to old version"). A router switched to vigil next to such a peer must follow it too.
test.each(["keepalived", "vigil"] as const)(
  "unicast VRRPv3 from a peer using keepalived's pre-1.3.6 checksum (old_unicast_checksum): %s follows it as backup",
  async (kind) => {
    const l = (lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgi" }));
    hubMode(l);
    const w = (wire = await startWire(l, "c"));
    const uni = (priority: number, me: string, peer: string, extra: string[] = []) => v3({ priority, unicastSrc: me, unicastPeers: [peer], extra });
    const old = start("keepalived", "r1", uni(200, "10.99.0.1", "10.99.0.2", ["old_unicast_checksum"]));
    await old.waitState("master");
    const [a] = await adverts(w, "10.99.0.1", 1);
    // On the wire: valid only with 224.0.0.18 in the pseudo-header, which the core names as a form.
    expect(a!.decoded.ok && a!.decoded.checksumForm).toBe("group-pseudo-header");
    const asGroup = decodeAdvert(a!.payload, { family: 4, srcAddress: a!.src, dstAddress: "224.0.0.18", ttl: a!.ttl });
    expect(asGroup.ok && asGroup.checksumForm).toBe("pseudo-header");
    const next = start(kind, "r2", uni(100, "10.99.0.2", "10.99.0.1"));
    await next.waitState("backup");
    await adverts(w, "10.99.0.1", 15); // several Master_Down_Intervals of r2
    expect(await next.state()).toBe("backup");
    expect(holds(l, "r2", VIP)).toBe(false);
  },
  TIMEOUT_MS,
);

describe("config: keepalived's keyword for the switch", () => {
  const conf = (globalLine: string) => `global_defs {\n\t${globalLine}\n}\n\n${kaConf({ priority: 100, version: 3, advertInt: "0.1", vips })}`;
  const check = (text: string) => {
    ensureBinary();
    const dir = mkdtempSync(join(tmpdir(), "vigil-check-"));
    const path = join(dir, "keepalived.conf");
    writeFileSync(path, text);
    const r = Bun.spawnSync([...vigilArgv("compiled"), "check", "--config", path], { stdout: "pipe", stderr: "pipe" });
    rmSync(dir, { recursive: true, force: true });
    return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
  };

  // keepalived.conf(5) of 2.2.8+ (keepalived/core/global_parser.c: install_keyword("v3_checksum_as_v2"))
  // names the global switch exactly like the instance one (`vrrp_v3_checksum_as_v2` exists in no
  // keepalived version).
  test("global_defs { v3_checksum_as_v2 } — keepalived's own spelling — is accepted", () => {
    const r = check(conf("v3_checksum_as_v2"));
    expect(r.out).not.toContain("unknown keyword");
    expect(r.code).toBe(0);
  });
});
