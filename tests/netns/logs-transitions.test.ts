// What vigil writes to its log on a real kernel (VRRPv3 pair at 100 ms), through link loss, preempt
// and SIGKILL failover: one line per state transition carrying its reason, in text (default) and
// with --log-format json one JSON object per line — every line, whatever produced it.
import { afterEach, expect, test } from "bun:test";
import { createLab, type Lab } from "./lab.ts";
import { parseMetrics, sum, v3Conf } from "./scenario-kit.ts";
import { startVigil, tearDown, type VigilNode } from "./vigil-node.ts";

let lab: Lab | undefined;
let nodes: VigilNode[] = [];

afterEach(async () => ([lab, nodes] = await tearDown(lab, nodes)));

const VIP = "10.99.0.100/24";
const conf = (priority: number) => v3Conf({ priority, vips: [VIP], advertInt: 0.1 });
type Step = [from: string, to: string, reason: string];

// r1 (200): elected; loses its cable (Fault); cable back: Backup, then takes over again (preempt).
const R1: Step[] = [
  ["init", "backup", "startup"],
  ["backup", "master", "master-down-timeout"],
  ["master", "fault", "link-down"],
  ["fault", "backup", "link-up"],
  ["backup", "master", "preempt"],
];
// r2 (100): takes over while r1's link is down, yields when it is back, takes over after SIGKILL.
const R2: Step[] = [
  ["init", "backup", "startup"],
  ["backup", "master", "master-down-timeout"],
  ["master", "backup", "higher-priority-advert"],
  ["backup", "master", "master-down-timeout"],
];

function transitionsTotal(l: Lab, node: string): number {
  return sum(parseMetrics(l.exec(node, ["curl", "-sS", "--max-time", "5", "http://127.0.0.1:9650/metrics"]).stdout), "vigil_vrrp_transitions_total");
}

/** Waits until `extract` finds `n` transitions in the node's log (a pipe: lines may trail /status). */
async function logged(v: VigilNode, extract: (log: string) => Step[], n: number): Promise<Step[]> {
  const deadline = performance.now() + 5000;
  while (extract(v.log()).length < n && performance.now() < deadline) await Bun.sleep(50);
  await Bun.sleep(300); // and nothing more (a duplicate line would show up by now)
  return extract(v.log());
}

/** The scenario: both nodes see every transition of R1 / R2; returns before SIGKILL-ing r1 at the end. */
async function scenario(extraArgs: string[], between?: (r1: VigilNode) => Promise<void>): Promise<[VigilNode, VigilNode]> {
  lab = createLab({ nodes: ["r1", "r2", "c"], prefix: "vgl" });
  const r1 = startVigil(lab, "r1", conf(200), { extraArgs });
  nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(lab, "r2", conf(100), { extraArgs });
  nodes.push(r2);
  await r2.waitState("backup");
  lab.linkDown("r1");
  await r1.waitState("fault", { timeoutMs: 5000 });
  await r2.waitState("master", { timeoutMs: 5000 });
  lab.linkUp("r1");
  await r1.waitState("master", { timeoutMs: 5000 });
  await r2.waitState("backup", { timeoutMs: 5000 });
  await between?.(r1);
  return [r1, r2];
}

async function killR1(r1: VigilNode, r2: VigilNode): Promise<void> {
  r1.signal("SIGKILL");
  await r1.exited();
  await r2.waitState("master", { timeoutMs: 5000 });
}

const TEXT_LINE = /^(\S+) (INFO |WARN ) VI_1: (\S+) -> (\S+) instance=VI_1 from=(\S+) to=(\S+) reason=(\S+) priority=(\d+)$/;

function textTransitions(log: string): Step[] {
  return log
    .split("\n")
    .filter((l) => l.includes(" -> "))
    .map((l) => {
      const m = TEXT_LINE.exec(l);
      if (!m) throw new Error(`transition line not in the expected form: ${l}`);
      expect(m[3]).toBe(m[5]!);
      expect(m[4]).toBe(m[6]!);
      expect(m[2]!.trim()).toBe(m[4] === "fault" ? "WARN" : "INFO");
      expect(Number.isNaN(Date.parse(m[1]!))).toBe(false);
      return [m[5]!, m[6]!, m[7]!] as Step;
    });
}

interface JsonLine {
  time: string;
  level: string;
  msg: string;
  [k: string]: unknown;
}

/** Every line must be one JSON object with time, level and msg; throws naming the first that is not. */
function jsonLines(log: string): JsonLine[] {
  return log
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      let o: JsonLine;
      try {
        o = JSON.parse(l);
      } catch {
        throw new Error(`not a JSON line in --log-format json output: ${l}`);
      }
      if (typeof o !== "object" || o === null || Array.isArray(o)) throw new Error(`not a JSON object: ${l}`);
      expect(typeof o.time === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(o.time)).toBe(true);
      expect(["debug", "info", "warn", "error"]).toContain(o.level);
      expect(typeof o.msg).toBe("string");
      return o;
    });
}

function jsonTransitions(log: string): Step[] {
  return jsonLines(log)
    .filter((o) => "from" in o || "to" in o || / -> /.test(o.msg))
    .map((o) => {
      expect(Object.keys(o)).toEqual(expect.arrayContaining(["time", "level", "msg", "instance", "from", "to", "reason"]));
      expect(o.instance).toBe("VI_1");
      expect(o.msg).toBe(`VI_1: ${o.from} -> ${o.to}`);
      expect(o.level).toBe(o.to === "fault" ? "warn" : "info");
      return [o.from, o.to, o.reason] as Step;
    });
}

test("text log: exactly one line per transition, each with its reason (link loss, preempt, SIGKILL failover)", async () => {
  const [r1, r2] = await scenario([]);
  expect(await logged(r1, textTransitions, R1.length)).toEqual(R1);
  expect(transitionsTotal(lab!, "r1")).toBe(R1.length);
  await killR1(r1, r2);
  expect(await logged(r2, textTransitions, R2.length)).toEqual(R2);
  expect(transitionsTotal(lab!, "r2")).toBe(R2.length);
}, 40_000);

test("--log-format json: every line is a JSON object; transitions carry time, level, msg, instance, from, to, reason", async () => {
  const [r1, r2] = await scenario(["--log-format", "json"], async (r1) => {
    // A refused reload is logged too, as JSON, with the file:line:col of the error.
    // An instance without an interface: keepalived refuses it too ("Unknown interface!").
    r1.rewriteConfig(conf(200).replace(/^ {4}interface eth0\n/m, ""));
    r1.signal("SIGHUP");
    const deadline = performance.now() + 5000;
    while (!r1.log().includes("reload refused") && performance.now() < deadline) await Bun.sleep(50);
  });
  expect(await logged(r1, jsonTransitions, R1.length)).toEqual(R1);
  const refused = jsonLines(r1.log()).filter((o) => o.msg.startsWith("reload refused: "));
  expect(refused).toHaveLength(1);
  expect(refused[0]!.level).toBe("error");
  expect(refused[0]!.msg).toMatch(new RegExp(`^reload refused: ${r1.dir}/vigil\\.conf:\\d+:\\d+: vrrp_instance VI_1: missing interface`));
  expect(jsonLines(r1.log()).map((o) => o.msg)).toEqual(expect.arrayContaining(["vigil started", "SIGHUP: reloading"]));
  await killR1(r1, r2);
  expect(await logged(r2, jsonTransitions, R2.length)).toEqual(R2);
  // A clean stop is JSON to the last line as well.
  r2.signal("SIGTERM");
  expect(await r2.exited()).toBe(0);
  const msgs = jsonLines(r2.log()).map((o) => o.msg);
  expect(msgs.at(-1)).toBe("vigil stopped");
}, 40_000);

test("--log-format json: config warnings (at start and on SIGHUP) are JSON lines too", async () => {
  lab = createLab({ nodes: ["r1"], prefix: "vgl" });
  // A stock keepalived.conf header: vigil reads it and warns that it sends no mail.
  const text = `global_defs {\n    notification_email {\n        ops@example.com\n    }\n    smtp_server 192.0.2.25\n}\n${conf(200)}`;
  const r1 = startVigil(lab, "r1", text, { extraArgs: ["--log-format", "json"] });
  nodes.push(r1);
  await r1.waitState("master");
  r1.signal("SIGHUP");
  const deadline = performance.now() + 5000;
  while (!r1.log().includes("configuration reloaded") && performance.now() < deadline) await Bun.sleep(50);
  await Bun.sleep(200);
  const lines = jsonLines(r1.log()); // throws on the first line that is not JSON
  const warnings = lines.filter((o) => o.level === "warn" && /SMTP settings skipped/.test(o.msg));
  expect(warnings.length).toBeGreaterThanOrEqual(1);
  expect(warnings[0]!.msg).toContain(`${r1.dir}/vigil.conf:2:5`);
}, 30_000);
