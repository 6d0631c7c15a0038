// vrrp_track_process and an instance's track_process, read as keepalived's vrrp_tprocess_* handlers
// do, written to TOML and back to keepalived.conf without loss.
import { describe, expect, test } from "bun:test";
import { toToml } from "../../src/config/convert.ts";
import { toKeepalived } from "../../src/config/convert-keepalived.ts";
import { QUORUM_MAX_UNLIMITED, type VigilConfig } from "../../src/config/schema.ts";
import { load, ok, stripPositions } from "./helpers.ts";

const inst = (track: string) =>
  `vrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  10.0.0.1/24\n }\n track_process {\n${track}\n }\n}\n`;

const CONF = `vrrp_track_process haproxy {
    process haproxy
    weight -20
    quorum 2
    quorum_max 4
    delay 1.5
}
vrrp_track_process nginx {
    process /usr/sbin/nginx -g "daemon off;"
    param_match partial
    weight 10 reverse
    terminate_delay 2
    fork_delay 0.25
}
vrrp_track_process none {
    process sshd
    quorum_max 0
}
vrrp_track_process cmd {
    process /usr/bin/python3
    full_command
}
vrrp_track_process bare {
    process /usr/bin/socat
    param_match
}
${inst("  haproxy\n  nginx weight 30\n  none weight -5 reverse\n  cmd\n  bare")}`;

/** keepalived.conf → TOML → model, and model → keepalived.conf → model: the first model both ways. */
function roundTrip(first: VigilConfig): { toml: string; conf: string } {
  const toml = toToml(first);
  expect(stripPositions(ok(load(toml, "/c/vigil.toml")))).toStrictEqual(stripPositions(first));
  const conf = toKeepalived(ok(load(toml, "/c/vigil.toml")));
  expect(stripPositions(ok(load(conf, "/c/keepalived.conf")))).toStrictEqual(stripPositions(first));
  return { toml, conf };
}

describe("vrrp_track_process", () => {
  test("read as keepalived: parameters imply exact matching and full_command; delay sets both delays; quorum_max 0 means quorum 0", () => {
    const r = load(CONF);
    const c = ok(r);
    expect(r.warnings).toEqual([]);
    const by = new Map(stripPositions(c).trackProcesses!.map((t) => [t.name, t]));
    expect(by.get("haproxy")).toEqual({
      name: "haproxy",
      process: "haproxy",
      params: [],
      paramMatch: "none",
      fullCommand: false,
      weight: -20,
      reverse: false,
      quorum: 2,
      quorumMax: 4,
      forkDelayMs: 1500,
      terminateDelayMs: 1500,
    } as never);
    expect(by.get("nginx")).toMatchObject({
      process: "/usr/sbin/nginx",
      params: ["-g", "daemon off;"],
      paramMatch: "partial",
      fullCommand: true,
      weight: 10,
      reverse: true,
      terminateDelayMs: 2000,
      forkDelayMs: 250,
    });
    expect(by.get("none")).toMatchObject({ quorum: 0, quorumMax: 0 });
    expect(by.get("cmd")).toMatchObject({ paramMatch: "none", fullCommand: true, quorumMax: QUORUM_MAX_UNLIMITED });
    expect(by.get("bare")).toMatchObject({ paramMatch: "exact", fullCommand: true, params: [] });
    expect(stripPositions(c.instances[0]!.trackProcesses)).toEqual(
      [{ name: "haproxy" }, { name: "nginx", weight: 30 }, { name: "none", weight: -5, reverse: true }, { name: "cmd" }, {
        name: "bare",
      }] as never,
    );
  });

  test("keepalived.conf → TOML → keepalived.conf keeps every setting, in keepalived's own lines", () => {
    const { toml, conf } = roundTrip(ok(load(CONF)));
    expect(toml).toContain(
      '[[vrrp_track_process]]\nname = "nginx"\nprocess = "/usr/sbin/nginx"\nparams = ["-g", "daemon off;"]\nparam_match = "partial"\nweight = 10\nreverse = true\n',
    );
    expect(toml).toContain('name = "bare"\nprocess = "/usr/bin/socat"\nparam_match = true\n');
    expect(toml).toContain('track_process = [\n  "haproxy",\n  "nginx weight 30",\n  "none weight -5 reverse",\n');
    expect(conf).toContain(
      '    process /usr/sbin/nginx -g "daemon off;"\n    param_match partial\n    weight 10 reverse\n    terminate_delay 2\n    fork_delay 0.25\n',
    );
    expect(conf).toContain("    process haproxy\n    weight -20\n    quorum 2\n    quorum_max 4\n    delay 1.5\n");
    expect(conf).toContain("    process /usr/bin/socat\n    param_match\n");
    expect(conf).toContain("    process /usr/bin/python3\n    full_command\n");
  });

  test("TOML by hand: table items, param_match names, the same model as keepalived.conf", () => {
    const toml =
      `[[vrrp_track_process]]\nname = "nginx"\nprocess = "/usr/sbin/nginx"\nparams = ["-g", "daemon off;"]\nparam_match = "partial"\nweight = 10\nreverse = true\nterminate_delay = 2\nfork_delay = 0.25\n\n` +
      `[[instance]]\nname = "A"\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = ["10.0.0.1/24"]\ntrack_process = [{ name = "nginx", weight = 30, reverse = false }]\n`;
    const c = ok(load(toml, "/v.toml"));
    expect(stripPositions(c.trackProcesses![0])).toMatchObject({ params: ["-g", "daemon off;"], paramMatch: "partial", reverse: true, forkDelayMs: 250 });
    expect(stripPositions(c.instances[0]!.trackProcesses)).toEqual([{ name: "nginx", weight: 30 }] as never);
    roundTrip(c);
  });

  test("keepalived's refusals: no process (block dropped, its references warned), bad param_match, quorum above quorum_max, out-of-range delay", () => {
    const r = load(
      `vrrp_track_process p {\n weight 5\n}\nvrrp_track_process q {\n process q\n param_match fuzzy\n quorum 5\n quorum_max 2\n delay 7200\n}\n${
        inst("  p\n  q")
      }`,
    );
    const c = ok(r);
    expect(c.trackProcesses!.map((t) => t.name)).toEqual(["q"]);
    expect(stripPositions(c.trackProcesses![0])).toMatchObject({ paramMatch: "none", quorum: 5, quorumMax: QUORUM_MAX_UNLIMITED, forkDelayMs: 0 });
    expect(c.instances[0]!.trackProcesses!.map((t) => t.name)).toEqual(["q"]);
    const msgs = r.warnings.map((w) => `${w.pos.line}: ${w.message}`);
    expect(msgs).toEqual([
      "1: vrrp_track_process p: process name not specified; the block is dropped (as keepalived)",
      "6: vrrp_track_process q: invalid param_match type 'fuzzy' (bare, initial or partial); ignored (as keepalived)",
      "8: vrrp_track_process q: quorum 5 is greater than quorum_max 2; quorum_max ignored (as keepalived)",
      "9: delay 7200 must be between 0.000001 and 3600; ignored (as keepalived)",
      "19: track_process 'p' in vrrp_instance A: no vrrp_track_process with that name; ignored (as keepalived); did you mean q?",
    ]);
  });

  test("vigil check --strict: a keepalived fallback is an error; TOML refuses it outright", () => {
    const strict = load(`vrrp_track_process p {\n process p\n quorum 0\n}\n${inst("  p")}`, "/k.conf", { strict: true });
    expect(strict.ok).toBe(false);
    const toml = load(`[[vrrp_track_process]]\nname = "p"\nquorum = 0\nprocess = "p"\n`, "/v.toml");
    expect(toml.ok).toBe(false);
  });
});
