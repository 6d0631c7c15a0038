// convert: model → TOML; loading the TOML back gives the same model (positions aside).
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { load, REPO, roundTrip, SAMPLES_DIR, seedConfigs } from "./helpers.ts";

describe("convert", () => {
  test("the seed's first router converts to the short TOML of the README", () => {
    const text = roundTrip(load(seedConfigs()[0]!, "/seed/r1.conf"));
    expect(text).toBe(`# vigil configuration, converted by 'vigil convert' from /seed/r1.conf (keepalived).

[global]
http = "127.0.0.1:9650"  # /health /status /metrics; "" disables

[[instance]]
name = "VI_1"
interface = "eth0"
virtual_router_id = 51
priority = 255
advert_int = 1
version = 2
virtual_ipaddress = ["192.168.0.254/24"]
`);
  });

  test("the seed's second router round-trips", () => {
    expect(roundTrip(load(seedConfigs()[1]!, "/seed/r2.conf"))).toContain("priority = 254\n");
  });

  test("skipped sections and unsupported keywords become comments", () => {
    const r = load(
      `global_defs {\n smtp_server 10.0.0.1\n}\nvirtual_server 10.0.0.9 80 {\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n smtp_alert\n promote_secondaries\n virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n`,
    );
    const text = roundTrip(r);
    expect(text).toContain("# Not carried over, or to review (from the source file):\n");
    expect(text).toContain("#   line 2: SMTP settings skipped (smtp_server): vigil sends no mail; use notify scripts\n");
    expect(text).toContain("#   line 4: section 'virtual_server 10.0.0.9 80' skipped: LVS is not part of vigil\n");
    expect(text).toContain("#   line 9: vrrp_instance VI_1: 'smtp_alert' is read but not acted on by vigil yet\n");
    expect(text).toContain("#   line 10: vrrp_instance VI_1: 'promote_secondaries' is not supported by vigil; ignored\n");
  });

  test("vrrp_strict survives keepalived → TOML → model", () => {
    roundTrip(
      load(
        `global_defs {\n  vrrp_strict\n}\nvrrp_instance S {\n  interface eth0\n  virtual_router_id 12\n  version 3\n  virtual_ipaddress {\n    10.0.0.12/24\n  }\n}\n`,
        "/k.conf",
      ),
    );
  });

  test("every model field survives keepalived → TOML → model", () => {
    // No vrrp_strict here: it refuses unicast peers, as keepalived does (round trip of it below).
    roundTrip(load(`global_defs {
  router_id edge-1
  vrrp_rt_priority 50
  vrrp_no_swap
  script_user vigil
  enable_script_security
}
vrrp_script chk { 
  script "/usr/bin/check 'a b' \\"c\\""
  interval 0.5
  timeout 3
  weight -10
  rise 2
  fall 4
  user nobody
}
track_file tf {
  file /run/prio
  weight 3
}
vrrp_instance A {
  state MASTER
  interface eth0
  virtual_router_id 10
  priority 255
  advert_int 3
  preempt_delay 2.5
  nopreempt
  authentication {
    auth_type PASS
    auth_pass abc
  }
  unicast_src_ip 10.0.0.1
  unicast_peer {
    10.0.0.2
  }
  virtual_ipaddress {
    10.0.0.100/24 brd 10.0.0.255 dev eth0 scope link label eth0:x
  }
  virtual_ipaddress_excluded {
    2001:db8::100/64
  }
  virtual_routes {
    10.8.0.0/16 src 10.0.0.100 via 10.0.0.254 dev eth0 metric 7 table 5
  }
  track_interface {
    eth1 weight -5
    eth2
  }
  track_script {
    chk weight 4
  }
  track_file {
    tf
  }
  notify "/bin/notify any"
  notify_master /bin/m
  notify_backup /bin/b
  notify_fault /bin/f
  notify_stop /bin/s
  garp_master_delay 7
  garp_master_repeat 2
  garp_master_refresh 30
  garp_master_refresh_repeat 3
  no_accept
  use_vmac
  vmac_xmit_base
  dont_track_primary
  mcast_src_ip 10.0.0.1
}
vrrp_instance B {
  interface eth0
  virtual_router_id 11
  version 3
  advert_int 0.07
  v3_checksum_as_v2
  virtual_ipaddress {
    fe80::11/64
    2001:db8::11/64
  }
}
vrrp_sync_group G {
  group {
    A
    B
  }
  notify_master "/bin/gm x"
  notify "/bin/g"
}
`));
  });

  test("the packaged examples round-trip", () => {
    for (const f of ["keepalived-full.conf", "vigil.toml", "seed-r1.conf", "seed-r2.conf"]) roundTrip(loadConfig(join(REPO, "packaging/examples", f)));
  });

  test("every keepalived sample that loads round-trips", () => {
    if (!existsSync(SAMPLES_DIR)) throw new Error(`${SAMPLES_DIR} is missing: apt-get install keepalived`);
    let converted = 0;
    for (const f of readdirSync(SAMPLES_DIR)) {
      const r = loadConfig(join(SAMPLES_DIR, f), { configId: "high" });
      if (!r.ok) continue;
      roundTrip(r);
      converted++;
    }
    expect(converted).toBe(26); // 12 with instances (lvs_syncd too); 14 LVS-only files and scripts load idle (no vrrp_instance), as keepalived
  });
});
