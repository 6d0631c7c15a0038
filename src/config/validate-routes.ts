// virtual_routes / static_routes: one RouteDraft → VirtualRoute, with keepalived's checks (a route
// keepalived would not add is skipped with a warning in keepalived mode).
import { parseIp, parsePrefix } from "./address.ts";
import type { Diags } from "./diagnostics.ts";
import type { InstanceDraft } from "./draft.ts";
import type { VirtualRoute } from "./schema.ts";
import { inRange, isInt } from "./validate-number.ts";
import { checkIfName } from "./validate-vips.ts";

export function route(d: InstanceDraft["routes"][number], diags: Diags): VirtualRoute | undefined {
  const r: VirtualRoute = { to: d.to.value, pos: d.to.pos };
  // keepalived: "VRRP parsed invalid IP …" and the route is not added.
  const skip = diags.keepalivedCompat ? "; route skipped (as keepalived)" : "";
  if (d.to.value !== "default") {
    const p = parsePrefix(d.to.value);
    if ("error" in p) return (diags.tolerate(d.to.pos, `bad route destination: ${p.error}${skip}`), undefined);
    r.to = `${p.address}/${p.prefixLength}`;
  }
  for (const k of ["via", "src"] as const) {
    const v = d[k];
    if (!v) continue;
    const ip = parseIp(v.value);
    if (!ip) return (diags.tolerate(v.pos, `route ${k} '${v.value}' is not an IP address${skip}`), undefined);
    r[k] = ip.address;
  }
  if (d.dev) {
    checkIfName(d.dev, "route dev", diags);
    r.dev = d.dev.value;
  }
  if (d.metric && isInt(d.metric, "route metric", diags) && inRange(d.metric, 0, 4294967295, "route metric", diags)) r.metric = d.metric.value;
  if (d.table && isInt(d.table, "route table", diags) && inRange(d.table, 1, 4294967295, "route table", diags)) r.table = d.table.value;
  if (d.type) r.type = d.type.value;
  if (d.nexthops && d.nexthops.length > 0) {
    r.nexthops = d.nexthops.map((h) => {
      const ip = h.via ? parseIp(h.via.value) : undefined;
      if (h.via && !ip) diags.tolerate(h.via.pos, `nexthop via '${h.via.value}' is not an IP address${diags.keepalivedCompat ? "; ignored" : ""}`);
      if (h.dev) checkIfName(h.dev, "nexthop dev", diags);
      if (h.weight && !(h.weight.value >= 1 && h.weight.value <= 256)) diags.error(h.weight.pos, "nexthop weight must be 1..256");
      return {
        ...(ip && { via: ip.address }),
        ...(h.dev && { dev: h.dev.value }),
        ...(h.weight && { weight: h.weight.value }),
        ...(h.onlink && { onlink: true }),
        ...(h.realms !== undefined && { realms: h.realms }),
      };
    });
  }
  return routeFamilyOptions(r, d, skip, diags);
}

/** The options whose meaning depends on the route's family (keepalived's checks, route skipped). */
function routeFamilyOptions(r: VirtualRoute, d: InstanceDraft["routes"][number], skip: string, diags: Diags): VirtualRoute | undefined {
  const addrs = [r.to === "default" ? undefined : r.to, r.via, r.src, ...(r.nexthops ?? []).map((h) => h.via)];
  const family = addrs.some((a) => a?.includes(":")) ? 6 : addrs.some((a) => a !== undefined) ? 4 : undefined;
  if (d.inet && family !== undefined && d.inet.value !== family) {
    return (diags.tolerate(d.inet.pos, `inet${d.inet.value === 6 ? "6" : ""} specified for an IPv${family} route${skip}`), undefined);
  }
  if (r.to === "default" && d.inet) r.to = d.inet.value === 6 ? "::/0" : "0.0.0.0/0";
  const o = d.options;
  if (o && family !== 6 && d.inet?.value !== 6) {
    if (o.pref !== undefined) return (diags.tolerate(d.to.pos, `pref is only valid for IPv6${skip}`), undefined);
    if (o.expires !== undefined) return (diags.tolerate(d.to.pos, `expires is only valid for IPv6${skip}`), undefined);
  }
  if (o) r.options = o;
  return r;
}
