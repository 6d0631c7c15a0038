// `vigil demo`: the README's first command. As root, builds a private namespace lab, runs two vigil
// engines on the keepalived wiki's config, kills the master and narrates the failover with timings
// (src/demo/story.ts). Everything it creates is removed on success, error, Ctrl-C and SIGTERM.
// `--probe VIP` is internal: the demo starts itself with it inside the client namespace.
import { DemoLab, sweepStaleLabs } from "../demo/lab.ts";
import { runProbe } from "../demo/probe.ts";
import { tellStory } from "../demo/story.ts";
import { Narrator } from "../demo/term.ts";
import { flag, parseCommand, usageError } from "./args.ts";
import { type Command, DEMO_SPEC, described } from "./command.ts";

export const demoCommand: Command = {
  ...described(DEMO_SPEC),
  async run(argv) {
    const args = parseCommand(DEMO_SPEC, argv);
    if (typeof args === "number") return args;
    const probe = flag(args, "probe");
    if (probe !== undefined) return runProbe(probe);
    if (args.positionals.length > 0) return usageError(DEMO_SPEC, `unexpected argument '${args.positionals[0]}'`);
    const keep = args.flags.has("keep");
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
