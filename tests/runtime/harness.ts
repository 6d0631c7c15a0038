// Builds daemons over fake ports: a whole vigil per "host", all on one FakeWire and FakeClock.
import { loadConfigText } from "../../src/config/load.ts";
import type { VigilConfig } from "../../src/config/schema.ts";
import { Daemon, type DaemonDeps } from "../../src/runtime/daemon.ts";
import { type AddressJournal, MemoryJournal } from "../../src/runtime/journal.ts";
import type { Logger } from "../../src/runtime/ports.ts";
import type { ScriptRunner } from "../../src/runtime/spawn.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { FakeIoTransport } from "../fakes/io-thread.ts";
import { FakeHost, FakeTransport, FakeWire, RecordingMetrics } from "../fakes/ports.ts";

export const quietLogger: Logger = { log() {} };

export class FakeRunner implements ScriptRunner {
  readonly fired: string[][] = [];
  /** Exit code per script line (argv joined by space); default 0. */
  readonly results = new Map<string, number>();
  run(argv: string[]): Promise<number | null> {
    return Promise.resolve(this.results.get(argv.join(" ")) ?? 0);
  }
  fire(argv: string[]): void {
    this.fired.push(argv);
  }
}

export function config(text: string, path = "/etc/keepalived/keepalived.conf"): VigilConfig {
  const r = loadConfigText(text, path);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.pos.line}:${e.pos.col}: ${e.message}`).join("\n"));
  return r.config;
}

export const seedConf = (priority: number, extra = "") =>
  `vrrp_instance VI_1 {
	interface eth0
	virtual_router_id 51
	priority ${priority}
	advert_int 1
	virtual_ipaddress {
		192.168.0.254/24
	}
${extra}}
`;

export interface Node {
  host: FakeHost;
  transport: FakeTransport;
  metrics: RecordingMetrics;
  runner: FakeRunner;
  journal: AddressJournal;
  daemon: Daemon;
}

export class Lab {
  readonly clock = new FakeClock(0);
  readonly wire = new FakeWire(this.clock, 1);

  /** io: the transports pace adverts and watch repeats as the Linux io thread does (io-thread.ts). */
  constructor(private readonly opts: { io?: boolean } = {}) {}

  node(
    address: string,
    cfg: VigilConfig,
    journal: AddressJournal = new MemoryJournal(),
    extra: Partial<DaemonDeps> = {},
    host = new FakeHost(this.clock),
  ): Node {
    host.addLink("eth0", [{ family: 4, address, prefixLength: 24 }]);
    const transport = this.opts.io ? new FakeIoTransport(this.wire, host) : new FakeTransport(this.wire, host);
    const metrics = new RecordingMetrics();
    const runner = new FakeRunner();
    const daemon = new Daemon(cfg, {
      clock: this.clock,
      transport,
      announcer: host,
      addresses: host,
      links: host,
      metrics,
      logger: quietLogger,
      runner,
      journal,
      ...extra,
    });
    return { host, transport, metrics, runner, journal, daemon };
  }

  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** Let promise callbacks (script results, shutdown waiters) run between clock steps. */
  async settle(ms = 0): Promise<void> {
    for (let i = 0; i < 5; i++) await Promise.resolve();
    if (ms > 0) this.clock.advance(ms);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

export const stateOf = (n: Node, name = "VI_1") => n.daemon.status().instances.find((i) => i.name === name)?.state;
