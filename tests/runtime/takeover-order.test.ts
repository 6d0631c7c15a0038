// Taking over, the advert that ends the failover leaves first, then the VIP and the GARPs (RFC
// 5798 §6.4.2 lists only those), and only then what reports it: the log line, the metrics and the
// notify scripts (whose fork alone costs milliseconds).
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
  const send = r2.transport.send.bind(r2.transport);
  r2.transport.send = (...a: Parameters<typeof send>) => {
    seen.push(`advert vip=${vipOnR2()} garps=${r2.host.announced.length}`);
    send(...a);
  };
  lab.advance(3500); // Master_Down (3007.8 ms) runs out; r2's first periodic advert (the next 1 s tick) is after this
  expect(stateOf(r2)).toBe("master");
  // RFC 5798 §6.4.2 and keepalived: the advert first (an old master drops its VIPs on hearing it,
  // before our gratuitous ARPs), then the VIP, then the GARPs; the report after all of them.
  expect(seen).toEqual(["advert vip=false garps=0", "log adverts=1 vip=true", "notify /usr/local/bin/up adverts=1 vip=true"]);
});

test("handed over (the master resigned with priority 0): the VIP is added before the advert, make-before-break", async () => {
  const lab = new Lab();
  const r1 = lab.node("192.168.0.1", config(seedConf(255)));
  const r2 = lab.node("192.168.0.2", config(seedConf(254)));
  r1.daemon.start();
  r2.daemon.start();
  lab.advance(5000);
  const seen: string[] = [];
  const send = r2.transport.send.bind(r2.transport);
  r2.transport.send = (...a: Parameters<typeof send>) => {
    seen.push(`advert vip=${r2.host.addresses("eth0").includes("192.168.0.254/24")}`);
    send(...a);
  };
  const stopped = r1.daemon.shutdown();
  await lab.settle(20);
  await stopped;
  expect(stateOf(r2)).toBe("master");
  expect(seen[0]).toBe("advert vip=true");
});
