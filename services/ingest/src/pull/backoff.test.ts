import { MAX_PULL_BACKOFF_MS, pullBackoffMs } from "./backoff";

describe("pullBackoffMs", () => {
  it.each([
    [1, 0, 30_000],
    [1, 0.999_999, 60_000],
    [2, 0, 60_000],
    [3, 0, 120_000],
    [4, 0.5, 360_000],
  ])(
    "after %i failure(s) with jitter %d waits %i ms (60 s interval)",
    (failures, jitter, expected) => {
      expect(pullBackoffMs(60_000, failures, () => jitter)).toBe(expected);
    },
  );

  it("never waits longer than an hour", () => {
    expect(pullBackoffMs(60_000, 40, () => 0.999_999)).toBeLessThanOrEqual(
      MAX_PULL_BACKOFF_MS,
    );
    expect(pullBackoffMs(60_000, 40, () => 0)).toBe(MAX_PULL_BACKOFF_MS / 2);
  });
});
