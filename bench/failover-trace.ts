// Where the takeover time goes on the backup: strace -f -tt of r2 (vigil) around a SIGKILL of r1,
// syscalls from the last advert received to the first advert sent. A diagnostic, not a figure.
//   ./node_modules/.bin/bun bench/failover-trace.ts [--binary=PATH]
import { cleanupAll } from "./lib/cleanup.ts";
import { benchBinary, type Instance, keepalivedConf, startVigil } from "./lib/daemons.ts";
import { benchLab } from "./lib/lab.ts";

const argv = process.argv.slice(2);
try {
  const binary = benchBinary(argv);
  const lab = benchLab({ nodes: ["r1", "r2"] });
  const inst = (priority: number): Instance => ({ vrid: 51, priority, version: 2, advertSec: 1, vips: ["10.99.0.254/24"] });
  const r1 = startVigil(lab, "r1", keepalivedConf([inst(255)]), { binary });
  const r2 = startVigil(lab, "r2", keepalivedConf([inst(254)]), { binary });
  await r1.waitState("master");
  await r2.waitState("backup");
  const st = Bun.spawn([
    "strace",
    "-f",
    "-tt",
    "-T",
    "-e",
    "trace=sendmsg,sendto,recvmsg,write,timerfd_settime,poll,openat,rename,fsync,fdatasync",
    "-p",
    String(r2.proc.pid),
  ], { stderr: "pipe", stdout: "ignore" });
  await Bun.sleep(1500);
  r1.kill("SIGKILL");
  await r2.waitState("master");
  await Bun.sleep(200);
  st.kill("SIGINT");
  const text = await new Response(st.stderr).text();
  const lines = text.split("\n");
  const lastRx = lines.findLastIndex((l, i) => l.includes("recvmsg(") && !l.includes("EAGAIN") && lines.slice(i).some((x) => x.includes("sendmsg(")));
  console.log(lines.slice(Math.max(0, lastRx - 2), lastRx + 80).join("\n"));
  await lab.cleanup();
} finally {
  await cleanupAll();
}
