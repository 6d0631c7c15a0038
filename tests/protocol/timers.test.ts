import { describe, expect, test } from "bun:test";
import {
  advertIntervalMs,
  freshAdvertDeadlineMs,
  masterDownIntervalMs,
  shutdownHoldMs,
  skewTimeMs,
  skewTimeMsV2,
  skewTimeMsV3,
} from "../../src/protocol/timers.ts";

describe("v2 (RFC 3768 §6.1): Skew_Time = (256 − P)/256 s", () => {
  test("the seed's backup, priority 254: 2/256 s = 7.8125 ms, Master_Down 3007.8125 ms", () => {
    expect(skewTimeMsV2(254)).toBe(7.8125);
    expect(masterDownIntervalMs(2, 254, 100)).toBe(3007.8125);
  });
  test("priority 100 at 1 s: 156/256 s", () => {
    expect(skewTimeMs(2, 100, 100)).toBe(609.375);
    expect(masterDownIntervalMs(2, 100, 100)).toBe(3609.375);
  });
  test("v2 skew does not scale with the advert interval", () => {
    expect(skewTimeMs(2, 100, 300)).toBe(609.375);
    expect(masterDownIntervalMs(2, 100, 300)).toBe(9609.375);
  });
});

describe("v3 (RFC 5798 §6.1): Skew_Time = ((256 − P) × MAI)/256 cs", () => {
  test("priority 100 at 100 cs", () => {
    expect(skewTimeMsV3(100, 100)).toBe(609.375);
    expect(masterDownIntervalMs(3, 100, 100)).toBe(3609.375);
  });
  test("priority 254 at 1 cs (10 ms): 0.078125 ms, no rounding", () => {
    expect(skewTimeMsV3(254, 1)).toBe(0.078125);
    expect(masterDownIntervalMs(3, 254, 1)).toBe(30.078125);
  });
  test("priority 255 (owner as backup) at the maximum interval", () => {
    expect(skewTimeMsV3(255, 4095)).toBe(159.9609375);
    expect(masterDownIntervalMs(3, 255, 4095)).toBe(3 * 40950 + 159.9609375);
  });
  test("scales with the learned interval", () => {
    expect(skewTimeMs(3, 200, 50)).toBe(skewTimeMs(3, 200, 100) / 2);
  });
});

describe("exactness and ordering", () => {
  test("every figure equals the rational RFC value ×256 as an integer (exact, no rounding)", () => {
    for (let p = 0; p <= 255; p++) {
      for (const mai of [1, 3, 7, 50, 99, 100, 101, 1000, 4095]) {
        expect(skewTimeMs(3, p, mai) * 256).toBe((256 - p) * mai * 10);
        expect(Number.isInteger(masterDownIntervalMs(3, p, mai) * 256)).toBe(true);
      }
      expect(skewTimeMs(2, p, 100) * 256).toBe((256 - p) * 1000);
    }
  });
  test("higher priority → strictly shorter Master_Down_Interval (both versions, every interval)", () => {
    for (const mai of [1, 2, 100, 4095]) {
      for (let p = 1; p < 255; p++) {
        expect(masterDownIntervalMs(3, p + 1, mai)).toBeLessThan(masterDownIntervalMs(3, p, mai));
      }
    }
    for (let p = 1; p < 255; p++) expect(masterDownIntervalMs(2, p + 1, 100)).toBeLessThan(masterDownIntervalMs(2, p, 100));
  });
  test("out-of-range priorities are clamped instead of producing negative or NaN timers", () => {
    expect(skewTimeMs(3, 300, 100)).toBe(skewTimeMs(3, 255, 100));
    expect(skewTimeMs(3, -5, 100)).toBe(skewTimeMs(3, 0, 100));
    expect(skewTimeMs(2, Number.NaN, 100)).toBe(1000);
  });
  test("advertIntervalMs", () => {
    expect(advertIntervalMs(100)).toBe(1000);
    expect(advertIntervalMs(1)).toBe(10);
  });
});

describe("shutdown hold bound", () => {
  test("covers the slowest backup's Skew_Time plus one interval, for every interval", () => {
    for (let mai = 1; mai <= 4095; mai++) {
      expect(shutdownHoldMs(3, mai)).toBeGreaterThanOrEqual(skewTimeMs(3, 1, mai) + advertIntervalMs(mai));
    }
    for (let s = 1; s <= 255; s++) {
      expect(shutdownHoldMs(2, s * 100)).toBeGreaterThanOrEqual(skewTimeMs(2, 1, s * 100) + advertIntervalMs(s * 100));
    }
  });
  test("figures: v2 1 s → 2000 ms; v3 100 cs → 2000 ms; v3 5 cs → 100 ms", () => {
    expect(shutdownHoldMs(2, 100)).toBe(2000);
    expect(shutdownHoldMs(3, 100)).toBe(2000);
    expect(shutdownHoldMs(3, 5)).toBe(100);
  });
});

describe("a fresh Adver_Timer: the interval's next tick, within one interval", () => {
  test("in (now, now + interval], on a multiple of the interval, for every phase", () => {
    for (const intervalMs of [10, 20, 30, 1000, 2550, 40950]) {
      for (let i = 0; i < 500; i++) {
        const nowMs = i * 7.8125 + (i % 13) * 0.001 + 1e6;
        const at = freshAdvertDeadlineMs(nowMs, intervalMs);
        expect(at).toBeGreaterThan(nowMs);
        expect(at).toBeLessThanOrEqual(nowMs + intervalMs);
        expect(at % intervalMs).toBe(0);
      }
    }
  });

  test("on a tick already: one whole interval on", () => {
    expect(freshAdvertDeadlineMs(5000, 1000)).toBe(6000);
    expect(freshAdvertDeadlineMs(5000.001, 1000)).toBe(6000);
    expect(freshAdvertDeadlineMs(4999.999, 1000)).toBe(5000);
  });
});
