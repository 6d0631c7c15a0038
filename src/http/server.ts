// The HTTP listener: a TCP listener speaking HTTP/1.x (http1.ts) around the Hono app (keep the
// handle and stop() it; nothing else closes it).
// `listen` is "host:port" or "[v6]:port"; the caller does not start it at all for "" (disabled).
// The host is required: anything wider than 127.0.0.1 must be an explicit choice,
// so ":9650" is refused and "0.0.0.0:9650" / "[::]:9650" must be written out.

import type { Socket, TCPSocketListener } from "bun";
import { errorResponse, headEnd, MAX_HEAD_BYTES, parseHead, serialize } from "./http1.ts";

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

/** Idle seconds before a connection that has not sent a whole request head is closed. */
const IDLE_TIMEOUT_S = 10;

interface Conn {
  buf: string;
  /** The request head was complete: later bytes (a body, a pipelined request) are ignored. */
  answered: boolean;
  /** Response bytes the kernel has not taken yet; the socket ends once they are gone. */
  pending: Uint8Array | null;
}

export function startHttp(listen: string, app: FetchHandler): HttpServer {
  const { hostname, port } = parseListen(listen);
  let origin = "";
  const open = new Set<Socket<Conn>>();

  const flush = (s: Socket<Conn>) => {
    const p = s.data.pending;
    if (!p) return;
    const n = s.write(p);
    if (n >= p.byteLength) {
      s.data.pending = null;
      s.end();
    } else s.data.pending = p.subarray(Math.max(n, 0));
  };
  const reply = (s: Socket<Conn>, bytes: Uint8Array) => {
    s.data.pending = bytes;
    flush(s);
  };
  const answer = async (s: Socket<Conn>, head: string) => {
    const h = parseHead(head);
    if (!h.ok) return reply(s, serialize(errorResponse(h.status, h.reason), null));
    let res: Response;
    let body: Uint8Array | null;
    try {
      // No body is passed on: no route takes one, and the connection closes after the answer.
      res = await app.fetch(new Request(origin + h.path, { method: h.method, headers: h.headers }));
      body = h.method === "HEAD" || res.body === null ? null : new Uint8Array(await res.arrayBuffer());
    } catch {
      res = errorResponse(500, "internal error");
      body = new Uint8Array(await res.arrayBuffer());
    }
    if (open.has(s)) reply(s, serialize(res, body));
  };

  let server: TCPSocketListener<Conn>;
  try {
    server = Bun.listen<Conn>({
      hostname,
      port,
      // Explicit: two daemons silently sharing /health would answer for each other.
      exclusive: true,
      // `printf 'GET … HTTP/1.0\r\n\r\n' | nc` shuts its sending side after the request: the
      // answer must still go out, so a FIN from the client does not close our side.
      allowHalfOpen: true,
      socket: {
        open(s) {
          s.data = { buf: "", answered: false, pending: null };
          s.timeout(IDLE_TIMEOUT_S);
          open.add(s);
        },
        data(s, chunk) {
          const c = s.data;
          if (c.answered) return;
          c.buf += chunk.toString("latin1");
          const end = headEnd(c.buf);
          if (end < 0 && c.buf.length <= MAX_HEAD_BYTES) return;
          c.answered = true;
          if (end < 0 || end > MAX_HEAD_BYTES) return reply(s, serialize(errorResponse(431, "request head too large"), null));
          void answer(s, c.buf.slice(0, end));
          c.buf = "";
        },
        drain: flush,
        end(s) {
          // The client stopped sending before a whole request head: nothing will be answered.
          if (!s.data.answered) s.end();
        },
        timeout(s) {
          // Idle: a request head that never completed, or a client that never closed after the answer.
          s.terminate();
        },
        close(s) {
          open.delete(s);
        },
        error(s) {
          open.delete(s);
        },
      },
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
      server.stop(true);
      for (const s of open) s.terminate();
      open.clear();
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
