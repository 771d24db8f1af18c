import { DateTime, type Zone } from "luxon";

import {
  atMinuteOfDay,
  DAY_MS,
  localDayNumberOf,
  localMinuteOf,
  localMsOf,
  plusLocalDays,
  startOfNextLocalDay,
  weekdayOfDayNumber,
} from "./local-time";
import type { Policy } from "./policy";
import { WEEKDAY_NUMBERS } from "./policy";
import { minutesOf } from "./primitives";
import { isValidZoneName, remembered, zoneFor } from "./zone-cache";

// Send-window arithmetic in the recipient's IANA zone, with luxon's calendar rules (local-time.ts
// does them on epoch milliseconds, as luxon would), so a local 08:00 stays 08:00 across a DST
// change, and a day that lasts 23 or 25 hours is still one day. The DateTime functions are for
// callers outside the planner's loops; the `...Ms` ones are what the planner uses.

/** How far ahead the window and cap searches look before they give up (a policy bug, not data). */
export const MAX_SEARCH_DAYS = 400;

/** `zone` when it is a valid IANA zone, otherwise `fallback` (the tenant's zone). */
export function resolveZone(
  zone: string | undefined,
  fallback: string,
): string {
  return zone !== undefined && isValidZoneName(zone) ? zone : fallback;
}

/** What the window arithmetic needs of a policy, worked out once per policy object. */
interface WindowFacts {
  /** Bit `weekday` (1 = Monday ... 7 = Sunday) is set for each day of the send window. */
  readonly dayMask: number;
  readonly startMinute: number;
  readonly endMinute: number;
  /** Day numbers (days since 1970-01-01) of the holidays. */
  readonly holidays: ReadonlySet<number>;
}

const factsOfPolicy = new WeakMap<Policy, WindowFacts>();

function windowFacts(policy: Policy): WindowFacts {
  let facts = factsOfPolicy.get(policy);
  if (facts === undefined) {
    facts = {
      dayMask: policy.sendWindow.days.reduce(
        (mask, day) => mask | (1 << WEEKDAY_NUMBERS[day]),
        0,
      ),
      startMinute: minutesOf(policy.sendWindow.start),
      endMinute: minutesOf(policy.sendWindow.end),
      holidays: new Set(
        policy.holidays.map((date) => Date.parse(date) / DAY_MS),
      ),
    };
    factsOfPolicy.set(policy, facts);
  }
  return facts;
}

function isWindowDayNumber(dayNumber: number, facts: WindowFacts): boolean {
  return (facts.dayMask & (1 << weekdayOfDayNumber(dayNumber))) !== 0;
}

/** Is this local day (days since 1970-01-01) a day of the send window, and no holiday? */
function isWorkdayNumber(dayNumber: number, facts: WindowFacts): boolean {
  return isWindowDayNumber(dayNumber, facts) && !facts.holidays.has(dayNumber);
}

/** Is this local date one of the tenant's holidays? */
export function isHoliday(local: DateTime, policy: Policy): boolean {
  return windowFacts(policy).holidays.has(
    localDayNumberOf(local.toMillis(), local.zone),
  );
}

/** Is this local date a day of the send window (and so a workday), and no holiday? */
export function isWorkday(local: DateTime, policy: Policy): boolean {
  return isWorkdayNumber(
    localDayNumberOf(local.toMillis(), local.zone),
    windowFacts(policy),
  );
}

/** Is `instant` inside the send window, in `zone`? */
export function isInSendWindow(
  instant: Date,
  zone: string,
  policy: Policy,
): boolean {
  const facts = windowFacts(policy);
  const localZone = zoneFor(zone);
  const ts = instant.getTime();
  if (!isWorkdayNumber(localDayNumberOf(ts, localZone), facts)) return false;
  const minute = localMinuteOf(ts, localZone);
  return minute >= facts.startMinute && minute < facts.endMinute;
}

/** The same local date at the given "HH:MM" (a time in a DST gap moves forward, as luxon does). */
export function atLocalTime(local: DateTime, localTime: string): DateTime {
  return withMillis(
    local,
    atMinuteOfDay(local.toMillis(), minutesOf(localTime), local.zone),
  );
}

/** Local midnight of the next day. */
export function startOfNextDay(local: DateTime): DateTime {
  return withMillis(local, startOfNextLocalDay(local.toMillis(), local.zone));
}

function withMillis(local: DateTime, ts: number): DateTime {
  return DateTime.fromMillis(ts, { zone: local.zone });
}

export type WindowReason = "outside-send-window" | "holiday";

/**
 * The earliest instant at or after `from` that lies inside the send window, and why it moved
 * (empty when `from` was inside already). Undefined when no window opens within MAX_SEARCH_DAYS.
 * `movedToNextDay`: `from` is the midnight the caller skipped to, so waiting there for the window
 * to open is no reason of its own.
 */
export function nextWindowTime(
  from: DateTime,
  policy: Policy,
  options: { movedToNextDay?: boolean } = {},
): { at: DateTime; reasons: WindowReason[] } | undefined {
  const found = nextWindowMs(
    from.toMillis(),
    from.zone,
    policy,
    options.movedToNextDay === true,
  );
  return found && { at: withMillis(from, found.atMs), reasons: found.reasons };
}

/** `nextWindowTime` on epoch milliseconds in `zone` (see local-time.ts). */
export function nextWindowMs(
  fromMs: number,
  zone: Zone,
  policy: Policy,
  movedToNextDay: boolean,
): { atMs: number; reasons: WindowReason[] } | undefined {
  const facts = windowFacts(policy);
  const reasons: WindowReason[] = [];
  const because = (reason: WindowReason): void => {
    if (!reasons.includes(reason)) reasons.push(reason);
  };
  let local = fromMs;
  for (let day = 0; day <= MAX_SEARCH_DAYS; day++) {
    const dayNumber = localDayNumberOf(local, zone);
    if (!isWindowDayNumber(dayNumber, facts)) {
      because("outside-send-window");
    } else if (facts.holidays.has(dayNumber)) {
      because("holiday");
    } else {
      const start = atMinuteOfDay(local, facts.startMinute, zone);
      if (local < start) {
        // On a later day, waiting for the window to open is part of the skip already named.
        if (day === 0 && !movedToNextDay) because("outside-send-window");
        return { atMs: start, reasons };
      }
      if (local < atMinuteOfDay(local, facts.endMinute, zone))
        return { atMs: local, reasons };
      because("outside-send-window");
    }
    local = startOfNextLocalDay(local, zone);
  }
  return undefined;
}

/**
 * `workdays` workdays after `from`, at the same local time: counts the days of the send window
 * that are no holiday, in `from`'s zone. 0 is `from` itself; from a Friday or a Saturday, 1 is
 * the Monday.
 */
export function addWorkdays(
  from: DateTime,
  workdays: number,
  policy: Policy,
): DateTime {
  return withMillis(
    from,
    addWorkdaysMs(from.toMillis(), from.zone, workdays, policy),
  );
}

/** `addWorkdays` on epoch milliseconds in `zone` (see local-time.ts). */
export function addWorkdaysMs(
  fromMs: number,
  zone: Zone,
  workdays: number,
  policy: Policy,
): number {
  const facts = windowFacts(policy);
  let local = fromMs;
  let counted = 0;
  // Bounded: with at least one window day a week, 260 workdays fit well within 10 years.
  for (let day = 0; counted < workdays && day < 3660; day++) {
    local = plusLocalDays(local, 1, zone);
    if (isWorkdayNumber(localDayNumberOf(local, zone), facts)) counted++;
  }
  return local;
}

/** "Sat 28 Mar 10:00" in English, whatever the machine's locale: for decision messages. */
export function describeLocal(local: DateTime): string {
  return local.setLocale("en-GB").toFormat("ccc d LLL HH:mm");
}

/**
 * Descriptions by zone and local minute: formatting asks Intl (tens of microseconds), and the
 * planner describes the same few local times (window starts, ...) for many plans.
 */
const descriptions = new Map<Zone, Map<number, string>>();

/** `describeLocal` of `instant` in the named zone (UTC when not a valid zone), memoised. */
export function describeInstant(instant: Date, zoneName: string): string {
  const zone = zoneFor(zoneName);
  const ts = instant.getTime();
  const byMinute = remembered(
    descriptions,
    zone,
    1_000,
    () => new Map<number, string>(),
  );
  return remembered(
    byMinute,
    Math.floor(localMsOf(ts, zone) / 60_000),
    10_000,
    () => describeLocal(DateTime.fromMillis(ts, { zone })),
  );
}
