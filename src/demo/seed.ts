// The keepalived wiki's two configs (seed/keepalived-wiki-fr.txt), byte for byte — tabs and the
// trailing space after "advert_int 1" on the second machine included — so `vigil demo` proves the
// README's claim that keepalived.conf works verbatim. tests/packaging compares them with
// packaging/examples/seed-r{1,2}.conf.
export const SEED_R1_CONF =
  "vrrp_instance VI_1 {\n\tinterface eth0\n\tvirtual_router_id 51\n\tpriority 255\n\tadvert_int 1\n\tvirtual_ipaddress {\n\t\t192.168.0.254/24\n\t}\n}\n";
export const SEED_R2_CONF =
  "vrrp_instance VI_1 {\n\tinterface eth0\n\tvirtual_router_id 51\n\tpriority 254\n\tadvert_int 1 \n\tvirtual_ipaddress {\n\t\t192.168.0.254/24\n\t}\n}\n";

export const VIP = "192.168.0.254";
export const VRID = 51;
export const ADVERT_INT_S = 1;
export const PRIORITY = { r1: 255, r2: 254 } as const;

/** RFC 3768 §6.1: Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time, Skew = (256 − P)/256 s. */
export function masterDownS(priority: number, advertIntS = ADVERT_INT_S): number {
  return 3 * advertIntS + skewS(priority);
}
export function skewS(priority: number): number {
  return (256 - priority) / 256;
}
