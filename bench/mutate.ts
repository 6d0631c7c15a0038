// Mutation score of the fast pure tests: apply one hand-written mutant at a time to src/protocol,
// src/config or src/runtime, run only the test files that cover that layer, restore, and report
// which mutants the tests killed. Everything happens in a private copy of the repository (HEAD by
// default), so the checkout other people work in is never touched.
//
//   bun bench/mutate.ts                 # every mutant, copy of HEAD
//   bun bench/mutate.ts --worktree      # copy of the working tree (uncommitted changes included)
//   bun bench/mutate.ts --only fold,unicast   # mutants whose id contains one of these
//   bun bench/mutate.ts --check         # only verify that every mutant still applies
//
// A mutant whose `find` text no longer occurs exactly once is "stale" (the source moved on): it is
// listed, and not counted in the score. A test run that exceeds RUN_LIMIT_MS counts as killed (a
// mutant that makes the code loop forever is caught, just not by an assertion). Tests that already
// fail without any mutant are recorded first and do not count as kills.

import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

interface Mutant {
  id: string;
  file: string;
  find: string;
  replace: string;
  tests: readonly string[];
  /** Why it matters, for the listing. */
  what: string;
}

const PROTOCOL = ["tests/protocol"];
const CONFIG = ["tests/config", "tests/contract/layers.test.ts"];
const RUNTIME = ["tests/runtime", "tests/contract/unicast-peers.test.ts", "tests/contract/layers.test.ts", "tests/contract/fake.contract.test.ts"];
const RUN_LIMIT_MS = 120_000;

const m = (id: string, file: string, find: string, replace: string, tests: readonly string[], what: string): Mutant => ({
  id,
  file,
  find,
  replace,
  tests,
  what,
});
const P = "src/protocol/";
const K = "src/config/";
const R = "src/runtime/";

export const MUTANTS: Mutant[] = [
  // ---- the four known ones -------------------------------------------------------------------
  m(
    "known-checksum-fold-once",
    P + "checksum.ts",
    "  while (s > 0xffff) s = (s & 0xffff)",
    "  if (s > 0xffff) s = (s & 0xffff)",
    PROTOCOL,
    "end-around carry folded once",
  ),
  m(
    "known-lexer-pop-removed",
    K + "keepalived-lexer.ts",
    "      i = this.lexLine(lines, i, line, file);\n    }\n    this.openFiles.pop();",
    "      i = this.lexLine(lines, i, line, file);\n    }",
    CONFIG,
    "include file stack never popped",
  ),
  m(
    "known-includer-missing-fatal",
    K + "keepalived-include.ts",
    "includer: { readable: true, missing: false,",
    "includer: { readable: true, missing: true,",
    CONFIG,
    "includer: a missing file becomes fatal",
  ),
  m(
    "known-unicast-unknown-peer",
    R + "receive.ts",
    'if (inst.cfg.unicastPeers.length > 0 && !inst.cfg.unicastPeers.includes(d.src)) return this.drop(inst.labels, "unknown-peer", d);',
    "",
    RUNTIME,
    "unicast unknown-peer filter removed",
  ),

  // ---- protocol: checksum ----------------------------------------------------------------------
  m(
    "checksum-odd-byte-low",
    P + "checksum.ts",
    "if (i < end && i !== skipAt) sum += (data[i] ?? 0) << 8;",
    "if (i < end && i !== skipAt) sum += data[i] ?? 0;",
    PROTOCOL,
    "odd last byte summed as the low byte",
  ),
  m("checksum-no-skip", P + "checksum.ts", "    if (i === skipAt) continue;\n", "", PROTOCOL, "checksum field summed"),
  m(
    "checksum-proto-v4",
    P + "checksum.ts",
    "return sum + VRRP_PROTOCOL + (vrrpLengthBytes & 0xffff);",
    "return sum + (vrrpLengthBytes & 0xffff);",
    PROTOCOL,
    "IPv4 pseudo-header without protocol 112",
  ),
  m(
    "checksum-len-v6",
    P + "checksum.ts",
    "Math.floor(vrrpLengthBytes / 0x10000) + (vrrpLengthBytes & 0xffff) + VRRP_PROTOCOL",
    "Math.floor(vrrpLengthBytes / 0x10000) + VRRP_PROTOCOL",
    PROTOCOL,
    "IPv6 pseudo-header without the length",
  ),
  m(
    "checksum-group-dst",
    P + "checksum.ts",
    "new Uint8Array([224, 0, 0, 18])",
    "new Uint8Array([224, 0, 0, 19])",
    PROTOCOL,
    "old keepalived unicast form with the wrong group",
  ),
  m(
    "checksum-accept-order",
    P + "checksum.ts",
    '["pseudo-header", "vrrp-only", "group-pseudo-header"]',
    '["vrrp-only", "pseudo-header", "group-pseudo-header"]',
    PROTOCOL,
    "v3/IPv4 forms tried in the other order",
  ),
  m(
    "checksum-v6-vrrp-only",
    P + "checksum.ts",
    'return family === 6 ? ["pseudo-header"] :',
    'return family === 6 ? ["pseudo-header", "vrrp-only"] :',
    PROTOCOL,
    "IPv6 accepts a checksum without pseudo-header",
  ),
  m(
    "checksum-verify-ffff",
    P + "checksum.ts",
    "if (foldSum(onesComplementSum(msg, pseudoSum(form, ctx, msg.length))) === 0xffff) return form;",
    "if (foldSum(onesComplementSum(msg, pseudoSum(form, ctx, msg.length))) !== 0) return form;",
    PROTOCOL,
    "verification accepts anything non-zero",
  ),

  // ---- protocol: packet ------------------------------------------------------------------------
  m("packet-ttl", P + "packet.ts", "if (ctx.ttl !== TTL_REQUIRED) return", "if (ctx.ttl < 1) return", PROTOCOL, "TTL 255 not required"),
  m(
    "packet-short",
    P + "packet.ts",
    'if (bytes.length < length) return { ok: false, reason: "short" };',
    'if (bytes.length < length - 1) return { ok: false, reason: "short" };',
    PROTOCOL,
    "truncated message accepted",
  ),
  m("packet-type", P + "packet.ts", 'if ((b0 & 0x0f) !== TYPE_ADVERTISEMENT) return { ok: false, reason: "bad-type" };', "", PROTOCOL, "type not checked"),
  m(
    "packet-v2-on-v6",
    P + "packet.ts",
    'if (version === 2 && ctx.family === 6) return { ok: false, reason: "bad-version" };',
    "",
    PROTOCOL,
    "v2 over IPv6 accepted",
  ),
  m("packet-vrid-zero", P + "packet.ts", 'if (vrid === 0) return { ok: false, reason: "bad-vrid" };', "", PROTOCOL, "VRID 0 accepted"),
  m("packet-count-zero", P + "packet.ts", 'if (count === 0) return { ok: false, reason: "bad-address-count" };', "", PROTOCOL, "no addresses accepted"),
  m(
    "packet-interval-mask",
    P + "packet.ts",
    "version === 3 ? (((bytes[4] ?? 0) & 0x0f) << 8)",
    "version === 3 ? (((bytes[4] ?? 0) & 0xff) << 8)",
    PROTOCOL,
    "reserved bits read into the interval",
  ),
  m(
    "packet-interval-zero",
    P + "packet.ts",
    'if (maxAdvertIntervalCs === 0) return { ok: false, reason: "bad-interval" };',
    "",
    PROTOCOL,
    "interval 0 accepted",
  ),
  m(
    "packet-encode-interval-hi",
    P + "packet.ts",
    "msg[4] = (o.advertIntervalCs >> 8) & 0x0f;",
    "msg[4] = (o.advertIntervalCs >> 4) & 0x0f;",
    PROTOCOL,
    "interval high bits encoded wrong",
  ),
  m(
    "packet-encode-count",
    P + "packet.ts",
    "msg[3] = o.addresses.length; // §5.2.5",
    "msg[3] = o.addresses.length - 1; // §5.2.5",
    PROTOCOL,
    "address count off by one",
  ),
  m(
    "packet-authtype",
    P + "packet.ts",
    "authType: version === 2 ? (bytes[4] ?? 0) : 0,",
    "authType: version === 2 ? (bytes[5] ?? 0) : 0,",
    PROTOCOL,
    "auth type read from the wrong byte",
  ),

  // ---- protocol: validate, auth, timers, fsm ---------------------------------------------------
  m("validate-version", P + "validate.ts", 'if (packet.version !== inst.version) return "bad-version";', "", PROTOCOL, "version mismatch accepted"),
  m(
    "validate-v2-interval",
    P + "validate.ts",
    'if (packet.maxAdvertIntervalCs !== inst.advertIntervalCs) return "interval-mismatch";',
    "",
    PROTOCOL,
    "v2 interval mismatch accepted",
  ),
  m("validate-auth-type", P + "validate.ts", 'if (packet.authType !== wantType) return "bad-auth";', "", PROTOCOL, "auth type not compared"),
  m("auth-compare", P + "auth.ts", "return diff === 0;", "return diff !== 1;", PROTOCOL, "password comparison broken"),
  m(
    "auth-truncate",
    P + "auth.ts",
    "out.set(utf8Bytes(password).subarray(0, AUTH_PASS_MAX_BYTES));",
    "out.set(utf8Bytes(password).subarray(0, AUTH_PASS_MAX_BYTES - 1));",
    PROTOCOL,
    "password truncated to 7 bytes",
  ),
  m(
    "timers-skew-v3",
    P + "timers.ts",
    "return ((SKEW_DENOMINATOR - clampPriority(priority)) * masterAdvertIntervalCs * MS_PER_CS) / SKEW_DENOMINATOR;",
    "return ((SKEW_DENOMINATOR - 1 - clampPriority(priority)) * masterAdvertIntervalCs * MS_PER_CS) / SKEW_DENOMINATOR;",
    PROTOCOL,
    "v3 skew off by one",
  ),
  m(
    "timers-skew-v2",
    P + "timers.ts",
    "return ((SKEW_DENOMINATOR - clampPriority(priority)) * MS_PER_S) / SKEW_DENOMINATOR;",
    "return ((SKEW_DENOMINATOR - clampPriority(priority)) * MS_PER_S) / (SKEW_DENOMINATOR - 1);",
    PROTOCOL,
    "v2 skew denominator",
  ),
  m(
    "timers-master-down",
    P + "constants.ts",
    "export const MASTER_DOWN_MULTIPLIER = 3;",
    "export const MASTER_DOWN_MULTIPLIER = 2;",
    PROTOCOL,
    "Master_Down = 2 × interval",
  ),
  m(
    "fsm-preempt-ge",
    P + "fsm.ts",
    "if (!s.params.preempt || ev.priority >= s.priority || preemptDelayActive(s, ctx.nowMs)) {",
    "if (!s.params.preempt || ev.priority > s.priority || preemptDelayActive(s, ctx.nowMs)) {",
    PROTOCOL,
    "backup: equal priority no longer accepted",
  ),
  m(
    "fsm-preempt-flag",
    P + "fsm.ts",
    "if (!s.params.preempt || ev.priority >= s.priority || preemptDelayActive(s, ctx.nowMs)) {",
    "if (ev.priority >= s.priority || preemptDelayActive(s, ctx.nowMs)) {",
    PROTOCOL,
    "nopreempt ignored",
  ),
  m(
    "fsm-tiebreak",
    P + "fsm.ts",
    "(ev.priority === s.priority && cmp !== null && cmp > 0)",
    "(ev.priority === s.priority && cmp !== null && cmp < 0)",
    PROTOCOL,
    "address tie-break reversed",
  ),
  m(
    "fsm-resign-skew",
    P + "fsm.ts",
    'armMasterDown(ctx, skewTimeMs(s.params.version, s.priority, s.masterAdvertIntervalCs), "priority-zero-received");',
    'armMasterDown(ctx, masterDownIntervalMs(s.params.version, s.priority, s.masterAdvertIntervalCs), "priority-zero-received");',
    PROTOCOL,
    "priority 0 waits Master_Down instead of Skew",
  ),
  m(
    "fsm-master-zero-reply",
    P + "fsm.ts",
    '    // §6.4.3: priority 0 → send an ADVERTISEMENT, reset Adver_Timer to Advertisement_Interval.\n    ctx.actions.push({ type: "sendAdvert", priority: s.priority });',
    "    // §6.4.3: priority 0 → send an ADVERTISEMENT, reset Adver_Timer to Advertisement_Interval.",
    PROTOCOL,
    "master ignores a priority-0 advert",
  ),
  m(
    "fsm-preempt-delay",
    P + "fsm.ts",
    "nowMs < s.startedAtMs + s.params.preemptDelayMs",
    "nowMs > s.startedAtMs + s.params.preemptDelayMs",
    PROTOCOL,
    "preempt_delay inverted",
  ),
  m("fsm-fault-idempotent", P + "fsm.ts", "  if (s.faults.includes(source)) return;\n", "", PROTOCOL, "the same fault counted twice"),

  // ---- config ----------------------------------------------------------------------------------
  m(
    "config-vrid-range",
    K + "validate-instance.ts",
    'inRange(d.vrid, 1, 255, "virtual_router_id", diags);',
    'inRange(d.vrid, 0, 255, "virtual_router_id", diags);',
    CONFIG,
    "VRID 0 accepted",
  ),
  m(
    "config-missing-interface",
    K + "validate-instance.ts",
    '  if (!d.interface) diags.error(d.pos, `${where}: missing interface (keepalived refuses this too: "Unknown interface!")`);\n  else checkIfName(d.interface, "interface", diags);',
    '  if (d.interface) checkIfName(d.interface, "interface", diags);',
    CONFIG,
    "an instance without interface accepted",
  ),
  m(
    "config-missing-vrid",
    K + "validate-instance.ts",
    "  if (!d.vrid) diags.error(d.pos, `${where}: missing virtual_router_id`);\n  else if",
    "  if",
    CONFIG,
    "an instance without virtual_router_id accepted",
  ),
  m(
    "config-strict-accept",
    K + "validate-instance.ts",
    "return vrrpStrict ? priority === 255 : true;",
    "return vrrpStrict ? priority !== 255 : true;",
    CONFIG,
    "vrrp_strict accept default inverted",
  ),
  m("config-default-priority", K + "validate-instance.ts", "  priority: 100,", "  priority: 101,", CONFIG, "default priority"),
  m(
    "config-nopreempt-owner",
    K + "validate-instance.ts",
    'if (!preempt && (priority === 255 || initialState === "master")) {',
    "if (!preempt && priority === 255) {",
    CONFIG,
    "nopreempt with state MASTER kept",
  ),

  // ---- runtime ---------------------------------------------------------------------------------
  m(
    "receive-own-packet",
    R + "receive.ts",
    'if (candidates.some((i) => i.srcAddress === d.src)) return this.drop(candidates[0]!.labels, "own-packet", d);',
    "",
    RUNTIME,
    "own adverts not dropped",
  ),
  m(
    "receive-vrid-match",
    R + "receive.ts",
    "const inst = candidates.find((i) => i.cfg.vrid === packet.vrid);",
    "const inst = candidates[0];",
    RUNTIME,
    "advert delivered to the first instance whatever its VRID",
  ),
  m("receive-check-instance", R + "receive.ts", "if (reason) return this.drop(inst.labels, reason, d);", "", RUNTIME, "instance checks ignored"),
  m(
    "receive-checksum-form-metric",
    R + "receive.ts",
    "if (d.family === 4 && packet.version === 3) this.metrics.checksumForm",
    "if (d.family === 6 && packet.version === 3) this.metrics.checksumForm",
    RUNTIME,
    "checksum form metric for the wrong family",
  ),
  m(
    "tracking-clamp-low",
    R + "tracking.ts",
    "return Math.max(1, Math.min(254, base + delta));",
    "return Math.max(0, Math.min(254, base + delta));",
    RUNTIME,
    "tracked priority may reach 0",
  ),
  m(
    "tracking-clamp-high",
    R + "tracking.ts",
    "return Math.max(1, Math.min(254, base + delta));",
    "return Math.max(1, Math.min(255, base + delta));",
    RUNTIME,
    "tracked priority may reach 255",
  ),
  m("tracking-owner", R + "tracking.ts", "  if (base === PRIORITY_OWNER) return base;\n", "", RUNTIME, "the owner is tracked down"),
  m(
    "tracking-negative-weight",
    R + "tracking.ts",
    "} else if ((weight > 0) === m.ok) delta += weight;",
    "} else if (m.ok) delta += weight;",
    RUNTIME,
    "negative script weight applied while good",
  ),
  m(
    "reload-identity",
    R + "reload.ts",
    "return JSON.stringify([c.interface, c.vrid, c.version, c.family, c.unicastSrcIp ?? null]);",
    "return JSON.stringify([c.interface, c.version, c.family, c.unicastSrcIp ?? null]);",
    RUNTIME,
    "a VRID change updated in place",
  ),
  m(
    "reload-removed",
    R + "reload.ts",
    "for (const name of old.keys()) if (!nextNames.has(name)) plan.removed.push(name);",
    "",
    RUNTIME,
    "removed instances keep running",
  ),
  m(
    "sync-fault",
    R + "sync-groups.ts",
    'if (to === "fault") other.dispatch({ type: "fault", source, reason: "sync-group" });',
    "",
    RUNTIME,
    "a member's fault not propagated",
  ),
  m(
    "sync-master",
    R + "sync-groups.ts",
    'if (to === "master") other.dispatch({ type: "sync", to: "master" });',
    "",
    RUNTIME,
    "a member's takeover not propagated",
  ),
  m("garp-delay-burst", R + "garp.ts", "if (t.delayMs > 0) {", "if (t.delayMs < 0) {", RUNTIME, "no second GARP burst"),
];

function parseArgs(argv: string[]) {
  const only = argv.includes("--only") ? (argv[argv.indexOf("--only") + 1] ?? "").split(",").filter(Boolean) : [];
  return { worktree: argv.includes("--worktree"), check: argv.includes("--check"), only };
}

function sh(cmd: string[], cwd: string): { code: number; out: string } {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? -1, out: r.stdout.toString() + r.stderr.toString() };
}

/** A private copy of the repository: HEAD (git archive) or the working tree as it is. */
function makeCopy(repo: string, worktree: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "vigil-mut-"));
  if (worktree) {
    const files = sh(["git", "ls-files", "-co", "--exclude-standard", "-z"], repo).out.split("\0").filter(Boolean);
    for (const f of files) {
      try {
        cpSync(join(repo, f), join(dir, f), { recursive: false });
      } catch {
        // deleted in the working tree but still in the index: nothing to copy
      }
    }
  } else {
    const r = Bun.spawnSync(["sh", "-c", `git -C '${repo}' archive HEAD | tar -x -C '${dir}'`], { stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`git archive failed: ${r.stderr.toString()}`);
  }
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function occurrences(text: string, find: string): number {
  let n = 0;
  for (let i = text.indexOf(find); i >= 0; i = text.indexOf(find, i + 1)) n++;
  return n;
}

interface RunResult {
  /** Failing tests as "file > suite > name"; null when no report was written (a file failed to load). */
  failing: Set<string> | null;
  timedOut: boolean;
  code: number;
}

async function runTests(dir: string, tests: readonly string[]): Promise<RunResult> {
  const bun = join(dir, "node_modules/.bin/bun");
  const report = join(dir, `.mutate-junit-${process.pid}.xml`);
  rmSync(report, { force: true });
  const p = Bun.spawn([bun, "test", "--reporter=junit", `--reporter-outfile=${report}`, ...tests], { cwd: dir, stdout: "ignore", stderr: "ignore" });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    p.kill("SIGKILL");
  }, RUN_LIMIT_MS);
  const code = await p.exited;
  clearTimeout(timer);
  let xml: string;
  try {
    xml = readFileSync(report, "utf8");
  } catch {
    return { failing: null, timedOut, code };
  }
  const failing = new Set<string>();
  for (const chunk of xml.split("<testcase ").slice(1)) {
    const body = chunk.split("</testcase>")[0]!;
    if (!body.includes("<failure") && !body.includes("<error")) continue;
    const attr = (k: string) => new RegExp(`${k}="([^"]*)"`).exec(body)?.[1] ?? "";
    failing.add(`${attr("file")} > ${attr("classname")} > ${attr("name")}`);
  }
  // Unhandled errors between tests fail the run without a failing case: count them as one.
  if (code !== 0 && failing.size === 0) failing.add(`(bun exited ${code} without a failing test case)`);
  return { failing, timedOut, code };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const repo = resolve(import.meta.dir, "..");
  const selected = opts.only.length ? MUTANTS.filter((x) => opts.only.some((o) => x.id.includes(o))) : MUTANTS;
  const dir = makeCopy(repo, opts.worktree);
  console.log(`mutants: ${selected.length} on a copy of ${opts.worktree ? "the working tree" : "HEAD"} in ${dir}`);
  const results: { m: Mutant; status: "killed" | "survived" | "stale"; note: string }[] = [];
  try {
    // Failures of the unmutated tests (someone else's work in progress) are not kills.
    const baseline = new Map<string, Set<string>>();
    if (!opts.check) {
      for (const group of new Set(selected.map((x) => x.tests.join(" ")))) {
        const r = await runTests(dir, group.split(" "));
        if (r.failing === null || r.timedOut) {
          console.error(`baseline cannot run: bun test ${group} — fix the tests first`);
          return 2;
        }
        baseline.set(group, r.failing);
        for (const f of r.failing) console.log(`baseline failure (ignored): ${f}`);
      }
    }
    for (const mu of selected) {
      const path = join(dir, mu.file);
      const original = readFileSync(path, "utf8");
      const n = occurrences(original, mu.find);
      if (n !== 1) {
        results.push({ m: mu, status: "stale", note: `find text occurs ${n} times` });
        console.log(`stale     ${mu.id}  (${mu.file}: find text occurs ${n} times)`);
        continue;
      }
      if (opts.check) {
        results.push({ m: mu, status: "killed", note: "applies" });
        continue;
      }
      try {
        writeFileSync(path, original.replace(mu.find, mu.replace));
        const r = await runTests(dir, mu.tests);
        const known = baseline.get(mu.tests.join(" ")) ?? new Set<string>();
        const newFailures = r.failing === null ? ["(a test file failed to load)"] : [...r.failing].filter((f) => !known.has(f));
        const status = r.timedOut || newFailures.length > 0 ? "killed" : "survived";
        results.push({ m: mu, status, note: r.timedOut ? "timed out" : "" });
        console.log(`${status === "killed" ? "killed  " : "SURVIVED"}  ${mu.id}  (${mu.what})${r.timedOut ? " [timed out]" : ""}`);
      } finally {
        writeFileSync(path, original); // always restore, whatever happened
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.check) {
    const stale = results.filter((r) => r.status === "stale").length;
    console.log(`${selected.length - stale} of ${selected.length} mutants apply`);
    return stale ? 1 : 0;
  }
  const killed = results.filter((r) => r.status === "killed");
  const survived = results.filter((r) => r.status === "survived");
  const stale = results.filter((r) => r.status === "stale");
  const scored = killed.length + survived.length;
  const score = scored ? (100 * killed.length) / scored : 0;
  console.log("");
  console.log(`killed ${killed.length}, survived ${survived.length}, stale ${stale.length}`);
  if (survived.length) console.log(`survivors: ${survived.map((r) => r.m.id).join(", ")}`);
  if (stale.length) console.log(`stale: ${stale.map((r) => r.m.id).join(", ")}`);
  console.log(`mutation score: ${killed.length}/${scored} = ${score.toFixed(1)}%`);
  return score >= 90 ? 0 : 1;
}

process.exit(await main());
