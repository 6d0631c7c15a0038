// `vigil run`: load the config (exit 2 on any problem, before touching the network), open the
// Linux ports, start the daemon and the HTTP listener, and handle the signals:
//   SIGTERM/SIGINT  resign and stop (bounded); a second one stops now
//   SIGHUP          reload as one serialised transaction (src/runtime/reloader.ts)
//   SIGUSR1/SIGUSR2 state / stats dump (keepalived's .data and .stats), never fatal
// Anything unhandled goes to the last resort (src/runtime/last-resort.ts): VIPs removed, exit 70.
import { Registry } from "../http/registry.ts";
import { existsSync } from "node:fs";
import { formatDiagnostic } from "../config/diagnostics.ts";
import { defaultConfigPath, loadConfig } from "../config/load.ts";
import { DEFAULT_KEEPALIVED_PATH, DEFAULT_TOML_PATH, type Diagnostic, type VigilConfig } from "../config/schema.ts";
import { createApp } from "../http/app.ts";
import { registerErrorMetrics } from "../http/error-metrics.ts";
import { registerTrackMetrics } from "../http/track-metrics.ts";
import { createMetrics } from "../http/metrics.ts";
import { createLinuxPorts, limitRealtimeCpu, type LinuxPorts, lockMemory, OsError } from "../os/linux/index.ts";
import { findVipConflicts } from "../runtime/conflicts.ts";
import { Daemon, StartupError } from "../runtime/daemon.ts";
import { dataDump, statsDump, writeDump } from "../runtime/dumps.ts";
import { ErrorCounts } from "../runtime/error-counts.ts";
import { FileJournal } from "../runtime/journal.ts";
import { LastResort } from "../runtime/last-resort.ts";
import { isLogLevel, type LogFormat, StreamLogger } from "../runtime/logger.ts";
import type { LogLevel } from "../runtime/ports.ts";
import { Reloader } from "../runtime/reloader.ts";
import type { TimerHandle } from "../runtime/ports.ts";
import { BunScriptRunner } from "../runtime/spawn.ts";
import { COMMIT, VERSION } from "../version.ts";
import { flag, parseCommand, usageError } from "./args.ts";
import { type Command, described, RUN_SPEC } from "./command.ts";
import { HttpKeeper } from "./http-keeper.ts";
import { SdNotifier, watchdogIntervalMs } from "../os/linux/sd-notify.ts";
import { monotonicMs } from "../os/linux/libc.ts";
import { loadInChild } from "./load-child.ts";

/** A reload whose config takes longer than this to load is refused (a bomb, a hung NFS mount). */
const RELOAD_LOAD_TIMEOUT_MS = 30_000;

function printDiagnostics(list: Diagnostic[]): void {
  for (const d of list) console.error(formatDiagnostic(d));
}

export const runCommand: Command = {
  ...described(RUN_SPEC),
  async run(argv) {
    // Options and usage text: RUN_SPEC in src/cli/command.ts. Usage errors exit 64 (EX_USAGE), config errors 2.
    const args = parseCommand(RUN_SPEC, argv);
    if (typeof args === "number") return args;
    if (args.positionals.length > 0) return usageError(RUN_SPEC, `unexpected argument '${args.positionals[0]}'`);
    const path = flag(args, "config") ?? defaultConfigPath();
    if (!flag(args, "config") && !existsSync(path)) {
      console.error(`vigil run: no config: neither ${DEFAULT_TOML_PATH} nor ${DEFAULT_KEEPALIVED_PATH} exists (use --config PATH)`);
      return 2;
    }
    const configId = flag(args, "config-id");
    const loaded = loadConfig(path, configId === undefined ? {} : { configId });
    if (!loaded.ok) {
      printDiagnostics(loaded.warnings);
      printDiagnostics(loaded.errors);
      console.error(`vigil run: ${loaded.errors.length} error(s) in ${path}; nothing started`);
      return 2;
    }
    const config = loaded.config;
    const level = flag(args, "log-level") ?? config.global.logLevel;
    const format = flag(args, "log-format") ?? config.global.logFormat;
    if (!isLogLevel(level) || (format !== "text" && format !== "json")) {
      console.error(`vigil run: bad --log-level '${level}' or --log-format '${format}'`);
      return 2;
    }
    const rtFlag = flag(args, "realtime-priority");
    const rtPriority = rtFlag !== undefined ? Number(rtFlag) : defaultRealtime(config);
    if (!Number.isInteger(rtPriority) || rtPriority < 0 || rtPriority > 99) {
      console.error(`vigil run: --realtime-priority must be 0-99`);
      return 2;
    }
    const logger = new StreamLogger(level, format);
    const logSettings: { level: LogLevel; format: LogFormat } = { level, format };
    for (const w of loaded.warnings) logger.log("warn", formatDiagnostic(w));

    // From here on, whatever escapes ends in the last resort; `exit` settles the run.
    let settle: (code: number) => void = () => {};
    const exitCode = new Promise<number>((resolve) => (settle = resolve));
    const lastResort = new LastResort(logger, (code) => {
      settle(code);
      // The event loop may be wedged by what failed: exit for sure once the stop was done.
      process.exit(code);
    });
    lastResort.installProcessHandlers();
    // Signals are ours from the start: their default action (terminate) must never hit a process
    // that may hold a VIP. Until the daemon runs they are only remembered.
    const early = { stop: "", hup: false };
    const onSignal = new Map<NodeJS.Signals, () => void>();
    for (const sig of ["SIGTERM", "SIGINT", "SIGHUP", "SIGUSR1", "SIGUSR2"] as const) {
      process.on(sig, () => {
        const h = onSignal.get(sig);
        if (h) return h();
        if (sig === "SIGHUP") early.hup = true;
        else if (sig === "SIGTERM" || sig === "SIGINT") early.stop = sig;
      });
    }

    let ports: LinuxPorts;
    let rxReady = false;
    try {
      // The rx worker dying after start leaves backups deaf (they would all claim master): last resort.
      ports = createLinuxPorts({ rx: { onFatal: (e) => (rxReady ? lastResort.fail("rx worker", e) : undefined) } });
    } catch (e) {
      console.error(`vigil run: ${privilegeHint(e)}`);
      return 1;
    }
    // The io thread loads while the daemon is put together below (~10 ms of start-up); nothing is
    // started before it answered.
    const errors = new ErrorCounts();
    const stateDir = flag(args, "state-dir") ?? "/run/vigil";
    // A state dir that cannot be written is logged and counted, never fatal (journal.ts).
    const journal = new FileJournal(stateDir, logger, errors);
    const registry = new Registry();
    const metrics = createMetrics(registry, { keepalivedExporterNames: config.global.keepalivedExporterNames, version: VERSION, commit: COMMIT });
    registerErrorMetrics(registry, errors, { rxQueueOverflows: () => ports.transport.queueOverflows, rxRepeats: () => ports.transport.repeats });
    const daemon = new Daemon(config, {
      clock: ports.clock,
      transport: ports.transport,
      announcer: ports.announcer,
      addresses: ports.addresses,
      links: ports.links,
      metrics,
      logger,
      runner: new BunScriptRunner(logger),
      journal,
      errors,
      onFatal: lastResort.fail,
      vmac: ports.vmac,
      firewall: ports.firewall,
      processEvents: ports.processEvents,
    });
    metrics.bindStatus(daemon);
    registerTrackMetrics(registry, daemon, config.global.keepalivedExporterNames);
    lastResort.protect(daemon);
    const http = new HttpKeeper(flag(args, "http") ?? config.global.http, () => createApp({ status: daemon, metrics }), logger, errors);
    try {
      await ports.rx.ready();
      rxReady = true;
    } catch (e) {
      await ports.close();
      console.error(`vigil run: ${privilegeHint(e)}`);
      return 1;
    }
    // Adverts and timers at their deadlines from the io thread for every configuration (a pause of
    // the main thread cannot delay them); only that thread runs SCHED_RR, and only with realtime on.
    ports.useIoTiming();
    if (rtPriority > 0) await applyRealtime(rtPriority, config.global.rlimitRttimeUs, ports, logger);
    // Memory is locked only when asked (vrrp_no_swap), as keepalived 2.2.7 does: realtime alone
    // does not lock there either. Locked pages cannot be given back (the allocators' madvise fails
    // on them), which cost ~1 MiB of RssAnon at one 20 ms instance (bench/README.md).
    if (config.global.noSwap) {
      const mem = lockMemory();
      if (!mem.ok) logger.log("warn", "could not lock memory", { error: mem.error.message });
    }

    try {
      // A VIP another host already uses (not the VRRP master of its VRID): refuse, untouched.
      const conflicts = await findVipConflicts(config, { links: ports.links, transport: ports.transport, prober: ports.prober, clock: ports.clock });
      if (conflicts.length > 0) throw new StartupError(conflicts);
      daemon.start();
    } catch (e) {
      // start() opens every socket before launching anything; if it failed later, the VIPs go.
      daemon.emergencyStop();
      await ports.close();
      if (e instanceof StartupError) {
        for (const p of e.problems) console.error(p);
        console.error("vigil run: nothing started");
        return 1;
      }
      console.error(`vigil run: ${privilegeHint(e)}`);
      return 1;
    }
    http.start();
    logger.log("info", "vigil started", { version: VERSION, config: path, instances: config.instances.length, http: http.url });
    // systemd Type=notify: ready once every instance started. The watchdog is fed from a timer of
    // the clock that paces the adverts (with realtime adverts its deadlines expire on the io thread
    // that sends them): a stuck sender or a wedged main thread both stop the feeding, and systemd
    // restarts vigil (whose next start removes the VIPs it left).
    const sd = new SdNotifier();
    sd.notify(`READY=1\nSTATUS=${config.instances.length} instance(s)`);
    const watchdogMs = watchdogIntervalMs();
    let watchdog: TimerHandle | null = null;
    const feedWatchdog = (periodMs: number) => {
      sd.notify("WATCHDOG=1");
      watchdog = ports.clock.setTimer(ports.clock.nowMs() + periodMs, () => feedWatchdog(periodMs));
    };
    if (watchdogMs !== null) feedWatchdog(Math.max(10, watchdogMs / 2));

    const reloader = new Reloader(
      {
        load: () => loadInChild(path, { timeoutMs: RELOAD_LOAD_TIMEOUT_MS, ...(configId !== undefined && { configId }) }),
        prepareGlobals: (next: VigilConfig) => {
          // Global settings follow the file unless the command line fixed them. Log settings
          // switch now, so the reload's own lines are in the new format; a refusal restores them.
          const move = args.flags.has("http") ? { commit() {}, rollback() {} } : http.prepare(next.global.http);
          const before = { ...logSettings };
          if (!args.flags.has("log-level")) logSettings.level = next.global.logLevel;
          if (!args.flags.has("log-format")) logSettings.format = next.global.logFormat;
          const setLog = (to: typeof logSettings) => {
            logger.setLevel(to.level);
            logger.setFormat(to.format);
            Object.assign(logSettings, to);
          };
          setLog(logSettings);
          return {
            commit: () => move.commit(),
            rollback() {
              setLog(before);
              move.rollback();
            },
          };
        },
        apply: (next) => daemon.reload(next),
        refuse: (problems) => daemon.reloadFailed(problems),
        warn: (d) => logger.log("warn", formatDiagnostic(d)),
        format: formatDiagnostic,
      },
      logger,
    );

    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.log("warn", `${signal} again: releasing the VIPs now`);
        daemon.stopNow();
        return;
      }
      stopping = true;
      reloader.cancel();
      sd.notify("STOPPING=1");
      logger.log("info", `${signal}: resigning and stopping`, { bound_ms: daemon.stopBoundMs() });
      void daemon.shutdown().then(async () => {
        http.stop();
        await ports.close();
        journal.flush();
        logger.log("info", "vigil stopped");
        if (watchdog) ports.clock.clearTimer(watchdog);
        sd.close();
        settle(0);
      });
    };
    const hup = () => {
      if (stopping) return;
      logger.log("info", "SIGHUP: reloading", { config: path });
      sd.notify(`RELOADING=1\nMONOTONIC_USEC=${Math.round(monotonicMs() * 1000)}`);
      reloader.request();
      void reloader.idle().then(() => {
        if (!stopping) sd.notify(`READY=1\nSTATUS=${daemon.status().lastReload?.ok === false ? "last reload refused" : "reloaded"}`);
      });
    };
    onSignal.set("SIGTERM", () => stop("SIGTERM"));
    onSignal.set("SIGINT", () => stop("SIGINT"));
    onSignal.set("SIGHUP", hup);
    onSignal.set("SIGUSR1", () => writeDump(stateDir, "vigil.data", dataDump(daemon.status()), logger, errors));
    onSignal.set("SIGUSR2", () => writeDump(stateDir, "vigil.stats", statsDump(daemon.status(), errors), logger, errors));
    if (early.stop) stop(early.stop);
    else if (early.hup) hup();
    return await exitCode;
  },
};

/** Sub-second adverts need precise wake-ups (SCHED_RR cut p99 timer jitter under CPU load 3×, see bench/README.md). */
function defaultRealtime(config: VigilConfig): number {
  if (config.global.realtimePriority > 0) return config.global.realtimePriority;
  return config.instances.some((i) => i.advertIntervalCs < 100) ? 10 : 0;
}

/**
 * As keepalived's vrrp_rt_priority + vrrp_rlimit_rttime: SCHED_RR | SCHED_RESET_ON_FORK for the io
 * thread only (scripts and every other thread stay SCHED_OTHER); RLIMIT_RTTIME so a runaway loop
 * cannot starve the router: SIGXCPU after vrrp_rlimit_rttime (default 10 ms) of CPU without
 * blocking demotes the thread, SIGKILL after ten times that.
 */
async function applyRealtime(priority: number, rttimeUs: number, ports: LinuxPorts, logger: StreamLogger): Promise<void> {
  const lim = limitRealtimeCpu(rttimeUs, 10 * rttimeUs);
  if (!lim.ok) logger.log("warn", "could not set RLIMIT_RTTIME", { error: lim.error.message });
  process.on("SIGXCPU", () => {
    const ok = ports.rx.dropRealtime();
    logger.log("error", "io thread exceeded its realtime CPU budget (RLIMIT_RTTIME): now SCHED_OTHER", { demoted: ok });
  });
  const rt = await ports.rx.setRealtime(priority);
  if (!rt.ok) {
    logger.log("warn", "could not enable realtime scheduling", { error: new OsError("sched_setscheduler", rt.errno, `SCHED_RR ${priority}`).message });
  }
}

function privilegeHint(e: unknown): string {
  const code = e instanceof OsError ? e.code : (e as NodeJS.ErrnoException | null)?.code;
  if (code === "EPERM" || code === "EACCES") {
    return `${(e as Error).message}: vigil needs root or CAP_NET_RAW and CAP_NET_ADMIN`;
  }
  return e instanceof Error ? e.message : String(e);
}
