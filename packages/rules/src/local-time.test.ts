import { DateTime, IANAZone } from "luxon";

import {
  atMinuteOfDay,
  localDayNumberOf,
  plusLocalDays,
  startOfNextLocalDay,
  weekdayOfDayNumber,
} from "./local-time";
import {
  addWorkdaysRef,
  atLocalTimeRef,
  idealTimeRef,
  nextWindowTimeRef,
  placeAllRef,
  startOfNextDayRef,
} from "./local-time.reference";
import { idealTimeMs } from "./plan-steps";
import { Policy, type Weekday } from "./policy";
import { createRecipientCalendar } from "./recipient-calendar";
import { RuleStep } from "./rule";
import { addWorkdaysMs, describeInstant, nextWindowMs } from "./send-window";
import { zoneFor } from "./zone-cache";

// The epoch-millisecond calendar against luxon, the way the planner used it before, on many
// random instants: around every DST change of many zones (the hard part), and anywhere.

const ZONES = [
  "Europe/Amsterdam",
  "America/New_York",
  "Pacific/Auckland",
  "Asia/Kolkata",
  "America/St_Johns",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Asia/Kathmandu",
  "America/Santiago",
  "Africa/Casablanca",
  "Asia/Tehran",
  "America/Havana",
  "UTC",
];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2031, 0, 1);

/** A small seeded generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Instants where the zone's offset changes, to the minute. */
function changesOf(zone: string): number[] {
  const exact = IANAZone.create(zone);
  const changes: number[] = [];
  for (let t = FROM; t < TO; t += 6 * HOUR_MS) {
    if (exact.offset(t) === exact.offset(t + 6 * HOUR_MS)) continue;
    let low = t;
    let high = t + 6 * HOUR_MS;
    while (high - low > 60_000) {
      const mid = low + Math.floor((high - low) / 120_000) * 60_000;
      if (exact.offset(mid) === exact.offset(low)) low = mid;
      else high = mid;
    }
    changes.push(high);
  }
  return changes;
}

const next = random(20261124);
const pick = <T>(items: readonly T[]): T =>
  items[Math.floor(next() * items.length)] as T;
const int = (below: number): number => Math.floor(next() * below);
const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/** Instants: half near a DST change (within two days, to the second), half anywhere. */
function instants(zone: string, count: number): number[] {
  const changes = changesOf(zone);
  return Array.from({ length: count }, () =>
    changes.length > 0 && next() < 0.5
      ? pick(changes) + int(4 * DAY_MS) - 2 * DAY_MS - int(1000) * 37
      : FROM + int(TO - FROM),
  );
}

function aPolicy(zone: string): Policy {
  const days = (["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const)
    .filter(() => next() < 0.7)
    .concat([pick(["mon", "sat", "sun"] as Weekday[])]);
  // Starts and ends on the quarter hour, some of them inside DST gaps (00:00-03:00).
  const start = int(12 * 4) * 15;
  const end = start + 15 + int((24 * 60 - 15 - start) / 15) * 15;
  const holidays = Array.from({ length: int(6) }, () =>
    DateTime.fromMillis(FROM + int(TO - FROM), { zone }).toISODate(),
  ).filter((date): date is string => date !== null);
  return Policy.parse({
    timeZone: "Europe/Amsterdam",
    sendWindow: {
      days: [...new Set(days)],
      start: hhmm(start),
      end: end >= 24 * 60 ? "23:59" : hhmm(end),
    },
    caps: { perDay: 1 + int(2), perWeek: 2 + int(3) },
    holidays,
  });
}

const iso = (ts: number, zone: string): string | null =>
  DateTime.fromMillis(ts, { zone }).toISO();

describe("local-time, against luxon", () => {
  describe.each(ZONES)("in %s", (zone) => {
    const localZone = zoneFor(zone);
    const times = instants(zone, 400);

    it("gives the same local day, weekday, times of day and next days", () => {
      const wrong: string[] = [];
      for (const ts of times) {
        const dt = DateTime.fromMillis(ts, { zone });
        const minute = int(24 * 60);
        const days = int(40) - 5;
        const dayNumber = localDayNumberOf(ts, localZone);
        const expected = {
          day: Date.UTC(dt.year, dt.month - 1, dt.day) / DAY_MS,
          weekday: dt.weekday,
          at: atLocalTimeRef(dt, hhmm(minute)).toMillis(),
          plus: dt.plus({ days }).toMillis(),
          nextDay: startOfNextDayRef(dt).toMillis(),
          described: dt.setLocale("en-GB").toFormat("ccc d LLL HH:mm"),
        };
        const actual = {
          day: dayNumber,
          weekday: weekdayOfDayNumber(dayNumber),
          at: atMinuteOfDay(ts, minute, localZone),
          plus: plusLocalDays(ts, days, localZone),
          nextDay: startOfNextLocalDay(ts, localZone),
          described: describeInstant(new Date(ts), zone),
        };
        if (JSON.stringify(actual) !== JSON.stringify(expected))
          wrong.push(
            `${iso(ts, zone)} ${hhmm(minute)} +${days}d: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`,
          );
      }
      expect(wrong).toEqual([]);
    });

    it("finds the same send-window times and workdays", () => {
      const wrong: string[] = [];
      for (const ts of times) {
        const policy = aPolicy(zone);
        const dt = DateTime.fromMillis(ts, { zone });
        const moved = next() < 0.3;
        const workdays = int(12);
        const window = nextWindowMs(ts, localZone, policy, moved);
        const expectedWindow = nextWindowTimeRef(dt, policy, moved);
        const actual = {
          window: window && { at: window.atMs, reasons: window.reasons },
          workdays: addWorkdaysMs(ts, localZone, workdays, policy),
        };
        const expected = {
          window: expectedWindow && {
            at: expectedWindow.at.toMillis(),
            reasons: expectedWindow.reasons,
          },
          workdays: addWorkdaysRef(dt, workdays, policy).toMillis(),
        };
        if (JSON.stringify(actual) !== JSON.stringify(expected))
          wrong.push(
            `${iso(ts, zone)} ${JSON.stringify(policy.sendWindow)} ${policy.holidays.join(",")}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`,
          );
      }
      expect(wrong).toEqual([]);
    });

    it("gives steps the same ideal times", () => {
      const offsets = [
        "PT0S",
        "PT4H",
        "PT36H",
        "P1D",
        "P7D",
        "P1W",
        "P2DT3H30M",
        "P1M",
        "P1Y2M",
        "PT90.5S",
        "P1M2DT1H",
        { workdays: 0 },
        { workdays: 2 },
        { workdays: 9 },
      ];
      const wrong: string[] = [];
      for (const ts of times) {
        const policy = aPolicy(zone);
        const offset = pick(offsets);
        const at = next() < 0.5 ? undefined : hhmm(int(24 * 4) * 15);
        const step = RuleStep.parse({
          key: "s",
          offset,
          ...(at === undefined ? {} : { at }),
          recipient: "learner",
          template: "t",
          why: "test",
        });
        const actual = idealTimeMs(step, ts, localZone, policy);
        const expected = idealTimeRef(
          step,
          DateTime.fromMillis(ts, { zone }),
          policy,
        ).toMillis();
        if (actual !== expected)
          wrong.push(
            `${iso(ts, zone)} ${JSON.stringify(offset)} at ${at}: ${iso(actual, zone)} != ${iso(expected, zone)}`,
          );
      }
      expect(wrong).toEqual([]);
    });

    it("places nudges under the caps at the same times, for the same reasons", () => {
      const wrong: string[] = [];
      for (const ts of times.slice(0, 150)) {
        const policy = aPolicy(zone);
        const booked = Array.from({ length: int(5) }, () => ({
          dueAt: new Date(ts + int(10 * DAY_MS) - 3 * DAY_MS),
          status: pick(["planned", "sent"] as const),
        }));
        const earliest = Array.from(
          { length: 1 + int(6) },
          () => new Date(ts + int(12 * DAY_MS)),
        ).sort((a, b) => a.getTime() - b.getTime());
        const calendar = createRecipientCalendar(zone, policy, booked);
        const placements = earliest.map((instant) =>
          calendar.place(instant, "r/s"),
        );
        const actual = placements.map(
          (placement) =>
            placement && {
              atMs: placement.email.atMs,
              placedAtMs: placement.placedAtMs,
              reasons: placement.reasons,
            },
        );
        const expected = placeAllRef(zone, policy, booked, earliest);
        if (JSON.stringify(actual) !== JSON.stringify(expected))
          wrong.push(
            `${iso(ts, zone)}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`,
          );
      }
      expect(wrong).toEqual([]);
    });
  });
});
