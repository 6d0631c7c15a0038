// packaging/prometheus/vigil.rules.yml: promtool accepts it and its unit tests (vigil.rules.test.yml)
// pass, a rule broken on purpose fails them (the tests have teeth), every alert has a test, and
// every rule and every dashboard query (packaging/grafana/vigil.json) reads only metrics that a
// real vigil /metrics exports.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool, ROOT, runSync } from "./binary.ts";
import { exportedNames, metricNames, SCRAPE_SERIES } from "./promql-names.ts";

const DIR = join(ROOT, "packaging/prometheus");
const RULES_TEXT = readFileSync(join(DIR, "vigil.rules.yml"), "utf8");
const TESTS_TEXT = readFileSync(join(DIR, "vigil.rules.test.yml"), "utf8");
type Rule = { alert: string; expr: string; labels?: Record<string, string> };
const RULES = (Bun.YAML.parse(RULES_TEXT) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const DASHBOARD = JSON.parse(readFileSync(join(ROOT, "packaging/grafana/vigil.json"), "utf8"));

let exported = new Set<string>();
let tmp = "";
beforeAll(async () => {
  exported = await exportedNames();
  tmp = mkdtempSync(join(tmpdir(), "vigil-rules-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("metricNames", () => {
  test("finds names, not functions, labels, keywords or variables", () => {
    expect(
      metricNames('sum by (vrid, interface) (rate(a_total{reason!~"x|y"}[5m])) > 0 unless on (vrid) b == bool 2 and time() - c_seconds[$__rate_interval]'),
    ).toEqual(["a_total", "b", "c_seconds"]);
    expect(metricNames("histogram_quantile(0.99, sum by (le) (rate(x_bucket[1m])))")).toEqual(["x_bucket"]);
  });
});

describe("packaging/prometheus/vigil.rules.yml", () => {
  test("promtool check rules", () => {
    const promtool = requireTool("promtool", "prometheus");
    const r = runSync([promtool, "check", "rules", join(DIR, "vigil.rules.yml")]);
    expect(`${r.out}${r.err}`).toContain(`SUCCESS: ${RULES.length} rules found`);
    expect(r.code).toBe(0);
  });

  test("promtool test rules: the unit tests pass", () => {
    const promtool = requireTool("promtool", "prometheus");
    const r = runSync([promtool, "test", "rules", "vigil.rules.test.yml"], { cwd: DIR });
    expect(`${r.out}${r.err}`).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });

  test("a split-brain rule that needs 3 masters fails the unit tests (they are not vacuous)", () => {
    const promtool = requireTool("promtool", "prometheus");
    const broken = RULES_TEXT.replace("(vigil_vrrp_state == 2) > 1", "(vigil_vrrp_state == 2) > 2");
    expect(broken).not.toBe(RULES_TEXT);
    writeFileSync(join(tmp, "vigil.rules.yml"), broken);
    copyFileSync(join(DIR, "vigil.rules.test.yml"), join(tmp, "vigil.rules.test.yml"));
    const r = runSync([promtool, "test", "rules", "vigil.rules.test.yml"], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(`${r.out}${r.err}`).toContain("VRRPSplitBrain");
  });

  test("every alert has a firing case in the unit tests, and a severity", () => {
    for (const r of RULES) {
      expect(TESTS_TEXT).toContain(`alertname: ${r.alert}\n        exp_alerts:\n          - exp_labels`);
      expect(["critical", "warning", "info"]).toContain(r.labels?.severity ?? "");
    }
  });

  test("the alerts the operators asked for are there", () => {
    expect(RULES.map((r) => r.alert)).toEqual(
      expect.arrayContaining(["VRRPSplitBrain", "VRRPNoMaster", "VRRPFlapping", "VRRPAdvertsDropped", "VigilReloadFailed", "VRRPResignedWithoutTakeover"]),
    );
  });

  test("every rule reads only metrics vigil exports", () => {
    for (const r of RULES) {
      for (const name of metricNames(r.expr)) {
        expect({ alert: r.alert, name, exported: exported.has(name) || SCRAPE_SERIES.has(name) }).toEqual({ alert: r.alert, name, exported: true });
      }
    }
  });
});

describe("packaging/grafana/vigil.json", () => {
  type Target = { expr?: string; refId: string };
  type Panel = { id: number; type: string; title: string; targets?: Target[]; panels?: Panel[] };
  const panels: Panel[] = (DASHBOARD.panels as Panel[]).flatMap((p) => [p, ...(p.panels ?? [])]);
  const exprs: { where: string; expr: string }[] = [
    ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${p.title}/${t.refId}`, expr: t.expr ?? "" }))),
    ...DASHBOARD.templating.list.filter((v: { type: string }) => v.type === "query").map((v: { name: string; definition: string }) => ({
      where: `$${v.name}`,
      expr: v.definition.replace(/^label_values\((.*),\s*\w+\)$/, "$1"),
    })),
    ...DASHBOARD.annotations.list.map((a: { name: string; expr: string }) => ({ where: a.name, expr: a.expr })),
  ];

  test("every query names at least one metric, and each exists in a real /metrics", () => {
    expect(exprs.length).toBeGreaterThan(20);
    for (const { where, expr } of exprs) {
      const names = metricNames(expr);
      expect({ where, count: names.length > 0 }).toEqual({ where, count: true });
      for (const name of names) expect({ where, name, exported: exported.has(name) }).toEqual({ where, name, exported: true });
    }
  });

  test("the check has teeth: a misspelt metric is caught", () => {
    expect(metricNames("rate(vigil_vrrp_advert_sent_total[5m])").every((n) => exported.has(n))).toBe(false);
  });

  test("panel ids are unique; every panel with queries uses the datasource variable", () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels.filter((p) => p.targets)) expect((p as unknown as { datasource: { uid: string } }).datasource.uid).toBe("${datasource}");
  });
});
