// systemd's notify protocol (sd_notify(3)): one datagram per state change ("READY=1",
// "RELOADING=1", "STOPPING=1", "WATCHDOG=1", "STATUS=…") to the AF_UNIX socket named by
// $NOTIFY_SOCKET ('@' = abstract namespace). Without the variable (not under systemd, or
// Type=simple) every call is a no-op. Never throws: a lost notification must not stop VRRP.
import { ptr } from "bun:ffi";
import { libc } from "./libc.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SUN_PATH_MAX = 108;

export class SdNotifier {
  private fd = -1;
  private readonly addr: Uint8Array | null;
  private readonly addrLen: number;

  constructor(socketPath: string | undefined = process.env.NOTIFY_SOCKET) {
    if (!socketPath || socketPath.length >= SUN_PATH_MAX || !(socketPath.startsWith("/") || socketPath.startsWith("@"))) {
      this.addr = null;
      this.addrLen = 0;
      return;
    }
    // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
    const path = new TextEncoder().encode(socketPath);
    const buf = new Uint8Array(new ArrayBuffer(2 + SUN_PATH_MAX));
    new DataView(buf.buffer).setUint16(0, AF_UNIX, true);
    buf.set(path, 2);
    if (socketPath.startsWith("@")) buf[2] = 0; // abstract socket: leading NUL, no terminator
    this.addr = buf;
    this.addrLen = 2 + path.length + (socketPath.startsWith("@") ? 0 : 1);
  }

  get enabled(): boolean {
    return this.addr !== null;
  }

  /** Sends one state string; false when not under systemd or the send failed. */
  notify(state: string): boolean {
    if (!this.addr) return false;
    if (this.fd < 0) this.fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (this.fd < 0) return false;
    const msg = new TextEncoder().encode(state);
    const body = new Uint8Array(new ArrayBuffer(Math.max(1, msg.length)));
    body.set(msg);
    return Number(libc.sendto(this.fd, ptr(body), msg.length, 0, ptr(this.addr), this.addrLen)) === msg.length;
  }

  close(): void {
    if (this.fd >= 0) libc.close(this.fd);
    this.fd = -1;
  }
}

/** The watchdog period systemd asked for ($WATCHDOG_USEC, for this process), in ms; null if none. */
export function watchdogIntervalMs(env: Record<string, string | undefined> = process.env, pid = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return usec / 1000;
}
