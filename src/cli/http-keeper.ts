// The HTTP listener as `vigil run` keeps it: /health, /status and /metrics matter, but VRRP matters
// more. A port that is taken (any local user can bind 127.0.0.1:9650 first) or an address not yet
// configured never stops the daemon: the failure is logged, counted
// (vigil_http_listen_errors_total) and retried every few seconds until the listener is up.
import type { ErrorCounts } from "../runtime/error-counts.ts";
import type { GlobalsChange } from "../runtime/reloader.ts";
import type { Logger } from "../runtime/ports.ts";
import { type FetchHandler, HttpListenError, type HttpServer, startHttp } from "../http/server.ts";

export const HTTP_RETRY_MS = 5000;

export class HttpKeeper {
  private server: HttpServer | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private reported = "";
  private stopped = false;

  constructor(
    private listen: string,
    private readonly app: () => FetchHandler,
    private readonly logger: Logger,
    private readonly errors: ErrorCounts,
    private readonly retryMs = HTTP_RETRY_MS,
  ) {}

  /** Base URL when listening, "off" when disabled, "retrying" while the bind fails. */
  get url(): string {
    if (this.listen === "") return "off";
    return this.server?.url ?? "retrying";
  }

  get address(): string {
    return this.listen;
  }

  start(): void {
    this.stopped = false;
    this.bind();
  }

  /**
   * Reload: the new address takes effect with the rest of the config. Bound before the swap when
   * it can be; when it cannot, the commit still moves to it and retries there (a reload is not
   * refused for a port, the same way a start is not).
   */
  prepare(to: string): GlobalsChange {
    if (to === this.listen) return { commit() {}, rollback() {} };
    let next: HttpServer | null = null;
    if (to !== "") {
      try {
        next = startHttp(to, this.app());
      } catch {
        next = null; // retried after the commit, with the error logged there
      }
    }
    return {
      commit: () => {
        const from = this.listen;
        this.clearRetry();
        this.server?.stop();
        this.server = next;
        this.listen = to;
        this.reported = "";
        this.logger.log("info", "HTTP listener moved", { from: from || "off", to: to || "off" });
        if (to !== "" && !next) this.bind();
      },
      rollback: () => next?.stop(),
    };
  }

  stop(): void {
    this.stopped = true;
    this.clearRetry();
    this.server?.stop();
    this.server = null;
  }

  private bind(): void {
    if (this.listen === "" || this.server || this.stopped) return;
    try {
      this.server = startHttp(this.listen, this.app());
      if (this.reported !== "") this.logger.log("info", "HTTP listener up", { listen: this.listen, url: this.server.url });
      this.reported = "";
    } catch (e) {
      const code = e instanceof HttpListenError ? e.code : "EUNKNOWN";
      this.errors.bump("http_listen", code);
      const msg = e instanceof Error ? e.message : String(e);
      if (this.reported !== msg) {
        this.reported = msg;
        this.logger.log("error", `${msg}; VRRP runs on, retrying every ${this.retryMs / 1000} s`, { listen: this.listen });
      }
      this.retry = setTimeout(() => {
        this.retry = null;
        this.bind();
      }, this.retryMs);
      // The retry must not keep a stopping process alive.
      (this.retry as { unref?: () => void }).unref?.();
    }
  }

  private clearRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }
}
