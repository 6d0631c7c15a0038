// garp_group blocks and garp_extra_if → the model, with keepalived's rules: a group needs an
// interface; an interface belongs to one group (keepalived ignores a second); `interface` and
// `interfaces` are not both given. An instance takes the intervals of the group of its interface
// unless it sets its own (a vigil extension), and shares that group's pace when the group spans
// several interfaces. garp_extra_if falls back to the global vrrp_garp_extra_if.
import type { Diags } from "./diagnostics.ts";
import type { ConfigDraft, GlobalDraft, InstanceDraft } from "./draft.ts";
import type { GarpGroupConfig, InstanceConfig } from "./schema.ts";

const MAX_INTERVAL_SEC = 2147; // keepalived reads µs into an int

function ms(v: { value: number; pos: GarpGroupConfig["pos"] } | undefined, what: string, diags: Diags): number | undefined {
  if (!v) return undefined;
  if (!(v.value >= 0 && v.value <= MAX_INTERVAL_SEC)) {
    diags.tolerate(v.pos, `garp_group ${what} ${v.value} invalid (0–${MAX_INTERVAL_SEC} s)${diags.keepalivedCompat ? "; ignored (as keepalived)" : ""}`);
    return undefined;
  }
  if (v.value >= 1) diags.advise(v.pos, `garp_group ${what} is very large: ${v.value} seconds (as keepalived says)`);
  return Math.round(v.value * 1000);
}

export function garpGroups(draft: ConfigDraft, diags: Diags): GarpGroupConfig[] {
  const out: GarpGroupConfig[] = [];
  const owner = new Map<string, number>();
  for (const d of draft.garpGroups ?? []) {
    if (d.interface && d.interfaces) diags.warn(d.interface.pos, "garp_group: give either interface or interfaces, not both (keepalived uses both)");
    const names = [...(d.interface ? [d.interface] : []), ...(d.interfaces ?? [])];
    const g: GarpGroupConfig = { interfaces: [], pos: d.pos };
    if (d.interfaces && !d.interface) g.list = true;
    const garp = ms(d.garpIntervalSec, "garp_interval", diags);
    const gna = ms(d.gnaIntervalSec, "gna_interval", diags);
    if (garp !== undefined) g.garpIntervalMs = garp;
    if (gna !== undefined) g.gnaIntervalMs = gna;
    for (const n of names) {
      if (owner.has(n.value)) {
        diags.tolerate(n.pos, `garp_group already specified for ${n.value}${diags.keepalivedCompat ? "; ignored (as keepalived)" : ""}`);
        continue;
      }
      owner.set(n.value, out.length);
      g.interfaces.push(n.value);
    }
    if (g.interfaces.length === 0) {
      diags.tolerate(d.pos, `garp_group has no interface${diags.keepalivedCompat ? "; ignored (as keepalived)" : ""}`);
      continue;
    }
    if (d.interface && d.interfaces) g.list = true;
    out.push(g);
  }
  return out;
}

/** garp_extra_if of one instance (its own, else the global one); undefined = off. */
export function garpExtraIf(d: InstanceDraft, g: GlobalDraft): InstanceConfig["garpExtraIf"] {
  const own = d.garpExtraIfSec !== undefined;
  const sec = own ? d.garpExtraIfSec : g.garpExtraIfSec;
  if (!sec || sec.value <= 0) return undefined;
  return { intervalSec: sec.value, all: (own ? d.garpExtraIfAll : g.garpExtraIfAll)?.value ?? false };
}

/** The group of each instance's interface: its intervals (unless the instance has its own) and shared pace. */
export function foldGarpGroups(groups: GarpGroupConfig[], drafts: InstanceDraft[], instances: InstanceConfig[]): void {
  instances.forEach((inst, i) => {
    const n = groups.findIndex((g) => g.interfaces.includes(inst.interface));
    if (n < 0) return;
    const g = groups[n]!;
    const d = drafts[i];
    if (g.garpIntervalMs !== undefined && d?.garpIntervalSec === undefined) inst.garpIntervalMs = g.garpIntervalMs;
    if (g.gnaIntervalMs !== undefined && d?.gnaIntervalSec === undefined) inst.gnaIntervalMs = g.gnaIntervalMs;
    if (g.interfaces.length > 1) inst.garpGroup = n;
  });
}
