import { createManualClock, createScaledClock, systemClock } from "./clock";

describe("createScaledClock", () => {
  it("runs scale times faster than real time from its origin", () => {
    let real = 1_000_000;
    const clock = createScaledClock({
      scale: 8640,
      originMs: real,
      realNow: () => real,
    });
    real += 10_000; // ten real seconds
    expect(clock.now().getTime() - 1_000_000).toBe(86_400_000); // one clock day
  });

  it("maps a real instant into clock time and turns clock delays into real delays", () => {
    let real = 5_000;
    const clock = createScaledClock({
      scale: 100,
      originMs: 0,
      realNow: () => real,
    });
    expect(clock.fromRealTime(new Date(5_000)).getTime()).toBe(500_000);
    expect(clock.realDelayUntil(new Date(500_000 + 100_000))).toBe(1_000);
    real = 7_000;
    expect(clock.realDelayUntil(new Date(500_000))).toBe(0);
  });

  it("is the system clock at scale 1 and refuses a non-positive scale", () => {
    expect(createScaledClock({ scale: 1 })).toBe(systemClock);
    expect(() => createScaledClock({ scale: 0 })).toThrow(RangeError);
  });
});

describe("createManualClock", () => {
  it("moves only when told to", () => {
    const clock = createManualClock(new Date("2026-01-05T09:00:00Z"));
    clock.advance(60_000);
    expect(clock.now().toISOString()).toBe("2026-01-05T09:01:00.000Z");
    expect(clock.realDelayUntil(new Date("2026-01-05T09:02:00Z"))).toBe(60_000);
  });
});
