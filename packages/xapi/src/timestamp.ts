// xAPI timestamps (Data 4.5): ISO 8601 date and time with a time zone, in the extended
// (2026-05-04T10:00:00.123Z) or basic (20260504T100000Z) format. The offset -00:00 ("local time
// unknown" in RFC 3339) is refused, as the ADL conformance suite expects.

const EXTENDED =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)$/;
const BASIC =
  /^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?:\d{2})?)$/;

export type TimestampResult =
  | { readonly ok: true; readonly epochMs: number }
  | { readonly ok: false; readonly message: string };

export const TIMESTAMP_FORMAT_MESSAGE =
  "must be an ISO 8601 timestamp with a time zone, e.g. 2026-05-04T10:00:00Z or 2026-05-04T12:00:00.000+02:00";

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function offsetMinutes(zone: string): number | undefined {
  if (zone === "Z" || zone === "z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

/** The last timestamp parsed and its result: validation, hashing and preparing each parse it. */
let lastValue: string | undefined;
let lastResult: TimestampResult | undefined;

/** Parses an xAPI timestamp into the instant it names, or says what is wrong with it. */
export function parseTimestamp(value: string): TimestampResult {
  if (value === lastValue && lastResult !== undefined) return lastResult;
  const result = parse(value);
  lastValue = value;
  lastResult = result;
  return result;
}

function parse(value: string): TimestampResult {
  const match = EXTENDED.exec(value) ?? BASIC.exec(value);
  if (match === null) return { ok: false, message: TIMESTAMP_FORMAT_MESSAGE };
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return {
      ok: false,
      message: `must be a real date and time; ${value} does not exist in the calendar or on the clock`,
    };
  }
  if (zone !== undefined && /^-00(:?00)?$/.test(zone)) {
    return {
      ok: false,
      message:
        "must not use the offset -00:00 (or -00, -0000), which means the local offset is unknown; send Z or +00:00 for UTC",
    };
  }
  const offset = offsetMinutes(zone ?? "");
  if (offset === undefined) {
    return {
      ok: false,
      message: `must have a real time zone offset (hours up to 23, minutes up to 59); ${value} has ${zone ?? ""}`,
    };
  }
  const millis = Number(((fraction ?? "") + "000").slice(0, 3));
  const date = new Date(
    Date.UTC(year, month - 1, day, hour, minute, second, millis),
  );
  // Date.UTC reads the years 0 to 99 as 1900 to 1999.
  if (year < 100) date.setUTCFullYear(year);
  return { ok: true, epochMs: date.getTime() - offset * 60_000 };
}
