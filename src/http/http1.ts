// A small HTTP/1.0 and 1.1 reader and writer for the health and metrics listener: one request per
// connection, answered, then closed. vigil has it instead of Bun.serve because load balancers send
// what Bun.serve refuses or misreads: HAProxy's `option httpchk GET /health/master HTTP/1.1` has no
// Host (Bun answers 400 before any handler runs, and every server goes DOWN), and HTTP/1.0 without
// Host reached the router as "/master". Host names no virtual host here, so it is optional.
// Nothing served takes a body: a request body is never read, and "Connection: close" ends it.

/** Longest request head (request line and headers) read before answering 431. */
export const MAX_HEAD_BYTES = 16 * 1024;

export type Head =
  | { ok: true; method: string; path: string; headers: Headers }
  | { ok: false; status: 400 | 431; reason: string };

/** Where the request head ends (after the blank line), or -1 while incomplete. LF alone is accepted (RFC 9112 §2.2). */
export function headEnd(buf: string): number {
  const m = /\r?\n\r?\n/.exec(buf);
  return m ? m.index + m[0].length : -1;
}

/**
 * Parses a complete head. The path is the origin-form target ("/health/master?instance=VI_1"), or
 * the path and query of an absolute-form one ("GET http://lb/health HTTP/1.1", as proxies send).
 */
export function parseHead(head: string): Head {
  const lines = head.split(/\r?\n/);
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? "");
  if (!m) return { ok: false, status: 400, reason: "bad request line" };
  const [, method = "", target = ""] = m;
  let path: string;
  if (target.startsWith("/")) path = target;
  else if (/^https?:\/\//i.test(target) && URL.canParse(target)) {
    const u = new URL(target);
    path = u.pathname + u.search;
  } else return { ok: false, status: 400, reason: "bad request target" };
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    // No obsolete line folding (RFC 9112 §5.2) and no whitespace before the colon (§5.1).
    if (colon <= 0 || /^[ \t]/.test(line) || /[ \t]$/.test(line.slice(0, colon))) {
      return { ok: false, status: 400, reason: "bad header line" };
    }
    try {
      headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
    } catch {
      return { ok: false, status: 400, reason: "bad header line" };
    }
  }
  return { ok: true, method: method, path, headers };
}

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The response bytes: status line, the handler's headers, Content-Length, Connection: close. */
export function serialize(res: Response, body: Uint8Array | null): Uint8Array {
  let head = `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? res.statusText ?? ""}\r\n`;
  res.headers.forEach((value, name) => {
    if (name === "content-length" || name === "connection" || name === "transfer-encoding") return;
    head += `${name}: ${value}\r\n`;
  });
  // HEAD: no body and no length (Hono answers HEAD with the GET headers and a null body).
  if (body) head += `content-length: ${body.byteLength}\r\n`;
  head += "connection: close\r\n\r\n";
  const h = Buffer.from(head, "latin1");
  if (!body || body.byteLength === 0) return h;
  const out = new Uint8Array(h.byteLength + body.byteLength);
  out.set(h, 0);
  out.set(body, h.byteLength);
  return out;
}

export function errorResponse(status: number, reason: string): Response {
  return Response.json({ error: REASONS[status]?.toLowerCase() ?? "error", reason }, { status });
}
