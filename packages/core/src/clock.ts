/**
 * The only source of "now" in beklijf. Everything that needs time takes a Clock, so tests can
 * control it and demos can speed it up (`BEKLIJF_TIME_SCALE`).
 *
 * "Clock time" is what the engine reasons in: `dueAt`, send windows and caps are all in clock time.
 * With scale 1 clock time is real UTC time.
 */
export interface Clock {
  /** The current instant in clock time. */
  now(): Date;
  /** Clock milliseconds that pass per real millisecond; 1 is real time, 8640 makes a day last 10 s. */
  readonly scale: number;
  /** Maps an instant from the outside world (e.g. a statement's `timestamp`) into clock time. */
  fromRealTime(instant: Date): Date;
  /** Real milliseconds to wait until the clock shows `instant`; 0 when it already has. */
  realDelayUntil(instant: Date): number;
}

/** Real time. */
export const systemClock: Clock = {
  now: () => new Date(),
  scale: 1,
  fromRealTime: (instant) => instant,
  realDelayUntil: (instant) => Math.max(0, instant.getTime() - Date.now()),
};

/**
 * A clock that runs `scale` times faster than real time from `originMs` on (default: now).
 * Real instants map linearly, so a statement posted "now" lands at the clock's now.
 * Meant for demos and end-to-end tests in one process: two processes started at different
 * moments disagree about clock time.
 */
export function createScaledClock(options: {
  scale: number;
  originMs?: number;
  realNow?: () => number;
}): Clock {
  const { scale } = options;
  if (!Number.isFinite(scale) || scale <= 0)
    throw new RangeError(`scale must be a positive number, got ${scale}`);
  if (scale === 1 && options.realNow === undefined) return systemClock;
  const realNow = options.realNow ?? (() => Date.now());
  const origin = options.originMs ?? realNow();
  const toClock = (realMs: number): number =>
    origin + (realMs - origin) * scale;
  return {
    scale,
    now: () => new Date(toClock(realNow())),
    fromRealTime: (instant) => new Date(toClock(instant.getTime())),
    realDelayUntil: (instant) =>
      Math.max(0, Math.ceil((instant.getTime() - toClock(realNow())) / scale)),
  };
}

/** A clock that only moves when told to; for tests. */
export interface ManualClock extends Clock {
  set(instant: Date): void;
  advance(ms: number): void;
}

export function createManualClock(start: Date): ManualClock {
  let current = start.getTime();
  return {
    scale: 1,
    now: () => new Date(current),
    fromRealTime: (instant) => instant,
    realDelayUntil: (instant) => Math.max(0, instant.getTime() - current),
    set: (instant) => {
      current = instant.getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
