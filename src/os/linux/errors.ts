// Typed errors for the Linux edge: every failing syscall becomes an OsError carrying the syscall
// name, the numeric errno and its symbolic code, so callers branch on `code` and operators read it.

/** errno values of asm-generic (x86-64, arm64, riscv — every target Bun ships for). */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  9: "EBADF",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  17: "EEXIST",
  19: "ENODEV",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  28: "ENOSPC",
  34: "ERANGE",
  38: "ENOSYS",
  61: "ENODATA",
  71: "EPROTO",
  75: "EOVERFLOW",
  88: "ENOTSOCK",
  90: "EMSGSIZE",
  92: "ENOPROTOOPT",
  93: "EPROTONOSUPPORT",
  95: "EOPNOTSUPP",
  97: "EAFNOSUPPORT",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
  100: "ENETDOWN",
  101: "ENETUNREACH",
  105: "ENOBUFS",
  110: "ETIMEDOUT",
  113: "EHOSTUNREACH",
};

export type ErrnoCode =
  | "EPERM"
  | "ENOENT"
  | "ESRCH"
  | "EINTR"
  | "EIO"
  | "ENXIO"
  | "EBADF"
  | "EAGAIN"
  | "ENOMEM"
  | "EACCES"
  | "EFAULT"
  | "EBUSY"
  | "EEXIST"
  | "ENODEV"
  | "EINVAL"
  | "ENFILE"
  | "EMFILE"
  | "ENOSPC"
  | "ERANGE"
  | "ENOSYS"
  | "ENODATA"
  | "EPROTO"
  | "EOVERFLOW"
  | "ENOTSOCK"
  | "EMSGSIZE"
  | "ENOPROTOOPT"
  | "EPROTONOSUPPORT"
  | "EOPNOTSUPP"
  | "EAFNOSUPPORT"
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "ENETDOWN"
  | "ENETUNREACH"
  | "ENOBUFS"
  | "ETIMEDOUT"
  | "EHOSTUNREACH"
  | `E${number}`;

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EADDRNOTAVAIL: 99,
  ENOBUFS: 105,
  ETIMEDOUT: 110,
} as const;

export function errnoCode(errno: number): ErrnoCode {
  return (ERRNO_NAMES[errno] ?? `E${errno}`) as ErrnoCode;
}

export class OsError extends Error {
  readonly syscall: string;
  readonly errno: number;
  readonly code: ErrnoCode;

  constructor(syscall: string, errno: number, detail?: string) {
    const code = errnoCode(errno);
    super(`${syscall}: ${code} (errno ${errno})${detail ? `: ${detail}` : ""}`);
    this.name = "OsError";
    this.syscall = syscall;
    this.errno = errno;
    this.code = code;
  }
}
