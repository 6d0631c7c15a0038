// Taking over, the advert that ends the failover leaves before anything that only reports it:
// the log line, the metrics and the notify scripts (whose fork alone costs milliseconds) come
// after the advert, the VIP add and the first GARP (RFC 5798 §6.4.2 lists only those three).
import { expect, test } from "bun:test";
import type { Logger } from "../../src/runtime/ports.ts";
import { config, FakeRunner, Lab, seedConf, stateOf } from "./harness.ts";

test("backup → master: advert, VIP and GARP are out before the log line and the notify_master script", () => {
  const lab = new Lab();
  const seen: string[] = [];
  const r1 = lab.node("192.168.0.1", config(seedConf(255)));
  const runner = new FakeRunner();
  const logger: Logger = {
    log(_level, msg) {
      if (msg.includes("-> master")) seen.push(`log adverts=${advertsOfR2()} vip=${vipOnR2()}`);
    },
  };
  runner.fire = (argv) => seen.push(`notify ${argv.join(" ")} adverts=${advertsOfR2()} vip=${vipOnR2()}`);
  const r2 = lab.node("192.168.0.2", config(seedConf(254, '  notify_master "/usr/local/bin/up"\n')), undefined, { logger, runner });
  const advertsOfR2 = () => lab.wire.sent.filter((f) => f.from === "192.168.0.2").length;
  const vipOnR2 = () => r2.host.addresses("eth0").includes("192.168.0.254/24");
  r1.daemon.start();
  r2.daemon.start();
  lab.advance(5000);
  expect(stateOf(r2)).toBe("backup");
  r1.transport.connected = false; // cable cut on r1's side: r2's Master_Down timer runs out
  lab.advance(4000);
  expect(stateOf(r2)).toBe("master");
  expect(seen).toEqual(["log adverts=1 vip=true", "notify /usr/local/bin/up adverts=1 vip=true"]);
});
