// setsockopt helpers that throw OsError naming the option.

import { check, libc, orErrno } from "./libc.ts";
import { alloc, int32 } from "./structs.ts";

export function setInt(fd: number, level: number, name: number, value: number, what: string): void {
  check(libc.setsockopt(fd, level, name, int32(value), 4), "setsockopt", what);
}

/** For options older kernels may lack: returns false instead of throwing. */
export function trySetInt(fd: number, level: number, name: number, value: number): boolean {
  return orErrno(libc.setsockopt(fd, level, name, int32(value), 4)) >= 0;
}

export function setBytes(fd: number, level: number, name: number, value: Uint8Array, what: string): void {
  check(libc.setsockopt(fd, level, name, value, value.byteLength), "setsockopt", what);
}

export function bindToDevice(fd: number, ifname: string): void {
  const name = new TextEncoder().encode(ifname);
  const b = alloc(name.byteLength + 1);
  b.set(name);
  check(libc.setsockopt(fd, 1, /* SOL_SOCKET */ 25, /* SO_BINDTODEVICE */ b, b.byteLength), "setsockopt", `SO_BINDTODEVICE ${ifname}`);
}
