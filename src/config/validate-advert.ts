// advert_int → centiseconds. keepalived.conf: keepalived's reading (vrrp_adv_handler, then
// vrrp_complete_instance): unreadable or outside 0.01–255 s is ignored (default 1 s); VRRPv2 rounds
// to whole seconds (at least 1); VRRPv3 clamps to 40.95 s and rounds to centiseconds. Each change is
// a warning. vigil's TOML keeps refusing such values.

import type { VrrpVersion } from "../protocol/types.ts";
import type { Diags } from "./diagnostics.ts";
import type { Located } from "./draft.ts";

const V2_MAX_SEC = 255; // RFC 3768 §5.3.7: one octet of seconds
const V3_MAX_CS = 4095; // RFC 5798 §5.2.7: 12 bits of centiseconds
const READ_MIN_SEC = 0.01;
const READ_MAX_SEC = 255;

export function advertInterval(ai: Located<number> | undefined, version: VrrpVersion, dfltSec: number, diags: Diags): number {
  const dflt = Math.round(dfltSec * 100);
  if (!ai) return dflt;
  const v = ai.value;
  if (!diags.keepalivedCompat) return strictAdvert(ai, version, dflt, diags);
  if (!Number.isFinite(v) || v < READ_MIN_SEC || v > READ_MAX_SEC) {
    diags.warn(ai.pos, `advert_int ${v} is outside ${READ_MIN_SEC}–${READ_MAX_SEC} s; ignored, ${dfltSec} s used (as keepalived)`);
    return dflt;
  }
  const us = Math.round(v * 1e6); // keepalived keeps microseconds (TIMER_HZ)
  if (version === 2) {
    if (us % 1_000_000 === 0) return (us / 1_000_000) * 100;
    const sec = Math.max(1, Math.floor((us + 500_000) / 1_000_000));
    diags.warn(ai.pos, `advert_int ${v}: VRRPv2 counts whole seconds; rounded to ${sec} s (as keepalived)`);
    return Math.min(sec, V2_MAX_SEC) * 100;
  }
  if (us >= (V3_MAX_CS + 1) * 10_000) {
    diags.warn(ai.pos, `advert_int ${v} is above the VRRPv3 maximum; set to ${V3_MAX_CS / 100} s (as keepalived)`);
    return V3_MAX_CS;
  }
  if (us % 10_000 === 0) return us / 10_000;
  const cs = Math.max(1, Math.floor((us + 5_000) / 10_000));
  diags.warn(ai.pos, `advert_int ${v}: VRRPv3 counts centiseconds; rounded to ${cs / 100} s (as keepalived)`);
  return cs;
}

function strictAdvert(ai: Located<number>, version: VrrpVersion, dflt: number, diags: Diags): number {
  const v = ai.value;
  if (version === 2) {
    if (!Number.isInteger(v) || v < 1 || v > V2_MAX_SEC) {
      diags.error(ai.pos, `advert_int ${v} is invalid for VRRPv2: whole seconds 1–255 (fractions need version 3)`);
      return dflt;
    }
    return v * 100;
  }
  if (!(v >= 0.01 && v <= V3_MAX_CS / 100)) {
    diags.error(ai.pos, `advert_int ${v} is out of range for VRRPv3 (0.01–40.95 s)`);
    return dflt;
  }
  const cs = Math.round(v * 100);
  if (Math.abs(v * 100 - cs) > 1e-6) diags.warn(ai.pos, `advert_int ${v} rounded to ${cs / 100} s (VRRPv3 counts centiseconds)`);
  return cs;
}
