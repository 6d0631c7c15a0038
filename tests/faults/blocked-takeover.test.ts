// A backup's takeover while its main thread is held busy (a GC pause or a slow synchronous call
// stretched out): the io thread sends the takeover advert when Master_Down fires (RFC 5798 §6.4.2:
// "Send an ADVERTISEMENT" first), so the failover does not wait for the main thread. Once free,
// the main thread completes the takeover (VIPs, GARP, the periodic adverts). Real kernel, in namespaces; assertions on the wire and on state, not on times.
import { expect, test } from "bun:test";
import { holds } from "../netns/scenario-kit.ts";
import { lab, metric, useLab, VIP, watchingBackup } from "./kit.ts";

useLab();

const ADVERT_R2 = /10\.99\.0\.2 > 224\.0\.0\.18: VRRPv3, Advertisement, vrid 51, prio 100\b/;
const fromR2 = (l: string) => ADVERT_R2.test(l);

test("a backup whose main thread is blocked takes over on time: its advert leaves from the io thread at Master_Down", async () => {
  const l = lab(["r1", "r2", "c"]);
  const { r1, r2, block, release } = await watchingBackup(l, 3);
  const cap = await l.capture("c", "proto 112");
  await block();
  r1.signal("SIGKILL");
  // Master_Down is 3 × 200 ms + skew; the block lasts until release() (30 s at most). Before the
  // io thread sent it, no advert of r2 left until the block ended.
  await cap.waitFor(ADVERT_R2, 15_000);
  // Only the takeover's advert: the periodic ones start once the main thread has taken over.
  expect(cap.lines.filter(fromR2).length).toBe(1);
  release();
  await r2.waitState("master");
  expect(holds(l, "r2", VIP)).toBe(true);
  expect(metric(l, "r2", "vigil_vrrp_transitions_total", { to: "master", reason: "master-down-timeout" })).toBe(1);
  await cap.stop();
}, 60_000);
