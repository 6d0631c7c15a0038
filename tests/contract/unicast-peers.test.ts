// What the faithful fake wire lets daemon tests see (the kind one delivered every unicast to
// every host): a stranger unicasting adverts to our routers is dropped as unknown-peer and cannot
// take over; a unicast advert reaches only the peers it is addressed to.
import { expect, test } from "bun:test";
import { config, Lab, seedConf, stateOf } from "../runtime/harness.ts";

const peers = (...addrs: string[]) => `  unicast_peer {\n${addrs.map((a) => `    ${a}\n`).join("")}  }\n`;

test("a stranger's unicast adverts (priority 200, same VRID) are dropped as unknown-peer; the pair keeps its master", () => {
  const lab = new Lab();
  const r1 = lab.node("192.168.0.1", config(seedConf(100, peers("192.168.0.2"))));
  const r2 = lab.node("192.168.0.2", config(seedConf(50, peers("192.168.0.1"))));
  const stranger = lab.node("192.168.0.3", config(seedConf(200, peers("192.168.0.1", "192.168.0.2"))));
  for (const n of [r1, r2, stranger]) n.daemon.start();
  lab.advance(10_000);
  expect(stateOf(r1)).toBe("master");
  expect(stateOf(r2)).toBe("backup");
  expect(r2.daemon.status().instances[0]!.masterAddress).toBe("192.168.0.1");
  for (const n of [r1, r2]) expect(n.metrics.count("dropped", (a) => a[0] === "unknown-peer")).toBeGreaterThanOrEqual(5);
  // The stranger's adverts did reach them: the drop is the filter's doing, not the wire's.
  expect(lab.wire.sent.filter((f) => f.from === "192.168.0.3" && f.dst === "192.168.0.1").length).toBeGreaterThanOrEqual(5);
});

test("a unicast advert reaches only the peers it names", () => {
  const lab = new Lab();
  const r1 = lab.node("192.168.0.1", config(seedConf(100, peers("192.168.0.2"))));
  const r2 = lab.node("192.168.0.2", config(seedConf(50, peers("192.168.0.1"))));
  const r3 = lab.node("192.168.0.3", config(seedConf(50, peers("192.168.0.1"))));
  for (const n of [r1, r2, r3]) n.daemon.start();
  lab.advance(10_000);
  expect(r2.metrics.count("advertReceived")).toBeGreaterThanOrEqual(5);
  // r3 names r1 as its peer, but r1 sends only to r2: r3 hears nothing and becomes master too.
  expect(r3.metrics.count("advertReceived")).toBe(0);
  expect(stateOf(r3)).toBe("master");
});
