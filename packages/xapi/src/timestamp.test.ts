import { parseTimestamp } from "./timestamp";

describe("parseTimestamp", () => {
  it.each([
    ["UTC", "2026-05-04T10:00:00Z", "2026-05-04T10:00:00.000Z"],
    ["milliseconds", "2026-05-04T10:00:00.123Z", "2026-05-04T10:00:00.123Z"],
    [
      "microseconds, cut to milliseconds",
      "2020-07-14T14:39:26.906232+00:00",
      "2020-07-14T14:39:26.906Z",
    ],
    ["an offset", "2026-05-04T12:00:00+02:00", "2026-05-04T10:00:00.000Z"],
    [
      "an offset without colon",
      "2026-05-04T05:30:00-0430",
      "2026-05-04T10:00:00.000Z",
    ],
    ["an hour offset", "2026-05-04T12:00:00+02", "2026-05-04T10:00:00.000Z"],
    ["no seconds", "2026-05-04T10:00Z", "2026-05-04T10:00:00.000Z"],
    ["the basic format", "20260504T120000,5+0200", "2026-05-04T10:00:00.500Z"],
    ["lower-case t and z", "2026-05-04t10:00:00z", "2026-05-04T10:00:00.000Z"],
    ["a leap day", "2028-02-29T00:00:00Z", "2028-02-29T00:00:00.000Z"],
  ])("reads %s", (_label, value, instant) => {
    const parsed = parseTimestamp(value);
    expect(parsed.ok && new Date(parsed.epochMs).toISOString()).toBe(instant);
  });

  it.each([
    ["no time zone", "2026-05-04T10:00:00", "with a time zone"],
    ["a date only", "2026-05-04", "with a time zone"],
    ["a space instead of T", "2026-05-04 10:00:00Z", "ISO 8601"],
    ["mixed basic and extended", "20260504T10:00:00Z", "ISO 8601"],
    ["30 February", "2026-02-30T10:00:00Z", "real date"],
    ["hour 24", "2026-05-04T24:00:00Z", "real date"],
    ["second 60", "2026-05-04T10:00:60Z", "real date"],
    ["the offset -00:00", "2026-05-04T10:00:00-00:00", "-00:00"],
    [
      "an offset minute 60",
      "2026-05-04T10:00:00+01:60",
      "real time zone offset",
    ],
  ])("refuses %s", (_label, value, fragment) => {
    const parsed = parseTimestamp(value);
    expect(parsed).toEqual({
      ok: false,
      message: expect.stringContaining(fragment) as unknown,
    });
  });
});
