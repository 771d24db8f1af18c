/** The longest a failing pull connection waits between tries, in ms (one hour). */
export const MAX_PULL_BACKOFF_MS = 3_600_000;

/**
 * How long a pull connection waits after its `failures`-th failure in a row: the interval doubled
 * per failure, capped at {@link MAX_PULL_BACKOFF_MS}, with "equal jitter" (between half and all
 * of it) so that connections failing together do not retry together. `random` returns [0, 1).
 */
export function pullBackoffMs(
  intervalMs: number,
  failures: number,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(MAX_PULL_BACKOFF_MS, intervalMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
