import { type DateTime } from "luxon";

import type { Policy } from "./policy";
import { WEEKDAY_NUMBERS } from "./policy";
import { minutesOf } from "./primitives";
import { inZone, isValidZoneName } from "./zone-cache";

// Send-window arithmetic in the recipient's IANA zone. luxon does the calendar work, so a local
// 08:00 stays 08:00 across a DST change, and a day that lasts 23 or 25 hours is still one day.

/** How far ahead the window and cap searches look before they give up (a policy bug, not data). */
export const MAX_SEARCH_DAYS = 400;

/** `zone` when it is a valid IANA zone, otherwise `fallback` (the tenant's zone). */
export function resolveZone(
  zone: string | undefined,
  fallback: string,
): string {
  return zone !== undefined && isValidZoneName(zone) ? zone : fallback;
}

/** Is this local date one of the tenant's holidays? */
export function isHoliday(local: DateTime, policy: Policy): boolean {
  if (policy.holidays.length === 0) return false;
  const date = local.toISODate();
  return date !== null && policy.holidays.includes(date);
}

/** Is this local date's weekday one of the send window's days? */
function isWindowDay(local: DateTime, policy: Policy): boolean {
  return policy.sendWindow.days.some(
    (day) => WEEKDAY_NUMBERS[day] === local.weekday,
  );
}

/** Is this local date a day of the send window (and so a workday), and no holiday? */
export function isWorkday(local: DateTime, policy: Policy): boolean {
  return isWindowDay(local, policy) && !isHoliday(local, policy);
}

/** Is `instant` inside the send window, in `zone`? */
export function isInSendWindow(
  instant: Date,
  zone: string,
  policy: Policy,
): boolean {
  const local = inZone(instant, zone);
  if (!isWorkday(local, policy)) return false;
  const minute = local.hour * 60 + local.minute;
  return (
    minute >= minutesOf(policy.sendWindow.start) &&
    minute < minutesOf(policy.sendWindow.end)
  );
}

/** The same local date at the given "HH:MM" (a time in a DST gap moves forward, as luxon does). */
export function atLocalTime(local: DateTime, localTime: string): DateTime {
  const minutes = minutesOf(localTime);
  return local.set({
    hour: Math.floor(minutes / 60),
    minute: minutes % 60,
    second: 0,
    millisecond: 0,
  });
}

/** Local midnight of the next day. */
export function startOfNextDay(local: DateTime): DateTime {
  return local.plus({ days: 1 }).startOf("day");
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
  const reasons = new Set<WindowReason>();
  let local: DateTime = from;
  for (let day = 0; day <= MAX_SEARCH_DAYS; day++) {
    if (!isWindowDay(local, policy)) {
      reasons.add("outside-send-window");
    } else if (isHoliday(local, policy)) {
      reasons.add("holiday");
    } else {
      const start = atLocalTime(local, policy.sendWindow.start);
      const end = atLocalTime(local, policy.sendWindow.end);
      if (local < start) {
        // On a later day, waiting for the window to open is part of the skip already named.
        if (day === 0 && options.movedToNextDay !== true)
          reasons.add("outside-send-window");
        return { at: start, reasons: [...reasons] };
      }
      if (local < end) return { at: local, reasons: [...reasons] };
      reasons.add("outside-send-window");
    }
    local = startOfNextDay(local);
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
  let local: DateTime = from;
  let counted = 0;
  // Bounded: with at least one window day a week, 260 workdays fit well within 10 years.
  for (let day = 0; counted < workdays && day < 3660; day++) {
    local = local.plus({ days: 1 });
    if (isWorkday(local, policy)) counted++;
  }
  return local;
}

/** "Sat 28 Mar 10:00" in English, whatever the machine's locale: for decision messages. */
export function describeLocal(local: DateTime): string {
  return local.setLocale("en-GB").toFormat("ccc d LLL HH:mm");
}
