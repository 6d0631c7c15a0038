// `vigil run`: load the config (exit 2 on any problem, before touching the network), open the
// Linux ports, start the daemon and the HTTP server, handle SIGTERM/SIGINT/SIGHUP.
import { Registry } from "prom-client";
import { formatDiagnostic } from "../config/diagnostics.ts";
import { defaultConfigPath, loadConfig } from "../config/load.ts";
import { existsSync } from "node:fs";
import { DEFAULT_KEEPALIVED_PATH, DEFAULT_TOML_PATH, type Diagnostic, type VigilConfig } from "../config/schema.ts";
import { createApp } from "../http/app.ts";
import { createMetrics } from "../http/metrics.ts";
import { startHttp, type HttpServer } from "../http/server.ts";
import { createLinuxPorts, enableRealtimeAllThreads, lockMemory, OsError, type LinuxPorts } from "../os/linux/index.ts";
import { findVipConflicts } from "../runtime/conflicts.ts";
import { Daemon, StartupError } from "../runtime/daemon.ts";
import { FileJournal } from "../runtime/journal.ts";
import { isLogLevel, StreamLogger } from "../runtime/logger.ts";
import { BunScriptRunner } from "../runtime/spawn.ts";
import { COMMIT, VERSION } from "../version.ts";
import { flag, parseArgs, UsageError } from "./args.ts";
import type { Command } from "./command.ts";

const USAGE = `vigil run [--config PATH] [--http ADDR] [--log-level LEVEL] [--log-format text|json]
                 [--state-dir DIR] [--realtime-priority N]

  --config, -c PATH      keepalived.conf or vigil TOML (default /etc/vigil/vigil.toml,
                         else /etc/keepalived/keepalived.conf); format detected from content
  --config-id ID         keepalived config id for '@ID' lines (keepalived -i)
  --http ADDR            /health /status /metrics listen address, "" disables
                         (default: config's global.http, else 127.0.0.1:9650)
  --log-level LEVEL      debug | info | warn | error (default info)
  --log-format FORMAT    text | json (default text)
  --state-dir DIR        where vigil records the VIPs it added (default /run/vigil)
  --realtime-priority N  SCHED_RR priority 1-99 and locked memory (keepalived vrrp_rt_priority);
                         0 disables (default: config, else on at 10 for sub-second adverts)

Signals: SIGTERM/SIGINT resign (priority 0) and remove the VIPs once a backup took over;
SIGHUP reloads the config without disturbing unchanged instances.`;

const VALUED = ["config", "config-id", "http", "log-level", "log-format", "state-dir", "realtime-priority"];

function printDiagnostics(list: Diagnostic[]): void {
  for (const d of list) console.error(formatDiagnostic(d));
}

/** Warnings go to the logger once it exists (JSON logs stay JSON); on failure, straight to stderr. */
function load(path: string, configId: string | undefined): { config: VigilConfig; warnings: Diagnostic[] } | { errors: Diagnostic[] } {
  const r = loadConfig(path, configId === undefined ? {} : { configId });
  if (r.ok) return { config: r.config, warnings: r.warnings };
  printDiagnostics(r.warnings);
  return { errors: r.errors };
}

export const runCommand: Command = {
  summary: "run the VRRP daemon",
  usage: USAGE,
  async run(argv) {
    let args;
    try {
      args = parseArgs(argv, { valued: VALUED, aliases: { "-c": "config" } });
      if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    } catch (e) {
      console.error(`vigil run: ${(e as Error).message}\nUsage: ${USAGE.split("\n")[0]}`);
      return 2;
    }
    const path = flag(args, "config") ?? defaultConfigPath();
    if (!flag(args, "config") && !existsSync(path)) {
      console.error(`vigil run: no config: neither ${DEFAULT_TOML_PATH} nor ${DEFAULT_KEEPALIVED_PATH} exists (use --config PATH)`);
      return 2;
    }
    const configId = flag(args, "config-id");
    const loaded = load(path, configId);
    if ("errors" in loaded) {
      printDiagnostics(loaded.errors);
      console.error(`vigil run: ${loaded.errors.length} error(s) in ${path}; nothing started`);
      return 2;
    }
    let config = loaded.config;
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
    for (const w of loaded.warnings) logger.log("warn", formatDiagnostic(w));
    let listen = flag(args, "http") ?? config.global.http;
    /** SIGHUP with a new global.http: stop the old listener, start the new; on failure, the old again. */
    const moveHttp = (old: HttpServer | null, to: string): HttpServer | null => {
      try {
        old?.stop();
        const next = to === "" ? null : startHttp(to, createApp({ status: daemon, metrics }));
        logger.log("info", "HTTP listener moved", { from: listen || "off", to: to || "off" });
        listen = to;
        return next;
      } catch (e) {
        logger.log("error", `HTTP listener not moved: ${(e as Error).message}`, { from: listen, to });
        try {
          return listen === "" ? null : startHttp(listen, createApp({ status: daemon, metrics }));
        } catch {
          return null;
        }
      }
    };

    let ports: LinuxPorts;
    try {
      ports = createLinuxPorts();
      await ports.rx.ready();
    } catch (e) {
      console.error(`vigil run: ${privilegeHint(e)}`);
      return 1;
    }
    // After the rx worker exists, so that every thread (worker, JIT, GC) gets SCHED_RR.
    if (rtPriority > 0 || config.global.noSwap) applyRealtime(rtPriority, logger);
    let journal: FileJournal;
    try {
      journal = new FileJournal(flag(args, "state-dir") ?? "/run/vigil");
    } catch (e) {
      await ports.close();
      console.error(`vigil run: ${privilegeHint(e)}`);
      return 1;
    }
    const registry = new Registry();
    const metrics = createMetrics(registry, { keepalivedExporterNames: config.global.keepalivedExporterNames, version: VERSION, commit: COMMIT });
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
    });
    metrics.bindStatus(daemon);

    let http: HttpServer | null = null;
    try {
      if (listen !== "") http = startHttp(listen, createApp({ status: daemon, metrics }));
      // A VIP another host already uses (not the VRRP master of its VRID): refuse, untouched.
      const conflicts = await findVipConflicts(config, { links: ports.links, transport: ports.transport, prober: ports.prober, clock: ports.clock });
      if (conflicts.length > 0) throw new StartupError(conflicts);
      daemon.start();
    } catch (e) {
      http?.stop();
      await ports.close();
      if (e instanceof StartupError) {
        for (const p of e.problems) console.error(p);
        console.error("vigil run: nothing started");
        return 1;
      }
      console.error(`vigil run: ${privilegeHint(e)}`);
      return 1;
    }
    logger.log("info", "vigil started", {
      version: VERSION,
      config: path,
      instances: config.instances.length,
      http: http ? http.url : "off",
    });

    return await new Promise<number>((resolve) => {
      let exiting = false;
      const stop = async (signal: string) => {
        if (exiting) return;
        exiting = true;
        logger.log("info", `${signal}: resigning and stopping`);
        await daemon.shutdown();
        http?.stop();
        await ports.close();
        logger.log("info", "vigil stopped");
        resolve(0);
      };
      process.on("SIGTERM", () => void stop("SIGTERM"));
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGHUP", () => {
        if (exiting) return;
        logger.log("info", "SIGHUP: reloading", { config: path });
        const next = load(path, configId);
        if ("errors" in next) {
          daemon.reloadFailed(next.errors.map(formatDiagnostic));
          return;
        }
        for (const w of next.warnings) logger.log("warn", formatDiagnostic(w));
        config = next.config;
        // Global settings follow the file unless the command line fixed them.
        if (!args.flags.has("log-level")) logger.setLevel(config.global.logLevel);
        if (!args.flags.has("log-format")) logger.setFormat(config.global.logFormat);
        if (!args.flags.has("http") && config.global.http !== listen) http = moveHttp(http, config.global.http);
        void daemon.reload(config);
      });
    });
  },
};

/** Sub-second adverts need precise wake-ups (SCHED_RR cut p99 timer jitter under CPU load 3×, see bench/README.md). */
function defaultRealtime(config: VigilConfig): number {
  if (config.global.realtimePriority > 0) return config.global.realtimePriority;
  return config.instances.some((i) => i.advertIntervalCs < 100) ? 10 : 0;
}

function applyRealtime(priority: number, logger: StreamLogger): void {
  if (priority > 0) {
    const rt = enableRealtimeAllThreads(priority);
    if (!rt.ok) logger.log("warn", "could not enable realtime scheduling", { error: rt.error.message });
  }
  const mem = lockMemory();
  if (!mem.ok) logger.log("warn", "could not lock memory", { error: mem.error.message });
}

function privilegeHint(e: unknown): string {
  const code = e instanceof OsError ? e.code : (e as NodeJS.ErrnoException | null)?.code;
  if (code === "EPERM" || code === "EACCES") {
    return `${(e as Error).message}: vigil needs root or CAP_NET_RAW and CAP_NET_ADMIN`;
  }
  return e instanceof Error ? e.message : String(e);
}
