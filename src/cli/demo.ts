// `vigil demo`: the README's first command. As root, builds a private namespace lab, runs two vigil
// engines on the keepalived wiki's config, kills the master and narrates the failover with timings
// (src/demo/story.ts). Everything it creates is removed on success, error, Ctrl-C and SIGTERM.
// `--probe VIP` is internal: the demo starts itself with it inside the client namespace.
import { DemoLab, sweepStaleLabs } from "../demo/lab.ts";
import { runProbe } from "../demo/probe.ts";
import { tellStory } from "../demo/story.ts";
import { Narrator } from "../demo/term.ts";
import { flag, parseArgs, UsageError } from "./args.ts";
import type { Command } from "./command.ts";

const USAGE = `vigil demo [--keep]

  Builds a private lab of network namespaces (vgdemo-<pid>-r1, -r2, -c and a bridge), starts two
  vigil engines with the keepalived wiki's configs (priority 255 and 254, VIP 192.168.0.254/24),
  then kills the master and shows the backup taking over, how long it took against
  3 × advert_int + skew, and the gap a client pinging the VIP every 10 ms sees; the master comes
  back and preempts, then resigns cleanly. About 7 s. Needs root; touches only its own namespaces.

  --keep    leave the lab running at the end (r2 is master) until Ctrl-C
  -h, --help

Exit status: 0 the story ran, 1 something failed (lab removed anyway), 2 usage error or not root.`;

export const demoCommand: Command = {
  summary: "see failover happen: two vigils in a private namespace lab (root)",
  usage: USAGE,
  async run(argv) {
    let keep = false;
    try {
      const args = parseArgs(argv, { valued: ["probe"], booleans: ["keep"] });
      const probe = flag(args, "probe");
      if (probe !== undefined) return runProbe(probe);
      if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
      keep = args.flags.has("keep");
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      console.error(`vigil demo: ${e.message}\nUsage: ${USAGE.split("\n")[0]}`);
      return 2;
    }
    if (process.getuid?.() !== 0) {
      console.error(
        "vigil demo: needs root: it creates network namespaces (ip netns add) and runs vigil with raw sockets inside them.\n" +
          "  Nothing outside its own namespaces is touched. Try: sudo vigil demo",
      );
      return 2;
    }
    if (!Bun.which("ip")) {
      console.error("vigil demo: needs the `ip` command (iproute2)");
      return 1;
    }
    const n = new Narrator();
    const swept = sweepStaleLabs();
    if (swept.length > 0) n.note(`removed ${swept.length} namespaces left by an earlier demo that was killed: ${swept.join(" ")}`);

    const lab = new DemoLab();
    // Ctrl-C / SIGTERM at any point: remove everything synchronously, then exit 130 / 143.
    const onSignal = (sig: NodeJS.Signals, code: number) => () => {
      process.stderr.write(`\nvigil demo: ${sig}: removing the lab\n`);
      lab.cleanupSync();
      process.exit(code);
    };
    const handlers = [["SIGINT", onSignal("SIGINT", 130)], ["SIGTERM", onSignal("SIGTERM", 143)], ["SIGHUP", onSignal("SIGHUP", 129)]] as const;
    for (const [sig, h] of handlers) process.on(sig, h);
    try {
      await tellStory(lab, n);
      if (keep) {
        n.step(`Lab kept: ${lab.namespaces.join(" ")}`);
        n.note(`try: ip netns exec ${lab.nodes.r2.ns} ${process.execPath} status   |   ip -n ${lab.nodes.r2.ns} -br a`);
        n.note("Ctrl-C removes it.");
        await new Promise<never>(() => {}); // until a signal handler exits
      }
      await lab.cleanup();
      n.step(`Cleaned up: ${lab.namespaces.length} namespaces removed, every process stopped`);
      return 0;
    } catch (e) {
      n.error(e instanceof Error ? e.message : String(e));
      await lab.cleanup();
      n.error(`lab removed (${lab.namespaces.length} namespaces)`);
      return 1;
    } finally {
      for (const [sig, h] of handlers) process.off(sig, h);
    }
  },
};
