import { createManualClock } from "@beklijf/core";

import { createFailureLimiter } from "./rate-limit";

describe("createFailureLimiter", () => {
  const setUp = (maxKeys?: number) => {
    const clock = createManualClock(new Date("2026-03-02T09:00:00Z"));
    const limiter = createFailureLimiter({
      clock,
      max: 3,
      windowMs: 60_000,
      ...(maxKeys === undefined ? {} : { maxKeys }),
    });
    return { clock, limiter };
  };

  it("blocks a key after max failures within the window, and lets it go when they age out", () => {
    const { clock, limiter } = setUp();
    limiter.fail("a");
    clock.advance(30_000);
    limiter.fail("a");
    limiter.fail("a");
    expect(limiter.isBlocked("a")).toBe(true);
    expect(limiter.isBlocked("b")).toBe(false);
    clock.advance(30_001);
    expect(limiter.isBlocked("a")).toBe(false);
  });

  it("forgets a key on reset", () => {
    const { limiter } = setUp();
    for (let i = 0; i < 3; i += 1) limiter.fail("a");
    limiter.reset("a");
    expect(limiter.isBlocked("a")).toBe(false);
  });

  it("keeps at most maxKeys keys, dropping the oldest", () => {
    const { limiter } = setUp(2);
    for (const key of ["a", "b", "c"])
      for (let i = 0; i < 3; i += 1) limiter.fail(key);
    expect(limiter.isBlocked("a")).toBe(false);
    expect(limiter.isBlocked("b")).toBe(true);
    expect(limiter.isBlocked("c")).toBe(true);
  });
});
