// The narrated scenario of `vigil demo`: the keepalived wiki's two routers in namespaces, the
// master dies, the backup takes over (timed against RFC 3768's formula), the master returns and
// preempts, then resigns cleanly. Every figure comes from the client's capture (watch.ts), every
// state from the engines' own /status, every address from `ip -br a` — what an operator would look at.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicMs } from "../os/linux/libc.ts";
import { VERSION } from "../version.ts";
import { Engine, isCompiled, selfCommand } from "./engines.ts";
import type { DemoLab, NodeName } from "./lab.ts";
import { masterDownS, PRIORITY, SEED_R1_CONF, SEED_R2_CONF, skewS, VIP } from "./seed.ts";
import { fmtMs, fmtS, type Narrator } from "./term.ts";
import { type Advert, Watch } from "./watch.ts";

export interface StoryResult {
  failoverMs: number;
  outageMs: number;
  preemptMs: number;
  preemptGapMs: number;
  resignMs: number;
  engines: Engine[];
}

const ADDR = { r1: "192.168.0.1", r2: "192.168.0.2" } as const;

/** Throws with the engines' logs attached, so a failure explains itself. */
function must<T>(v: T | null | undefined, what: string, engines: Engine[]): T {
  if (v === null || v === undefined) throw new Error(`${what}\n${engines.map((e) => e.logTail()).join("\n")}`);
  return v;
}

function wireLine(a: Advert, wallOffsetMs: number): string {
  const d = new Date(a.t + wallOffsetMs);
  const time = `${d.toTimeString().slice(0, 8)}.${String(Math.floor(((a.t + wallOffsetMs) % 1000) * 1000)).padStart(6, "0")}`;
  const intvl = a.version === 2 ? `intvl ${a.intervalCs / 100}s` : `intvl ${a.intervalCs}cs`;
  return `${time} IP (ttl ${a.ttl}) ${a.src} > 224.0.0.18: VRRPv${a.version}, Advertisement, vrid ${a.vrid}, prio ${a.priority}, authtype ${
    a.authType === 0 ? "none" : a.authType
  }, ${intvl}, addrs: ${a.addresses.join(",")}`;
}

export async function tellStory(lab: DemoLab, n: Narrator): Promise<StoryResult> {
  const self = selfCommand();
  const dir = mkdtempSync(join(tmpdir(), `vigil-demo-${process.pid}-`));
  lab.trackTempDir(dir);
  const wallOffsetMs = Date.now() - monotonicMs();

  n.title(`vigil demo — two routers share ${VIP} with VRRP, configured with the keepalived wiki's files verbatim`);
  n.note(`engine: ${self.join(" ")} (vigil ${VERSION}, ${isCompiled() ? "compiled binary" : "from source"})`);

  lab.create();
  const { r1: N1, r2: N2, c: NC } = lab.nodes;
  n.step("Lab: private network namespaces on a private bridge; nothing outside them is touched");
  n.note(
    [
      `r1      ${N1.ns.padEnd(22)} eth0 ${N1.address}/24   ${N1.mac}`,
      `r2      ${N2.ns.padEnd(22)} eth0 ${N2.address}/24   ${N2.mac}`,
      `client  ${NC.ns.padEnd(22)} eth0 ${NC.address}/24  ${NC.mac}`,
      `switch  ${lab.bridgeNs.padEnd(22)} br0 (one port per cable)`,
    ].join("\n"),
  );

  const conf = { r1: join(dir, "r1-keepalived.conf"), r2: join(dir, "r2-keepalived.conf") };
  writeFileSync(conf.r1, SEED_R1_CONF);
  writeFileSync(conf.r2, SEED_R2_CONF);
  n.step("Config: the wiki's keepalived.conf for each machine, unchanged");
  n.shell(`cat ${conf.r1}`, SEED_R1_CONF);
  n.note(`${conf.r2}: the same with priority ${PRIORITY.r2}`);

  const watch = await Watch.start(lab, self, VIP);
  const engine = (node: NodeName) => new Engine(lab, node, self, conf[node as "r1" | "r2"], join(dir, `${node}-state`), join(dir, `${node}.log`));
  const r1 = engine("r1");
  const r2 = engine("r2");
  const engines = [r1, r2];
  const fail = <T>(v: T | null | undefined, what: string) => must(v, what, engines);

  const tStart = monotonicMs();
  r1.start(tStart);
  r2.start(tStart);
  n.step(`Start: vigil run --config … on r1 (pid ${r1.pid}) and r2 (pid ${r2.pid}), HTTP on each namespace's 127.0.0.1:9650`, tStart);
  const first = await watch.advertFrom(ADDR.r1, tStart, 8000);
  const m1 = fail(await r1.waitState("master", 5000), "r1 did not become master");
  fail(await r2.waitState("backup", 5000), "r2 did not settle in backup");
  n.good(`r1 is MASTER (${m1.lastTransition?.reason ?? "?"}): first advert ${fmtMs(first.t - tStart)} after start; r2 is BACKUP`);
  for (const node of ["r1", "r2"] as const) {
    const b = lab.brief(node);
    n.shell(b.cmd, b.out);
  }
  fail(lab.holds("r1", VIP) ? true : null, `r1 is master but ${VIP} is not on its eth0`);

  // Three adverts one advert_int apart, as `tcpdump -n -v -c 3 proto 112` would show them.
  let last = first;
  for (let i = 0; i < 2; i++) last = await watch.advertFrom(ADDR.r1, last.t + 1, 3000);
  n.step("On the wire, captured in the client namespace (what `tcpdump -n -v -c 3 proto 112` shows):");
  for (const a of watch.adverts.filter((a) => a.src === ADDR.r1).slice(0, 3)) n.note(wireLine(a, wallOffsetMs));
  const garps = watch.garps.filter((g) => g.mac === N1.mac).length;
  n.note(`+ ${garps} gratuitous ARP "${VIP} is-at ${N1.mac}" from r1 when it became master`);
  await watch.replyAfter(tStart, 3000);
  const arp1 = lab.arpEntry("c", VIP);
  n.note(`client: pings ${VIP} every 10 ms — answered; its ARP cache says ${VIP} is at ${arp1} (${lab.whoIs(arp1)})`);

  // The master dies. SIGKILL alone would leave the VIP on r1's eth0 still answering (any VRRP
  // daemon can only clean up when it is allowed to run), so the cable goes too: a power cut.
  await Bun.sleep(300);
  const tKill = monotonicMs();
  r1.signal("SIGKILL");
  lab.cable("r1", false);
  n.step(`r1 dies: vigil SIGKILLed (pid ${r1.pid}) and its cable pulled, as if the box lost power`, tKill);
  const lastR1 = fail(watch.lastAdvertFrom(ADDR.r1, tKill), "no advert from r1 before the kill");
  const firstR2 = await watch.advertFrom(ADDR.r2, tKill, 8000);
  const m2 = fail(await r2.waitState("master", 3000), "r2 did not become master");
  const failoverMs = firstR2.t - lastR1.t;
  const formulaS = masterDownS(PRIORITY.r2);
  n.step(`r2 is MASTER (${m2.lastTransition?.reason ?? "?"}): its first advert is on the wire`, firstR2.t);
  n.good(`failover: ${fmtS(failoverMs)} from r1's last advert to r2's first`);
  n.note(
    `RFC 3768 §6.1: Master_Down_Interval = 3 × advert_int + skew = 3 × 1 s + (256−${PRIORITY.r2})/256 s = ${formulaS.toFixed(4)} s` +
      `\n(measured − formula: ${failoverMs - formulaS * 1000 >= 0 ? "+" : ""}${(failoverMs - formulaS * 1000).toFixed(1)} ms; r1 died ${
        fmtMs(tKill - lastR1.t)
      } after its last advert, so ${fmtS(firstR2.t - tKill)} after the kill)`,
  );
  await watch.replyAfter(firstR2.t, 3000);
  await Bun.sleep(100);
  const outage = watch.gap(tKill - 20, monotonicMs());
  const arp2 = lab.arpEntry("c", VIP);
  n.good(
    `client: no answer from ${VIP} for ${fmtS(outage.ms)} (${outage.lost} pings lost); ARP now says ${arp2} (${
      lab.whoIs(arp2)
    }), learnt from r2's gratuitous ARP`,
  );
  fail(lab.holds("r2", VIP) ? true : null, `r2 is master but ${VIP} is not on its eth0`);
  n.good(`VIP moved: ${VIP} is on r2`);
  for (const node of ["r2", "r1"] as const) {
    const b = lab.brief(node);
    n.shell(b.cmd, b.out);
  }
  n.note(`r1's dead eth0 still carries ${VIP}: nobody was left to remove it.`);

  const tBoot = monotonicMs();
  r1.start(tBoot);
  n.step(`r1 boots again: vigil run (pid ${r1.pid}), cable still out`, tBoot);
  const f1 = fail(await r1.waitState("fault", 5000), "r1 did not report FAULT with its cable out");
  const stale = lab.holds("r1", VIP);
  if (stale) n.warn(`${VIP} is still on r1's eth0 (expected vigil to remove its stale VIP)`);
  else n.good(`vigil removed the stale ${VIP} its killed predecessor left (it records the VIPs it adds in --state-dir)`);
  n.good(`r1 is FAULT: ${f1.faults.join(", ") || "link down"} — it will not claim the VIP on a dead link`);

  const tPlug = monotonicMs();
  lab.cable("r1", true);
  n.step(`Cable back in: r1 (priority ${PRIORITY.r1}) preempts r2 (priority ${PRIORITY.r2})`, tPlug);
  const back = await watch.advertFrom(ADDR.r1, tPlug, 5000);
  const b2 = fail(await r2.waitState("backup", 3000), "r2 did not step back to backup");
  fail(await r1.waitState("master", 3000), "r1 did not become master again");
  await watch.replyAfter(back.t, 3000);
  await Bun.sleep(300);
  const preemptGap = watch.gap(tPlug, monotonicMs());
  const preemptMs = back.t - tPlug;
  n.good(`r1 is MASTER again, first advert ${fmtMs(preemptMs)} after link-up; r2 is BACKUP (${b2.lastTransition?.reason ?? "?"})`);
  n.good(`client: longest gap ${fmtMs(preemptGap.ms)} (${preemptGap.lost} pings lost); ARP → ${lab.whoIs(lab.arpEntry("c", VIP))}`);
  fail(lab.holds("r1", VIP) && !lab.holds("r2", VIP) ? true : null, `${VIP} is not on r1 alone after preemption`);
  n.good(`VIP moved back: ${VIP} is on r1`);

  const tTerm = monotonicMs();
  r1.signal("SIGTERM");
  n.step("SIGTERM to r1: a clean stop resigns with a priority-0 advert instead of going silent", tTerm);
  const zero = await watch.advertFrom(ADDR.r1, tTerm, 3000, 0);
  const r2again = await watch.advertFrom(ADDR.r2, zero.t, 3000);
  const code = await r1.waitExit(5000);
  const resignMs = r2again.t - zero.t;
  n.good(
    `r2 is MASTER ${fmtMs(resignMs)} after r1's priority-0 advert (RFC 3768: skew only, (256−${PRIORITY.r2})/256 s = ${fmtMs(skewS(PRIORITY.r2) * 1000)})`,
  );
  await watch.replyAfter(r2again.t, 3000);
  await Bun.sleep(100);
  const resignGap = watch.gap(tTerm, monotonicMs());
  n.good(`client: longest gap ${fmtMs(resignGap.ms)}; r1's vigil exited with ${code}, ${lab.holds("r1", VIP) ? "VIP still on r1!" : "its VIP removed"}`);

  n.step("Summary");
  n.note(
    [
      `failover when the master died   ${fmtS(failoverMs).padStart(9)}   formula 3 × advert_int + skew = ${formulaS.toFixed(4)} s`,
      `client outage (ping every 10 ms) ${fmtS(outage.ms).padStart(9)}   ${outage.lost} pings lost`,
      `preemption on return            ${fmtMs(preemptMs).padStart(9)}   client gap ${fmtMs(preemptGap.ms)}`,
      `hand-over on SIGTERM            ${fmtMs(resignMs).padStart(9)}   skew ${fmtMs(skewS(PRIORITY.r2) * 1000)}, client gap ${fmtMs(resignGap.ms)}`,
      `VIP ${VIP}: r1 → r2 → r1 → r2`,
    ].join("\n"),
  );
  watch.stop();
  return { failoverMs, outageMs: outage.ms, preemptMs, preemptGapMs: preemptGap.ms, resignMs, engines };
}
