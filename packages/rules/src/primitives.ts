import { DateTime } from "luxon";
import { z } from "zod";

import { isValidZoneName } from "./zone-cache";

// Small schemas shared by the rule file and the tenant policy. Every message says what to write
// instead, because L&D reads them (through formatRuleFileError) when a rule file is refused.

/**
 * `z.strictObject` whose unknown-key message lists the keys that are allowed, so a typo such as
 * "ofset" tells the author what to write instead.
 */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape)
    .map((key) => `"${key}"`)
    .join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key ${issue.keys.map((key) => `"${key}"`).join(", ")}; write one of ${allowed}`
        : undefined,
  });
}

export const Slug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]*$/,
    "must be lower-case letters, digits and dashes, e.g. after-completion",
  );

export const Iri = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/,
    "must be an IRI, e.g. http://adlnet.gov/expapi/verbs/completed",
  );

/** A non-empty list of IRIs. */
export const IriList = z.array(Iri).min(1, "must list at least one IRI");

/** Local wall-clock time "HH:MM", 00:00-23:59. */
export const LocalTime = z
  .string()
  .regex(
    /^([01]\d|2[0-3]):[0-5]\d$/,
    'must be a local time "HH:MM" between 00:00 and 23:59, e.g. "09:00"',
  );

/** Minutes after local midnight of a valid `LocalTime`. */
export function minutesOf(localTime: string): number {
  const [hours = 0, minutes = 0] = localTime.split(":").map(Number);
  return hours * 60 + minutes;
}

/** A calendar date "YYYY-MM-DD" that exists. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d\d-\d\d$/, 'must be a date "YYYY-MM-DD", e.g. "2026-12-25"')
  .refine(
    // Only dates of the right shape get here with a second message: 2026-02-30 has the shape.
    (value) =>
      !/^\d{4}-\d\d-\d\d$/.test(value) ||
      DateTime.fromISO(value, { zone: "utc" }).isValid,
    'must be a real date "YYYY-MM-DD", e.g. "2026-12-25"',
  );

export const IanaZone = z
  .string()
  .refine(
    (value) => isValidZoneName(value),
    'must be an IANA time zone such as "Europe/Amsterdam" or "America/New_York"',
  );

const DURATION_MESSAGE =
  'must be an ISO 8601 duration such as "PT4H", "P2D" or "P1W" (no negative parts)';

/**
 * A non-negative ISO 8601 duration with whole numbers (seconds may have a fraction). The pattern
 * also goes into the JSON Schema, so editors flag "four hours" before the loader does.
 */
export const IsoDuration = z
  .string()
  .regex(
    /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/,
    DURATION_MESSAGE,
  );

/** An answer kind as the web pages store it, e.g. "applied" or "reflection". */
export const AnswerKind = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*$/,
    'must be an answer kind in lower-case letters, digits and dashes, e.g. "applied"',
  );
