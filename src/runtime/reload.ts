// SIGHUP planning: which instances keep running untouched, which change in place, which restart.
import type { InstanceConfig, VigilConfig } from "../config/schema.ts";

export interface ReloadPlan {
  unchanged: string[];
  /** Same identity (interface, vrid, version, family, source): updated without a transition. */
  updated: InstanceConfig[];
  /** Identity changed: the old one resigns (priority 0) and the new one starts. */
  recreated: InstanceConfig[];
  added: InstanceConfig[];
  removed: string[];
}

/** Positions change whenever lines move; they are not configuration. */
export function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== "pos") out[k] = withoutPositions(v);
    return out;
  }
  return value;
}

const same = (a: unknown, b: unknown) => JSON.stringify(withoutPositions(a)) === JSON.stringify(withoutPositions(b));

function identity(c: InstanceConfig): string {
  return JSON.stringify([c.interface, c.vrid, c.version, c.family, c.unicastSrcIp ?? null]);
}

export function planReload(current: VigilConfig, next: VigilConfig): ReloadPlan {
  const plan: ReloadPlan = { unchanged: [], updated: [], recreated: [], added: [], removed: [] };
  const old = new Map(current.instances.map((i) => [i.name, i]));
  const scriptsChanged = new Set(
    next.scripts.filter((s) => !same(s, current.scripts.find((o) => o.name === s.name))).map((s) => s.name),
  );
  const filesChanged = new Set(
    next.trackFiles.filter((t) => !same(t, current.trackFiles.find((o) => o.name === t.name))).map((t) => t.name),
  );
  for (const cfg of next.instances) {
    const prev = old.get(cfg.name);
    if (!prev) plan.added.push(cfg);
    else if (identity(prev) !== identity(cfg)) plan.recreated.push(cfg);
    else if (
      !same(prev, cfg) ||
      cfg.trackScripts.some((t) => scriptsChanged.has(t.name)) ||
      cfg.trackFiles.some((t) => filesChanged.has(t.name))
    ) {
      plan.updated.push(cfg);
    } else plan.unchanged.push(cfg.name);
  }
  const nextNames = new Set(next.instances.map((i) => i.name));
  for (const name of old.keys()) if (!nextNames.has(name)) plan.removed.push(name);
  return plan;
}
