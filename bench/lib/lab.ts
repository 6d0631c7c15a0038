// The namespace lab of tests/netns, registered for cleanup on finally and on Ctrl-C.
import { createLab, type Lab, type LabOptions } from "../../tests/netns/lab.ts";
import { onCleanup } from "./cleanup.ts";

export function benchLab(opts: LabOptions): Lab {
  const lab = createLab({ prefix: "vgbench", ...opts });
  onCleanup(() => lab.cleanup());
  return lab;
}
