// What one corpus file needs to run alone in a box: its interfaces (with addresses and unicast
// neighbours), how long its election takes to settle, or why it is left out of the comparison.

import { existsSync } from "node:fs";
import type { VigilConfig } from "../../src/config/schema.ts";
import type { IfacePlan } from "./box.ts";

export interface RunPlan {
  ifaces: IfacePlan[];
  /** Seconds until every instance that can become master has (3 × advert_int + skew, + margin). */
  settleSec: number;
  /** Seconds of adverts compared once settled: at least one advert of every master. */
  windowSec: number;
}

/** Longest advert_int compared: a lone backup needs 3 × advert_int to take over. */
export const MAX_ADVERT_SEC = 5;

/**
 * Host programs a corpus script may run here: they only look (both daemons see the same host). Any
 * other program that exists on this machine leaves the file out: wild notify scripts are not run.
 */
const HARMLESS = new Set(["killall", "pkill", "pidof", "curl", "logger", "service"]);

function hostPrograms(cfg: VigilConfig): string[] {
  const cmds = [...cfg.scripts.map((s) => s.script), ...[...cfg.instances, ...cfg.syncGroups].flatMap((x) => Object.values(x.notify))];
  const out: string[] = [];
  for (const c of cmds) {
    const prog = c.trim().split(/\s+/)[0] ?? "";
    if (prog.startsWith("<")) continue; // a shell redirection: no program
    const path = prog.includes("/") ? (existsSync(prog) ? prog : undefined) : (Bun.which(prog) ?? undefined);
    const base = prog.split("/").at(-1)!;
    if (path && !HARMLESS.has(base) && !(base === "service" && !/\bstatus\b/.test(c))) out.push(prog);
  }
  return out;
}

/** Why a file is not compared, or undefined when it runs. */
export function exclusion(text: string, cfg: VigilConfig): string | undefined {
  if (/^\s*(virtual_server|virtual_server_group)\b/m.test(text) || /\blvs_sync_daemon/.test(text)) return "LVS (virtual_server / lvs_sync_daemon)";
  if (/\b(vrrp_)?track_process\b/.test(text)) return "process tracking (track_process)";
  const slow = Math.max(...cfg.instances.map((i) => i.advertIntervalCs / 100));
  if (slow > MAX_ADVERT_SEC) return `advert_int ${slow} s: settling takes over ${3 * slow} s, past the time bound`;
  const progs = hostPrograms(cfg);
  if (progs.length > 0) return `its scripts would run host programs (${[...new Set(progs)].join(", ")})`;
  return undefined;
}

export function plan(cfg: VigilConfig): RunPlan {
  const names: string[] = [];
  const add = (n: string | undefined) => n && !names.includes(n) && names.push(n);
  for (const i of cfg.instances) {
    add(i.interface);
    for (const v of [...i.virtualIps, ...i.excludedVips]) add(v.dev);
    for (const t of i.trackInterfaces) add(t.name);
    for (const r of i.virtualRoutes) add(r.dev);
  }
  const ifaces = names.map((name, n): IfacePlan => {
    const mine = cfg.instances.filter((i) => i.interface === name);
    const own = [...new Set(mine.flatMap((i) => [i.unicastSrcIp, i.mcastSrcIp]).filter((a): a is string => !!a))];
    const addrs = own.map((a) => `${a}/${a.includes(":") ? 64 : 24}`);
    // Every interface gets an IPv4 address (the primary unless the file names its own source).
    if (!own.some((a) => !a.includes(":"))) addrs.push(`10.254.${n + 1}.1/24`);
    return { name, addrs, peers: [...new Set(mine.flatMap((i) => i.unicastPeers))] };
  });
  let settle = 0;
  let window = 0;
  for (const i of cfg.instances) {
    const adv = i.advertIntervalCs / 100;
    const skew = ((256 - i.priority) / 256) * adv;
    settle = Math.max(settle, i.priority === 255 ? 0 : 3 * adv + skew);
    window = Math.max(window, adv);
  }
  return { ifaces, settleSec: settle + 0.8, windowSec: window + 0.6 };
}
