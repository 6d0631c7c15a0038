// keepalived's notify hooks: notify_master/backup/fault/stop run as written; `notify` gets
// "INSTANCE <name> <STATE> <priority>" appended (keepalived.conf(5)).
import type { NotifyScripts } from "../config/schema.ts";
import type { VrrpState } from "../protocol/types.ts";
import { splitCommand, type ScriptRunner } from "./spawn.ts";

const KEEPALIVED_STATE: Record<VrrpState | "stop", string> = {
  init: "BACKUP",
  backup: "BACKUP",
  master: "MASTER",
  fault: "FAULT",
  stop: "STOP",
};

export function notifyTransition(
  runner: ScriptRunner,
  scripts: NotifyScripts,
  kind: "INSTANCE" | "GROUP",
  name: string,
  to: VrrpState | "stop",
  priority: number,
): void {
  const specific =
    to === "master" ? scripts.master : to === "backup" ? scripts.backup : to === "fault" ? scripts.fault : to === "stop" ? scripts.stop : undefined;
  if (specific) runner.fire(splitCommand(specific));
  if (scripts.any) runner.fire([...splitCommand(scripts.any), kind, name, KEEPALIVED_STATE[to], String(priority)]);
}
