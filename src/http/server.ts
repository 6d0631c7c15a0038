// The HTTP listener: Bun.serve around the Hono app (keep the Bun.serve handle and stop() it; nothing else closes it).
// `listen` is "host:port" or "[v6]:port"; the caller does not start it at all for "" (disabled).
// The host is required: anything wider than 127.0.0.1 must be an explicit choice,
// so ":9650" is refused and "0.0.0.0:9650" / "[::]:9650" must be written out.

export type HttpListenErrorCode = "EINVAL" | "EADDRINUSE" | "EADDRNOTAVAIL" | "EACCES" | "EUNKNOWN";

/** Why the listener could not start; `listen` is the address as configured. */
export class HttpListenError extends Error {
  override readonly name = "HttpListenError";
  constructor(
    readonly listen: string,
    readonly code: HttpListenErrorCode,
    detail: string,
  ) {
    super(`http: cannot listen on ${JSON.stringify(listen)}: ${detail}`);
  }
}

export interface HttpServer {
  /** Base URL actually bound (the real port when 0 was asked), e.g. "http://127.0.0.1:9650". */
  readonly url: string;
  readonly port: number;
  /** Closes the socket and any open connections; idempotent. */
  stop(): void;
}

export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** "127.0.0.1:9650" → { hostname, port }; throws HttpListenError (EINVAL) with the reason. */
export function parseListen(listen: string): { hostname: string; port: number } {
  const bad = (why: string) => new HttpListenError(listen, "EINVAL", why);
  let host: string;
  let portText: string;
  if (listen.startsWith("[")) {
    const close = listen.indexOf("]");
    if (close < 0 || listen[close + 1] !== ":") throw bad('expected "[IPv6]:port", e.g. "[::1]:9650"');
    host = listen.slice(1, close);
    portText = listen.slice(close + 2);
    if (!host.includes(":") || !/^[0-9A-Fa-f:.]+(%[\w.-]+)?$/.test(host)) throw bad(`"${host}" is not an IPv6 address`);
  } else {
    const colon = listen.lastIndexOf(":");
    if (colon < 0) throw bad('expected "host:port", e.g. "127.0.0.1:9650"');
    host = listen.slice(0, colon);
    portText = listen.slice(colon + 1);
    if (host === "") throw bad('host missing; write "0.0.0.0:PORT" or "[::]:PORT" to listen on all addresses');
    if (host.includes(":")) throw bad('IPv6 addresses go in brackets: "[::1]:9650"');
    if (!IPV4.test(host) && (/^[\d.]+$/.test(host) || !HOSTNAME.test(host))) {
      throw bad(`"${host}" is not an IPv4 address or host name`);
    }
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw bad(`port "${portText}" is not 0–65535`);
  return { hostname: host, port: Number(portText) };
}

/**
 * The request with an absolute URL. Bun gives a request without a usable Host header (HTTP/1.0 as
 * HAProxy's `option httpchk` sends it, or an empty or malformed Host) an origin-form URL such as
 * "/health/master"; Hono reads the path from after "scheme://host", so it routed that as "/master".
 * The origin is the listener's own, because the client named none.
 */
export function withAbsoluteUrl(req: Request, origin: string): Request {
  const url = req.url;
  if (url.startsWith("http://") || url.startsWith("https://")) return req;
  // Origin-form only: anything else would not be a path on this server; "/" keeps Hono's 404.
  const path = url.startsWith("/") ? url : "/";
  return new Request(origin + path, req);
}

export function startHttp(listen: string, app: FetchHandler): HttpServer {
  const { hostname, port } = parseListen(listen);
  let origin = "";
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname,
      port,
      development: false,
      // Explicit: with development:false alone Bun 1.4 let a second server bind the same port
      // (measured); two daemons silently sharing /health would answer for each other.
      reusePort: false,
      // Nothing here takes a request body; refuse big ones before they are buffered.
      maxRequestBodySize: 64 * 1024,
      fetch: (req) => app.fetch(withAbsoluteUrl(req, origin)),
      error: () => Response.json({ error: "internal error" }, { status: 500 }),
    });
  } catch (e) {
    throw listenError(listen, e);
  }
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  origin = `http://${host}:${server.port}`;
  let stopped = false;
  return {
    url: origin,
    port: server.port ?? port,
    stop() {
      if (stopped) return;
      stopped = true;
      void server.stop(true);
    },
  };
}

function listenError(listen: string, e: unknown): HttpListenError {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  switch (code) {
    case "EADDRINUSE":
      return new HttpListenError(listen, "EADDRINUSE", "address already in use (another vigil or service on that port?)");
    case "EADDRNOTAVAIL":
      return new HttpListenError(listen, "EADDRNOTAVAIL", "address not available (not configured on this host?)");
    case "EACCES":
    case "EPERM":
      return new HttpListenError(listen, "EACCES", "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)");
    default:
      return new HttpListenError(listen, "EUNKNOWN", message);
  }
}
