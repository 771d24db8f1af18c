import { IANAZone } from "luxon";

import { inZone, isValidZoneName, zoneNamed } from "./zone-cache";

const DAY_MS = 86_400_000;

describe("zoneNamed", () => {
  // Zones with half- and quarter-hour offsets and odd change times, next to the usual ones.
  it.each([
    "Europe/Amsterdam",
    "America/New_York",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kathmandu",
  ])(
    "gives the offsets of %s exactly, every minute of every day that changes, 2025-2027",
    (name) => {
      const exact = IANAZone.create(name);
      const cached = zoneNamed(name);
      const start = Date.UTC(2025, 0, 1);
      const wrong: string[] = [];
      let changes = 0;
      for (let day = start; day < Date.UTC(2028, 0, 1); day += DAY_MS) {
        if (exact.offset(day) === exact.offset(day + DAY_MS)) continue;
        changes++;
        // Seconds past the minute too: a bucket must not take the offset of its first caller.
        for (let ms = day - 37_000; ms <= day + DAY_MS; ms += 60_000 - 1)
          if (cached.offset(ms) !== exact.offset(ms))
            wrong.push(new Date(ms).toISOString());
      }
      expect(wrong).toEqual([]);
      expect(changes).toBe(/Kolkata|Kathmandu/.test(name) ? 0 : 6);
    },
  );
});

describe("isValidZoneName", () => {
  it.each([
    ["Europe/Amsterdam", true],
    ["UTC", true],
    ["CEST", false],
    ["Mars/Olympus_Mons", false],
    ["", false],
  ])("%p: %p", (name, valid) => {
    expect(isValidZoneName(name)).toBe(valid);
    expect(isValidZoneName(name)).toBe(valid);
  });
});

describe("inZone", () => {
  it("shows an instant in the zone's local time", () => {
    expect(
      inZone(new Date("2026-03-29T01:30:00Z"), "Europe/Amsterdam").toISO(),
    ).toBe("2026-03-29T03:30:00.000+02:00");
  });

  it("falls back to UTC for a name that is no zone", () => {
    expect(inZone(new Date("2026-03-29T01:30:00Z"), "CEST").toISO()).toBe(
      "2026-03-29T01:30:00.000Z",
    );
  });
});
