import type { Clock } from "@beklijf/core";

/**
 * Counts failed sign-ins per key (an account, an address) in a sliding window, in memory. One
 * process's memory is enough for the embedded default; behind several web replicas each one
 * counts on its own, so the effective limit is the limit times the replicas (see ADR 0005).
 */
export interface FailureLimiter {
  /** True while the key has had `max` failures within the window. */
  isBlocked(key: string): boolean;
  fail(key: string): void;
  reset(key: string): void;
}

export function createFailureLimiter(options: {
  clock: Clock;
  max: number;
  windowMs: number;
  /** Keys kept at most, so a flood of made-up accounts cannot grow memory without end. */
  maxKeys?: number;
}): FailureLimiter {
  const failures = new Map<string, number[]>();
  const maxKeys = options.maxKeys ?? 10_000;
  const recent = (key: string): number[] => {
    const since = options.clock.now().getTime() - options.windowMs;
    const kept = (failures.get(key) ?? []).filter((t) => t > since);
    if (kept.length === 0) failures.delete(key);
    else failures.set(key, kept);
    return kept;
  };
  return {
    isBlocked: (key) => recent(key).length >= options.max,
    fail: (key) => {
      const kept = recent(key);
      if (!failures.has(key) && failures.size >= maxKeys) {
        const oldest = failures.keys().next().value;
        if (oldest !== undefined) failures.delete(oldest);
      }
      failures.set(key, [...kept, options.clock.now().getTime()]);
    },
    reset: (key) => {
      failures.delete(key);
    },
  };
}
