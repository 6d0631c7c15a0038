// What each layer hands the next, checked where the next one sees it: the config model the runtime
// starts from, and what the receive path does with a datagram before the FSM. Each test here
// kills a planted bug that the layer's own tests let through (bench/mutate.ts).
import { describe, expect, test } from "bun:test";
import { loadConfigText } from "../../src/config/load.ts";
import { encodeAdvert } from "../../src/protocol/packet.ts";
import { config, Lab, seedConf, stateOf } from "../runtime/harness.ts";

const instanceConfig = (r: ReturnType<typeof loadConfigText>) => {
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
  return r.config;
};
const instance = (r: ReturnType<typeof loadConfigText>) => instanceConfig(r).instances[0]!;

describe("config → runtime", () => {
  test("vrrp_strict: Accept_Mode defaults to on for the address owner only; without it, always on", () => {
    const strict = "global_defs {\n  vrrp_strict\n}\n";
    expect(instance(loadConfigText(strict + seedConf(100), "/k.conf")).accept).toBe(false);
    expect(instance(loadConfigText(strict + seedConf(255), "/k.conf")).accept).toBe(true);
    expect(instance(loadConfigText(seedConf(100), "/k.conf")).accept).toBe(true);
  });

  test("nopreempt with state MASTER is cleared with a warning (as keepalived), with state BACKUP kept", () => {
    const master = loadConfigText(seedConf(100, "  state MASTER\n  nopreempt\n"), "/k.conf");
    expect(instance(master).preempt).toBe(true);
    expect(master.warnings.some((w) => w.message.includes("nopreempt does not work with state MASTER"))).toBe(true);
    expect(instance(loadConfigText(seedConf(100, "  state BACKUP\n  nopreempt\n"), "/k.conf")).preempt).toBe(false);
  });
});

describe("receive path → FSM", () => {
  const advert = (o: Partial<Parameters<typeof encodeAdvert>[0]> = {}) =>
    encodeAdvert({
      version: 2,
      family: 4,
      vrid: 51,
      priority: 255,
      advertIntervalCs: 100,
      addresses: ["192.168.0.254"],
      srcAddress: "192.168.0.9",
      dstAddress: "224.0.0.18",
      ...o,
    });

  test("our own advert echoed back (a bridge, a peer list naming us) is dropped as own-packet before decoding", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(200)));
    r1.daemon.start();
    lab.advance(5000);
    const own = advert({ priority: 200, srcAddress: "192.168.0.1" });
    r1.transport.inject({ family: 4, src: "192.168.0.1", dst: "224.0.0.18", ttl: 255, payload: own });
    expect(r1.metrics.count("dropped", (a) => a[0] === "own-packet")).toBe(1);
    expect(r1.metrics.count("advertReceived")).toBe(0);
  });

  test("the instance checks run: a v2 advert with another interval or password is dropped, not obeyed", () => {
    const lab = new Lab();
    const r1 = lab.node("192.168.0.1", config(seedConf(200)));
    r1.daemon.start();
    lab.advance(5000);
    expect(stateOf(r1)).toBe("master");
    const base = { family: 4 as const, src: "192.168.0.9", dst: "224.0.0.18", ttl: 255 };
    r1.transport.inject({ ...base, payload: advert({ advertIntervalCs: 200 }) });
    r1.transport.inject({ ...base, payload: advert({ authPass: "secret" }) });
    expect(r1.metrics.count("dropped", (a) => a[0] === "interval-mismatch")).toBe(1);
    expect(r1.metrics.count("dropped", (a) => a[0] === "bad-auth")).toBe(1);
    expect(stateOf(r1)).toBe("master");
  });

  test("v3 over IPv4: the checksum form of each accepted advert is reported", () => {
    const lab = new Lab();
    const v3 = (p: number) => config(seedConf(p, "  version 3\n"));
    const r1 = lab.node("192.168.0.1", v3(200));
    const r2 = lab.node("192.168.0.2", v3(100));
    r1.daemon.start();
    r2.daemon.start();
    lab.advance(10_000);
    const forms = r2.metrics.calls.filter((c) => c.kind === "checksumForm").map((c) => c.args[0]);
    expect(forms.length).toBe(r2.metrics.count("advertReceived"));
    expect(forms.length).toBeGreaterThan(5);
    expect(new Set(forms)).toEqual(new Set(["pseudo-header"]));
  });

  test("track_script weights while the script succeeds: a negative one is not applied, a positive one is", async () => {
    const lab = new Lab();
    const scripts =
      `vrrp_script chk_neg {\n  script "/bin/neg"\n  interval 1\n  weight -60\n}\nvrrp_script chk_pos {\n  script "/bin/pos"\n  interval 1\n  weight 10\n}\n`;
    // The scripts exist on this (fake) host: else the config layer disables them, as keepalived does.
    const host = { executable: () => true, userExists: () => true, path: () => ["/bin"] };
    const r1 = lab.node(
      "192.168.0.1",
      instanceConfig(loadConfigText(scripts + seedConf(200, "  track_script {\n    chk_neg\n    chk_pos\n  }\n"), "/k.conf", { host })),
    );
    r1.daemon.start();
    for (let i = 0; i < 10; i++) await lab.settle(500);
    expect(r1.daemon.status().instances[0]!.effectivePriority).toBe(210);
  });
});
