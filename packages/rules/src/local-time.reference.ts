import { DateTime, Duration } from "luxon";

import type { Policy } from "./policy";
import { WEEKDAY_NUMBERS } from "./policy";
import { minutesOf } from "./primitives";
import type { RuleStep } from "./rule";
import { MAX_SEARCH_DAYS } from "./send-window";

// The planner's calendar as it was written with luxon DateTimes (until 2026-11-24), kept only for
// local-time.test.ts: the epoch-millisecond version must give exactly the same answers.

type Reason = "outside-send-window" | "holiday" | "daily-cap" | "weekly-cap";

export function atLocalTimeRef(local: DateTime, localTime: string): DateTime {
  const minutes = minutesOf(localTime);
  return local.set({
    hour: Math.floor(minutes / 60),
    minute: minutes % 60,
    second: 0,
    millisecond: 0,
  });
}

export function startOfNextDayRef(local: DateTime): DateTime {
  return local.plus({ days: 1 }).startOf("day");
}

function isWindowDay(local: DateTime, policy: Policy): boolean {
  return policy.sendWindow.days.some(
    (day) => WEEKDAY_NUMBERS[day] === local.weekday,
  );
}

function isHoliday(local: DateTime, policy: Policy): boolean {
  const date = local.toISODate();
  return date !== null && policy.holidays.includes(date);
}

export function nextWindowTimeRef(
  from: DateTime,
  policy: Policy,
  movedToNextDay: boolean,
): { at: DateTime; reasons: Reason[] } | undefined {
  const reasons = new Set<Reason>();
  let local = from;
  for (let day = 0; day <= MAX_SEARCH_DAYS; day++) {
    if (!isWindowDay(local, policy)) {
      reasons.add("outside-send-window");
    } else if (isHoliday(local, policy)) {
      reasons.add("holiday");
    } else {
      const start = atLocalTimeRef(local, policy.sendWindow.start);
      const end = atLocalTimeRef(local, policy.sendWindow.end);
      if (local < start) {
        if (day === 0 && !movedToNextDay) reasons.add("outside-send-window");
        return { at: start, reasons: [...reasons] };
      }
      if (local < end) return { at: local, reasons: [...reasons] };
      reasons.add("outside-send-window");
    }
    local = startOfNextDayRef(local);
  }
  return undefined;
}

export function addWorkdaysRef(
  from: DateTime,
  workdays: number,
  policy: Policy,
): DateTime {
  let local = from;
  let counted = 0;
  for (let day = 0; counted < workdays && day < 3660; day++) {
    local = local.plus({ days: 1 });
    if (isWindowDay(local, policy) && !isHoliday(local, policy)) counted++;
  }
  return local;
}

export function idealTimeRef(
  step: RuleStep,
  trigger: DateTime,
  policy: Policy,
): DateTime {
  const offset = step.offset;
  const landed =
    typeof offset === "string"
      ? trigger.plus(Duration.fromISO(offset))
      : addWorkdaysRef(trigger, offset.workdays, policy);
  if (step.at === undefined) return landed;
  const at = atLocalTimeRef(landed, step.at);
  return at < trigger ? atLocalTimeRef(at.plus({ days: 1 }), step.at) : at;
}

interface Email {
  readonly day: string;
  readonly dayNumber: number;
  atMs: number;
  readonly kind: "sent" | "planned" | "new";
}

function toBooked(local: DateTime, kind: Email["kind"]): Email {
  const { year, month, day } = local;
  return {
    day: local.toISODate() ?? "",
    dayNumber: Date.UTC(year, month - 1, day) / 86_400_000,
    atMs: local.toMillis(),
    kind,
  };
}

/** The calendar's `place`, for a list of earliest instants booked one after another. */
export function placeAllRef(
  zone: string,
  policy: Policy,
  booked: readonly { dueAt: Date; status: "planned" | "sent" }[],
  earliest: readonly Date[],
): ({ atMs: number; placedAtMs: number; reasons: Reason[] } | undefined)[] {
  const inZone = (instant: Date): DateTime =>
    DateTime.fromJSDate(instant, { zone });
  const byInstant = new Map<number, Email>();
  for (const nudge of booked) {
    const existing = byInstant.get(nudge.dueAt.getTime());
    if (existing !== undefined && existing.kind === "sent") continue;
    byInstant.set(
      nudge.dueAt.getTime(),
      toBooked(inZone(nudge.dueAt), nudge.status),
    );
  }
  const emails = [...byInstant.values()];
  const { perDay, perWeek } = policy.caps;
  const breaksWeeklyCap = (dayNumber: number): boolean => {
    for (let start = dayNumber - 6; start <= dayNumber; start++) {
      const inWindow = emails.filter(
        (email) => email.dayNumber >= start && email.dayNumber <= start + 6,
      ).length;
      if (inWindow + 1 > perWeek) return true;
    }
    return false;
  };
  const place = (instant: Date) => {
    const reasons = new Set<Reason>();
    let from = inZone(instant);
    for (let attempt = 0; attempt <= MAX_SEARCH_DAYS; attempt++) {
      const window = nextWindowTimeRef(from, policy, attempt > 0);
      if (window === undefined) return undefined;
      window.reasons.forEach((reason) => reasons.add(reason));
      const at = window.at;
      const slot = toBooked(at, "new");
      const sameDay = emails.filter((email) => email.day === slot.day);
      const joinable =
        sameDay.find((email) => email.kind === "new") ??
        sameDay
          .filter(
            (email) => email.kind === "planned" && email.atMs >= slot.atMs,
          )
          .sort((a, b) => a.atMs - b.atMs)[0];
      if (joinable !== undefined) {
        if (joinable.kind === "new")
          joinable.atMs = Math.max(joinable.atMs, slot.atMs);
        return {
          email: joinable,
          placedAtMs: at.toMillis(),
          reasons: [...reasons],
        };
      }
      if (sameDay.length >= perDay) {
        reasons.add("daily-cap");
        from = startOfNextDayRef(at);
        continue;
      }
      if (breaksWeeklyCap(slot.dayNumber)) {
        reasons.add("weekly-cap");
        from = startOfNextDayRef(at);
        continue;
      }
      emails.push(slot);
      return { email: slot, placedAtMs: at.toMillis(), reasons: [...reasons] };
    }
    return undefined;
  };
  // An email's time may move later when a later nudge joins it: read them all at the end.
  const placements = earliest.map(place);
  return placements.map(
    (placement) =>
      placement && {
        atMs: placement.email.atMs,
        placedAtMs: placement.placedAtMs,
        reasons: placement.reasons,
      },
  );
}
