// static_ipaddress / static_routes / static_rules, virtual_rules, typed and multipath virtual routes
// on a real kernel with the compiled binary, checked as an operator would (`ip route show table
// all`, `ip rule`, `ip -br a`): statics set at start whatever the VRRP state and removed at stop
// (and, after a SIGKILL, by the next start, from the journal); virtual rules and routes only while
// Master; vigil's routes carry `proto keepalived`; an operator's route to the same destination
// is never removed.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const statics = (withBlackhole = true) =>
  `static_ipaddress {
  10.99.5.1/32 dev eth0 scope link
}
static_routes {
  10.99.90.0/24 via 10.99.0.254 dev eth0
  10.99.91.0/24 via 10.99.0.253 dev eth0
${withBlackhole ? "  blackhole 10.99.92.0/24\n" : ""}}
static_rules {
  from 10.99.5.0/24 table 100
  to 10.99.93.0/24 preference 200 table 101
}
`;

const instance = (priority: number) =>
  `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 62
  priority ${priority}
  version 3
  advert_int 0.05
  virtual_ipaddress {
    10.99.0.100/24
  }
  virtual_routes {
    blackhole 10.99.80.0/24
    10.99.81.0/24 nexthop via 10.99.0.250 weight 2 nexthop via 10.99.0.251
  }
  virtual_rules {
    from 10.99.0.100 preference 300 table 102
    fwmark 7 preference 301 blackhole
  }
}
`;

const routes = (l: Lab, n: string) => l.exec(n, ["ip", "route", "show", "table", "all"]).stdout;
const rules = (l: Lab, n: string) => l.exec(n, ["ip", "rule"]).stdout;
const addrs = (l: Lab, n: string) => l.exec(n, ["ip", "-br", "a"]).stdout;
const line = (text: string, start: string) => text.split("\n").find((x) => x.startsWith(start));

test("statics whatever the state; virtual rules and typed/multipath routes only on Master; proto keepalived; the operator's route stays", async () => {
  lab = createLab({ nodes: ["r1", "r2"] });
  // The operator's own route to a destination vigil is configured to add.
  lab.exec("r1", ["ip", "route", "add", "10.99.91.0/24", "via", "10.99.0.1", "dev", "eth0"]);
  const r2 = startVigil(lab, "r2", instance(200));
  nodes.push(r2);
  await r2.waitState("master");
  const r1 = startVigil(lab, "r1", statics() + instance(100));
  nodes.push(r1);
  await r1.waitState("backup");

  // Backup, statics set.
  let rt = routes(lab, "r1");
  expect(line(rt, "10.99.90.0/24")).toBe("10.99.90.0/24 via 10.99.0.254 dev eth0 proto keepalived ");
  expect(line(rt, "blackhole 10.99.92.0/24")).toBe("blackhole 10.99.92.0/24 proto keepalived ");
  expect(line(rt, "10.99.91.0/24")).toBe("10.99.91.0/24 via 10.99.0.1 dev eth0 "); // the operator's, untouched
  expect(addrs(lab, "r1")).toContain("10.99.5.1/32");
  let ru = rules(lab, "r1");
  expect(ru).toContain("16384:\tfrom 10.99.5.0/24 lookup 100");
  expect(ru).toContain("200:\tfrom all to 10.99.93.0/24 lookup 101");
  // No virtual rule nor route on a backup.
  expect(ru).not.toContain("lookup 102");
  expect(rt).not.toContain("10.99.80.0/24");
  expect(rt).not.toContain("10.99.81.0/24");

  // r2 leaves: r1 is Master, adds its virtual rules and routes.
  r2.signal("SIGTERM");
  expect(await r2.exited()).toBe(0);
  await r1.waitState("master");
  rt = routes(lab, "r1");
  ru = rules(lab, "r1");
  expect(line(rt, "blackhole 10.99.80.0/24")).toBe("blackhole 10.99.80.0/24 proto keepalived ");
  expect(rt).toMatch(/10\.99\.81\.0\/24 proto keepalived \n\tnexthop via 10\.99\.0\.250 dev eth0 weight 2 \n\tnexthop via 10\.99\.0\.251 dev eth0 weight 1/);
  expect(ru).toContain("300:\tfrom 10.99.0.100 lookup 102");
  expect(ru).toContain("301:\tfrom all fwmark 0x7 blackhole");

  // r2 comes back with the higher priority: r1 leaves Master, its virtual rules and routes go, statics stay.
  const r2b = startVigil(lab, "r2", instance(200));
  nodes.push(r2b);
  await r1.waitState("backup");
  rt = routes(lab, "r1");
  ru = rules(lab, "r1");
  expect(ru).not.toContain("lookup 102");
  expect(ru).not.toContain("fwmark 0x7");
  expect(rt).not.toContain("10.99.80.0/24");
  expect(rt).not.toContain("10.99.81.0/24");
  expect(ru).toContain("16384:\tfrom 10.99.5.0/24 lookup 100");
  expect(line(rt, "10.99.90.0/24")).toContain("proto keepalived");

  // Stop: everything vigil set goes; the operator's route stays.
  r1.signal("SIGTERM");
  expect(await r1.exited()).toBe(0);
  rt = routes(lab, "r1");
  ru = rules(lab, "r1");
  expect(rt).not.toContain("proto keepalived");
  expect(line(rt, "10.99.91.0/24")).toBe("10.99.91.0/24 via 10.99.0.1 dev eth0 ");
  expect(ru).not.toContain("lookup 100");
  expect(ru).not.toContain("lookup 101");
  expect(addrs(lab, "r1")).not.toContain("10.99.5.1/32");
});

test("after a SIGKILL, the next start keeps what is still configured and removes what is not; its stop removes the rest", async () => {
  lab = createLab({ nodes: ["r1"] });
  const first = startVigil(lab, "r1", statics(true) + instance(100));
  nodes.push(first);
  await first.waitState("master");
  expect(routes(lab, "r1")).toContain("blackhole 10.99.92.0/24 proto keepalived");
  expect(rules(lab, "r1")).toContain("300:\tfrom 10.99.0.100 lookup 102");
  first.signal("SIGKILL");
  await first.exited();
  // What a SIGKILLed run leaves: all of it, still in the kernel.
  expect(routes(lab, "r1")).toContain("blackhole 10.99.92.0/24 proto keepalived");
  expect(rules(lab, "r1")).toContain("16384:\tfrom 10.99.5.0/24 lookup 100");

  // Restart with the same journal and without the blackhole static route.
  const second = startVigil(lab, "r1", statics(false) + instance(100), { stateDir: first.stateDir });
  nodes.push(second);
  await second.waitState("master");
  const rt = routes(lab, "r1");
  const ru = rules(lab, "r1");
  expect(rt).not.toContain("10.99.92.0/24");
  expect(line(rt, "10.99.90.0/24")).toBe("10.99.90.0/24 via 10.99.0.254 dev eth0 proto keepalived ");
  // One copy of each rule, not two (keepalived deletes the static rules before adding them).
  expect(ru.split("\n").filter((l) => l.includes("from 10.99.5.0/24 lookup 100"))).toHaveLength(1);
  expect(ru.split("\n").filter((l) => l.includes("from 10.99.0.100 lookup 102"))).toHaveLength(1);
  expect(addrs(lab, "r1")).toContain("10.99.5.1/32");

  second.signal("SIGTERM");
  expect(await second.exited()).toBe(0);
  expect(routes(lab, "r1")).not.toContain("proto keepalived");
  const after = rules(lab, "r1");
  for (const t of ["lookup 100", "lookup 101", "lookup 102", "fwmark 0x7"]) expect(after).not.toContain(t);
  expect(addrs(lab, "r1")).not.toContain("10.99.5.1/32");
});
