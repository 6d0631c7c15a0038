// The instance carries out what the config and the FSM decide for higher_prio_send_advert and
// garp_extra_if (the rules themselves are tested in tests/protocol and garp-extra-if.test.ts).
import { expect, test } from "bun:test";
import { config, Lab, seedConf, stateOf } from "./harness.ts";

const VIP = "192.168.0.254";

test("higher_prio_send_advert: a master yielding to a higher priority sends one advert of its own first", () => {
  for (const on of [false, true]) {
    const lab = new Lab();
    const r2 = lab.node("192.168.0.2", config(seedConf(100, on ? "  higher_prio_send_advert\n" : "")));
    r2.daemon.start();
    lab.advance(4000);
    expect(stateOf(r2)).toBe("master");
    const r1 = lab.node("192.168.0.1", config(seedConf(200)));
    r1.daemon.start();
    const fromR2 = () => lab.wire.sent.filter((f) => f.from === "192.168.0.2");
    lab.advance(3900); // r1 preempts after its Master_Down_Interval
    expect(stateOf(r2)).toBe("backup");
    const firstFromR1 = lab.wire.sent.find((f) => f.from === "192.168.0.1")!.atMs;
    const lastOwn = fromR2().at(-1)!;
    // r2's last advert: the periodic one before r1 spoke (off), or the reply at r1's first advert (on).
    expect(lastOwn.atMs >= firstFromR1).toBe(on);
  }
});

test("garp_extra_if all: a VIP on another interface is announced there too", () => {
  const lab = new Lab();
  const vips = `\tvirtual_ipaddress {\n\t\t${VIP}/24\n\t\t192.0.2.10/24 dev eth1\n\t}\n`;
  const text = seedConf(255).replace(/\tvirtual_ipaddress \{[^}]*\}\n/, vips).replace("advert_int 1", "advert_int 1\n\tgarp_extra_if all 10");
  const r1 = lab.node("192.168.0.1", config(text));
  r1.host.addLink("eth1", [{ family: 4, address: "192.0.2.1", prefixLength: 24 }]);
  r1.daemon.start();
  lab.advance(12_000);
  expect(stateOf(r1)).toBe("master");
  const eth1 = r1.host.link("eth1")!.index;
  expect(r1.host.announced.some((a) => a.ifindex === eth1)).toBe(true);
});
