// The io thread's packed datagrams (src/os/linux/paced-send.ts): one buffer with msghdr, iovec,
// sockaddr, pktinfo cmsg and payload, whose pointers are written where the buffer lives. What the
// kernel reads is checked on the wire by io-thread.test.ts; here, the layout.
import { expect, test } from "bun:test";
import { ptr } from "bun:ffi";
import { bindPacked, packSend } from "../../src/os/linux/paced-send.ts";
import { sendRoute, view } from "../../src/os/linux/structs.ts";

const PAYLOAD = Uint8Array.of(0x31, 51, 200, 1, 0, 100, 0xab, 0xcd, 10, 99, 0, 100);

for (const family of [4, 6] as const) {
  test(`IPv${family}: the msghdr points at its own sockaddr, cmsg and payload once bound, and a copy binds to itself`, () => {
    const dst = family === 4 ? Uint8Array.of(224, 0, 0, 18) : Uint8Array.of(0xff, 2, ...new Array(13).fill(0), 0x12);
    const src = family === 4 ? Uint8Array.of(10, 99, 0, 1) : Uint8Array.of(0xfe, 0x80, ...new Array(13).fill(0), 1);
    const packed = packSend(family, 7, dst, src, PAYLOAD);
    const copy = bindPacked(packed.slice()); // as the io thread's structured clone
    for (const b of [bindPacked(packed), copy]) {
      const v = view(b);
      const base = ptr(b);
      const at = (off: number) => Number(v.getBigUint64(off, true)) - base;
      const { name, control } = sendRoute(family, 7, dst, src);
      const nameOff = at(0);
      expect(v.getUint32(8, true)).toBe(name.byteLength);
      expect(b.subarray(nameOff, nameOff + name.byteLength)).toEqual(name);
      expect(at(16)).toBe(56); // the iovec
      expect(v.getBigUint64(24, true)).toBe(1n);
      const controlOff = at(32);
      expect(controlOff % 8).toBe(0);
      expect(v.getBigUint64(40, true)).toBe(BigInt(control.byteLength));
      expect(b.subarray(controlOff, controlOff + control.byteLength)).toEqual(control);
      const dataOff = at(56);
      expect(v.getBigUint64(64, true)).toBe(BigInt(PAYLOAD.byteLength));
      expect(b.subarray(dataOff, dataOff + PAYLOAD.byteLength)).toEqual(PAYLOAD);
      expect(dataOff + PAYLOAD.byteLength).toBe(b.byteLength);
      expect(v.getInt32(48, true)).toBe(0); // msg_flags
    }
  });
}
