// Shared by the real-kernel fault tests: a lab per test, torn down in afterEach even when the test
// failed; configs on 10.99.0.0/24; polling helpers bounded by time only as a safety net (every
// assertion is on state, addresses, log lines or counters, never on how long something took).
// VIGIL_BINARY=/path/to/old/vigil runs these against another build, to see them fail on it.
import { afterEach } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUN, createLab, type Lab } from "../netns/lab.ts";
import { scrape, sum, v3Conf } from "../netns/scenario-kit.ts";
import { ROOT, startVigil, tearDown, type VigilNode } from "../netns/vigil-node.ts";

export const VIP = "10.99.0.100/24";

export const ctx: { lab: Lab | undefined; nodes: VigilNode[]; cleanups: (() => void)[] } = { lab: undefined, nodes: [], cleanups: [] };

export function useLab(): void {
  afterEach(async () => {
    for (const c of ctx.cleanups.splice(0)) {
      try {
        c();
      } catch {
        // Best effort: the lab's own cleanup below still runs.
      }
    }
    [ctx.lab, ctx.nodes] = await tearDown(ctx.lab, ctx.nodes);
  });
}

export function lab(nodes: string[]): Lab {
  ctx.lab = createLab({ nodes, prefix: "vgf" });
  return ctx.lab;
}

/** A v3 instance on eth0 with VIP 10.99.0.100/24 (100 ms adverts unless said otherwise). */
export function conf(priority: number, o: { advertInt?: number; extra?: string[]; vips?: string[]; vrid?: number; name?: string } = {}): string {
  return v3Conf({ priority, vips: o.vips ?? [VIP], advertInt: o.advertInt ?? 0.1, extra: o.extra ?? [], vrid: o.vrid ?? 51, name: o.name ?? "VI_1" });
}

/** Polls until `pred` holds; throws with `what` after `timeoutMs` (a safety net, not a figure). */
export async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await pred())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await Bun.sleep(50);
  }
}

export function metric(l: Lab, node: string, name: string, match: Record<string, string> = {}): number {
  return sum(scrape(l, node), name, match);
}

/** The network namespace inode a vigil in `node` names its journal after (owned-<id>.json). */
export function netnsId(l: Lab, node: string): string {
  return l.exec(node, ["readlink", "/proc/self/ns/net"]).stdout.replace(/\D/g, "");
}

/**
 * vigil from source with inject-block.ts preloaded (`command`); block() holds its main thread
 * until release(), which a test calls once what it waits for happened (e.g. a flood is in: on a
 * loaded machine the flood can outlast any fixed block, and then the queue never fills).
 */
export function blockable(l: Lab) {
  const trigger = `/tmp/vigil-block-${l.id}`;
  const release = () => writeFileSync(`${trigger}.release`, "");
  ctx.cleanups.push(release, () => Bun.spawnSync(["rm", "-f", trigger, `${trigger}.blocking`, `${trigger}.release`]));
  return {
    command: ["env", `VIGIL_INJECT_BLOCK=${trigger}`, BUN, "--preload", join(import.meta.dir, "inject-block.ts"), join(ROOT, "main.ts")],
    async block() {
      writeFileSync(trigger, "now");
      await until(() => existsSync(`${trigger}.blocking`), "main thread blocked");
    },
    release,
  };
}

/** r1 master, r2 (blockable) its backup at 200 ms adverts, watching at least `repeats` repeats. */
export async function watchingBackup(l: Lab, repeats: number) {
  const { command, block, release } = blockable(l);
  const r1 = startVigil(l, "r1", conf(200, { advertInt: 0.2 }));
  ctx.nodes.push(r1);
  await r1.waitState("master");
  const r2 = startVigil(l, "r2", conf(100, { advertInt: 0.2 }), { command });
  ctx.nodes.push(r2);
  await r2.waitState("backup");
  await until(() => metric(l, "r2", "vigil_rx_repeats_total") >= repeats, "the backup watches its master's repeats");
  return { r1, r2, block, release };
}
