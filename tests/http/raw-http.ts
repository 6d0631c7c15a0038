// Sends bytes exactly as given over a TCP socket and returns what the server answered, so tests can
// use request forms fetch() never produces (HTTP/1.0, no Host, absolute-form, HEAD).
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

/** Resolves when the server closes the connection, or when one complete response arrived. */
export function rawRequest(port: number, request: string, hostname = "127.0.0.1", opts: { halfClose?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let buf = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      try {
        resolve(parseResponse(buf));
      } catch (e) {
        reject(e);
      }
    };
    const head = request.startsWith("HEAD ");
    void Bun.connect({
      hostname,
      port,
      allowHalfOpen: true,
      socket: {
        open(s) {
          s.write(request);
          // shutdown(2) of the sending side only, as `printf … | nc -N` does.
          if (opts.halfClose) s.shutdown();
        },
        data(s, d) {
          buf += d.toString("latin1");
          // Keep-alive: stop once Content-Length says the response is complete.
          if (complete(buf, head)) (finish(), s.end());
        },
        close: finish,
        error: (_s, e) => (done ? undefined : ((done = true), reject(e))),
        connectError: (_s, e) => (done ? undefined : ((done = true), reject(e))),
      },
    });
  });
}

function complete(buf: string, head: boolean): boolean {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return false;
  if (head) return true;
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(buf.slice(0, end));
  return m !== null && buf.length - end - 4 >= Number(m[1]);
}

export function parseResponse(raw: string): RawResponse {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`no complete response head: ${JSON.stringify(raw)}`);
  const [statusLine = "", ...lines] = raw.slice(0, end).split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`bad status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const c = l.indexOf(":");
    headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
  }
  return { status: Number(m[1]), headers, body: raw.slice(end + 4), raw };
}
