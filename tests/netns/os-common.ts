// Shared bits of the src/os/linux real-kernel tests.

import { createLab, type Lab, type LabOptions, type Rpc } from "./lab.ts";

export const DRIVER = new URL("./os-driver.ts", import.meta.url).pathname;

/** Namespaces need root and iproute2; elsewhere these tests are skipped, not failed. */
export const CAN_NETNS = process.platform === "linux" &&
  process.getuid?.() === 0 &&
  Bun.spawnSync(["ip", "netns", "list"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;

export const HAS_TCPDUMP = Bun.spawnSync(["sh", "-c", "command -v tcpdump"], { stdout: "ignore" }).exitCode === 0;

export interface OsError {
  name: string;
  code: string;
  errno: number;
  syscall: string;
  message: string;
}

/** Runs `body` with a fresh lab and one driver per named node; everything is torn down after. */
export async function withLab(opts: LabOptions, body: (lab: Lab, drv: Record<string, Rpc>) => Promise<void>): Promise<void> {
  const lab = createLab(opts);
  try {
    const drv: Record<string, Rpc> = {};
    for (const n of opts.nodes) drv[n] = lab.rpc(n, DRIVER);
    await body(lab, drv);
  } finally {
    await lab.cleanup();
  }
}

/** The rejection of a driver call, as the OsError fields it carried. */
export async function rejection(p: Promise<unknown>): Promise<OsError> {
  try {
    await p;
  } catch (e) {
    return e as OsError;
  }
  throw new Error("expected the call to fail");
}
