// Every route and rule option keepalived 2.2.7 accepts, installed by keepalived and then by vigil
// from the same keepalived.conf in the same namespace: `ip -d route show table all` and `ip -d rule`
// must read the same (route types unicast, multicast, throw, and local, which the kernel refuses to
// both; scope, protocol, tos, realms, metrics and their locks, congctl, features,
// pref, expires, onlink, append, multipath onlink/realms; rule tos, realms, goto, nop, l3mdev,
// uidrange, ipproto, sport/dport, suppress_*, protocol with no_track, proto keepalived). Each run
// must also leave nothing behind when it stops.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";
import { cleanupKeepalived, type KeepalivedNode, startKeepalived } from "../interop/keepalived-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];
let kas: KeepalivedNode[] = [];
afterEach(async () => {
  await cleanupKeepalived(kas);
  kas = [];
  [lab, nodes] = await tearDown(lab, nodes);
});

// Lines keepalived warns about and changes (rtt 100ms → 200ms, a protocol without no_track → 18,
// `dport 80` dropped) are in too: vigil must change them the same way.
export const OPTIONS_CONF = `static_routes {
  10.99.50.0/24 dev eth0 table 6909 tos 0x04 scope link metric 12 mtu 1000 hoplimit 100 advmss 101 rtt 2s rttvar 300ms reordering 104 window 105 cwnd 106 ssthresh lock 107 realms 3/20 rto_min 400 initcwnd 109 initrwnd 110 features ecn quickack 1 congctl reno
  10.99.51.0/24 via 10.99.0.2 realms 7 protocol 99 no_track
  2001:db8:50::/64 dev eth0 table 6909 pref high fastopen_no_cookie 1
  10.99.52.0/24 table 6909 nexthop via 10.99.0.2 dev eth0 onlink weight 1 nexthop via 10.99.0.3 dev eth0 onlink weight 2 realms 5
  10.99.53.0/24 via 10.99.7.9 dev eth0 onlink scope global
  10.99.54.0/24 dev eth0 rtt 100ms rttvar 80
  unicast 10.99.56.0/24 via 10.99.0.2
  multicast 224.99.56.0/24 dev eth0 table 6909
  throw 10.99.59.0/24 table 6909
  local 10.99.59.1/32 dev eth0 table 6909
  10.99.55.0/24 dev eth0 mtu lock 1300 cwnd lock 3 rtt lock 1s
  10.99.57.0/24 dev eth0 protocol bird
  10.99.58.0/24 dev eth0 congctl lock cubic scope 200
}
static_rules {
  from 10.99.28.0/24 to 10.99.29.0/26 table 100 iif eth0 oif eth0 tos 0x10 fwmark 24/12 preference 39 realms 30/20
  from 10.99.30.0/24 preference 38 goto 39
  to 2001:db8:1::/112 from 2001:db8:2::/96 table 6908 uidrange 10000-19999 preference 41
  to 2001:db8:3::/112 from 2001:db8:4::/96 l3mdev ipproto udp sport 10-20 dport 20-30 preference 42
  from 10.99.31.0/24 table 101 suppress_prefixlength 2 suppress_ifgroup 3 preference 43
  from 10.99.32.0/24 table 102 preference 44 dsfield 8
  from 10.99.33.0/24 preference 45 nop
  from 10.99.34.0/24 preference 46 table 100 protocol 12 no_track
  from 10.99.35.0/24 preference 47 table 100 no_track
  from 10.99.36.0/24 preference 48 table 100 dport 80
  from 10.99.37.0/24 preference 49 table 100 protocol 12
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 71
  priority 255
  advert_int 1
  virtual_ipaddress {
    10.99.0.100/24
  }
  virtual_routes {
    10.99.60.0/24 dev eth0 scope host tos 8
    10.99.61.0/24 via 10.99.0.2 dev eth0 append
    10.99.61.0/24 via 10.99.0.3 dev eth0 append
    2001:db8:61::/64 dev eth0 expires 300
  }
  virtual_rules {
    from 10.99.0.100 preference 300 table 102 ipproto tcp
    fwmark 7 preference 301 blackhole
  }
}
`;

/** Our routes (10.99.5x/6x, 224.99.x, 2001:db8:5x/6x), multipath hops joined to their route; expiry counts down. */
function ourRoutes(l: Lab): string[] {
  const text = ["-4", "-6"].map((f) => l.exec("r1", ["ip", f, "-d", "route", "show", "table", "all"]).stdout).join("\n");
  return text
    .replace(/\n\s+nexthop/g, " nexthop")
    .split("\n")
    .filter((x) => /10\.99\.[56]\d\.|224\.99\.|2001:db8:[56]\d:/.test(x))
    .map((x) => x.replace(/expires \d+sec/, "expires Nsec").trim())
    .sort();
}

function ourRules(l: Lab): string[] {
  const text = ["-4", "-6"].map((f) => l.exec("r1", ["ip", f, "-d", "rule"]).stdout).join("\n");
  return text.split("\n").filter((x) => x.trim() !== "" && !x.includes("proto kernel")).map((x) => x.trim()).sort();
}

test("vigil installs what keepalived 2.2.7 installs for every route and rule option, and removes it at stop", async () => {
  lab = createLab({ nodes: ["r1"], ipv6: true });

  const ka = startKeepalived(lab, "r1", OPTIONS_CONF);
  kas.push(ka);
  await ka.waitState("master");
  // The virtual routes follow Master; wait until the last of them (and the rules) is in.
  let kaRoutes: string[] = [];
  let kaRules: string[] = [];
  for (let i = 0; i < 200; i++) {
    kaRoutes = ourRoutes(lab);
    kaRules = ourRules(lab);
    if (kaRoutes.some((x) => x.includes("2001:db8:61::")) && kaRules.length >= 13) break;
    await Bun.sleep(20);
  }
  expect(await ka.stop()).toBe(0);
  expect(ourRules(lab)).toEqual([]);
  expect(ourRoutes(lab)).toEqual([]);
  // keepalived's view, the reference: every line is there.
  expect(kaRoutes.length).toBe(16); // the local route is refused by the kernel (EINVAL), to keepalived as to vigil
  expect(kaRules.length).toBe(13);

  const v = startVigil(lab, "r1", OPTIONS_CONF, { flavour: "source" });
  nodes.push(v);
  await v.waitState("master");
  let vRoutes: string[] = [];
  for (let i = 0; i < 200 && vRoutes.length < kaRoutes.length; i++) {
    vRoutes = ourRoutes(lab);
    await Bun.sleep(20);
  }
  expect(vRoutes).toEqual(kaRoutes);
  expect(ourRules(lab)).toEqual(kaRules);

  v.signal("SIGTERM");
  expect(await v.exited()).toBe(0);
  expect(ourRules(lab)).toEqual([]);
  expect(ourRoutes(lab)).toEqual([]);
});
