import { z } from "zod";

import {
  IanaZone,
  IsoDate,
  LocalTime,
  minutesOf,
  strictObject,
} from "./primitives";

export const Weekday = z.enum(
  ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
  {
    // A missing weekday falls through to the "is required" table in parse-rules.ts.
    error: (issue) =>
      issue.input === undefined
        ? undefined
        : 'must be a weekday: "mon", "tue", "wed", "thu", "fri", "sat" or "sun"',
  },
);
export type Weekday = z.infer<typeof Weekday>;

/** luxon's `weekday` (1 = Monday ... 7 = Sunday) for each name. */
export const WEEKDAY_NUMBERS: Readonly<Record<Weekday, number>> = {
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  sun: 7,
};

export const SendWindow = strictObject({
  /** Days on which email may go out; also the workdays that `{ "workdays": N }` counts. */
  days: z
    .array(Weekday)
    .min(
      1,
      'must list at least one weekday, e.g. ["mon", "tue", "wed", "thu", "fri"]',
    )
    .default(["mon", "tue", "wed", "thu", "fri"]),
  /** First minute of the window, recipient's local time. */
  start: LocalTime.default("08:00"),
  /** End of the window (exclusive), recipient's local time. */
  end: LocalTime.default("18:00"),
}).superRefine((window, ctx) => {
  if (minutesOf(window.start) >= minutesOf(window.end))
    ctx.addIssue({
      code: "custom",
      path: ["end"],
      message: `must be later than start (${window.start}), e.g. "18:00"`,
    });
});
export type SendWindow = z.infer<typeof SendWindow>;

export const Caps = strictObject({
  /** Emails per person per local day; nudges due the same day merge into one email. */
  perDay: z
    .int("must be a whole number, e.g. 1")
    .min(1, "must be at least 1")
    .max(24, "must be at most 24")
    .default(1),
  /** Emails per person in any 7 consecutive local days. */
  perWeek: z
    .int("must be a whole number, e.g. 2")
    .min(1, "must be at least 1")
    .max(100, "must be at most 100")
    .default(2),
}).superRefine((caps, ctx) => {
  if (caps.perWeek < caps.perDay)
    ctx.addIssue({
      code: "custom",
      path: ["perWeek"],
      message: `must be at least perDay (${caps.perDay})`,
    });
});
export type Caps = z.infer<typeof Caps>;

/**
 * A tenant's sending policy. `Policy.parse({})` gives the defaults of DOMAIN.md: weekdays
 * 08:00-18:00 in the recipient's zone (the tenant's zone when the recipient has none), at most one
 * email per person per day and two per week, no holidays.
 */
export const Policy = strictObject({
  /** The tenant's IANA zone: used for recipients without a (valid) zone of their own. */
  timeZone: IanaZone.default("Europe/Amsterdam"),
  sendWindow: SendWindow.prefault({}),
  caps: Caps.prefault({}),
  /** Dates ("YYYY-MM-DD", recipient's local calendar) on which nothing is sent and no workday counts. */
  holidays: z.array(IsoDate).default([]),
});
export type Policy = z.infer<typeof Policy>;

/** The defaults of DOMAIN.md. */
export const DEFAULT_POLICY: Policy = Policy.parse({});
