import type { Zone } from "luxon";

// Local-calendar arithmetic on epoch milliseconds, for the planner's inner loops. It gives exactly
// what luxon gives for the same operation (a DateTime is fully determined by its instant and
// zone, and its offset is always `zone.offset(ts)`), but allocates nothing: luxon builds a
// DateTime, a calendar object and a Duration per step, which was most of the planner's CPU.
// The zone is a luxon Zone only for its `offset(ts)`; pass the memoising one from `zoneFor`.
// local-time.test.ts compares every function with luxon on many random instants and zones.

export const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * The local wall-clock time of `ts` as if it were UTC, in ms: what luxon's calendar fields of
 * `DateTime.fromMillis(ts, { zone })` stand for. Written as luxon writes it (the same floating
 * point steps, truncated as `Date` truncates), so fractional historical offsets agree too.
 */
export function localMsOf(ts: number, zone: Zone): number {
  return Math.trunc(ts + zone.offset(ts) * 60 * 1000);
}

/** Days since 1970-01-01 of the local date of `ts`. */
export function localDayNumberOf(ts: number, zone: Zone): number {
  return Math.floor(localMsOf(ts, zone) / DAY_MS);
}

/** Minutes since local midnight of `ts` (seconds dropped). */
export function localMinuteOf(ts: number, zone: Zone): number {
  const local = localMsOf(ts, zone);
  return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / MINUTE_MS);
}

/** ISO weekday (1 = Monday ... 7 = Sunday, as luxon's `weekday`) of a day number. */
export function weekdayOfDayNumber(dayNumber: number): number {
  // 1970-01-01 was a Thursday (4).
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

/**
 * The instant of a local wall-clock time (`localMs`, as from `localMsOf`), starting from the
 * guess `offset`: luxon's own rule, so a time in a DST gap moves forward by the gap and a time
 * that occurs twice takes the offset of the guess when it fits.
 */
function fromLocal(localMs: number, offset: number, zone: Zone): number {
  let utcGuess = localMs - offset * 60 * 1000;
  const o2 = zone.offset(utcGuess);
  if (offset === o2) return utcGuess;
  utcGuess -= (o2 - offset) * 60 * 1000;
  const o3 = zone.offset(utcGuess);
  if (o2 === o3) return utcGuess;
  return localMs - Math.min(o2, o3) * 60 * 1000;
}

/** luxon's `dt.set({ hour, minute, second: 0, millisecond: 0 })` for `minuteOfDay` minutes. */
export function atMinuteOfDay(
  ts: number,
  minuteOfDay: number,
  zone: Zone,
): number {
  const offset = zone.offset(ts);
  const local = Math.trunc(ts + offset * 60 * 1000);
  const midnight = Math.floor(local / DAY_MS) * DAY_MS;
  return fromLocal(midnight + minuteOfDay * MINUTE_MS, offset, zone);
}

/** luxon's `dt.plus({ days })`: the same local time `days` local days later. */
export function plusLocalDays(ts: number, days: number, zone: Zone): number {
  const offset = zone.offset(ts);
  return fromLocal(
    Math.trunc(ts + offset * 60 * 1000) + days * DAY_MS,
    offset,
    zone,
  );
}

/** luxon's `dt.plus({ days: 1 }).startOf("day")`: local midnight of the next day. */
export function startOfNextLocalDay(ts: number, zone: Zone): number {
  return atMinuteOfDay(plusLocalDays(ts, 1, zone), 0, zone);
}
