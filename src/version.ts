// Build identity. packaging/build.ts replaces these with --define; from source they read as "dev".
declare const VIGIL_COMMIT: string | undefined;
declare const VIGIL_TARGET: string | undefined;

export const VERSION = "0.1.0";
export const COMMIT = typeof VIGIL_COMMIT === "string" ? VIGIL_COMMIT : "dev";
export const TARGET = typeof VIGIL_TARGET === "string" ? VIGIL_TARGET : `source-${process.arch}`;
