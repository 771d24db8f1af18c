import { DateTime } from "luxon";

import { DEFAULT_POLICY, Policy } from "./policy";
import {
  addWorkdays,
  isInSendWindow,
  nextWindowTime,
  resolveZone,
} from "./send-window";

const AMS = "Europe/Amsterdam";
const NYC = "America/New_York";
const AKL = "Pacific/Auckland";
const KOL = "Asia/Kolkata";

/** nextWindowTime for a UTC instant in `zone`, as [UTC ISO, reasons]. */
function next(
  utc: string,
  zone: string,
  policy: Policy = DEFAULT_POLICY,
): [string | null, readonly string[]] | undefined {
  const result = nextWindowTime(
    DateTime.fromISO(utc, { zone: "utc" }).setZone(zone),
    policy,
  );
  return result && [result.at.toUTC().toISO(), result.reasons];
}

function local(iso: string, zone: string): DateTime {
  return DateTime.fromISO(iso, { zone });
}

describe("isInSendWindow", () => {
  it.each([
    ["Fri 08:00 in Amsterdam (CET)", "2026-03-27T07:00:00Z", AMS, true],
    ["Fri 07:59 in Amsterdam", "2026-03-27T06:59:00Z", AMS, false],
    ["Fri 17:59 in Amsterdam", "2026-03-27T16:59:00Z", AMS, true],
    [
      "Fri 18:00 in Amsterdam (the end is exclusive)",
      "2026-03-27T17:00:00Z",
      AMS,
      false,
    ],
    ["Sat 10:00 in Amsterdam", "2026-03-28T09:00:00Z", AMS, false],
    [
      "Mon 08:00 in Amsterdam, the day after DST began (CEST)",
      "2026-03-30T06:00:00Z",
      AMS,
      true,
    ],
    [
      "the same instant in New York: Mon 02:00",
      "2026-03-30T06:00:00Z",
      NYC,
      false,
    ],
    [
      "the same instant in Auckland: Mon 19:00",
      "2026-03-30T06:00:00Z",
      AKL,
      false,
    ],
    [
      "the same instant in Kolkata: Mon 11:30",
      "2026-03-30T06:00:00Z",
      KOL,
      true,
    ],
    [
      "Mon 08:00 in Auckland, which is Sunday in UTC",
      "2026-03-29T19:00:00Z",
      AKL,
      true,
    ],
  ])("%s: %s", (_label, utc, zone, expected) => {
    expect(isInSendWindow(new Date(utc), zone, DEFAULT_POLICY)).toBe(expected);
  });
});

describe("nextWindowTime", () => {
  it("keeps an instant inside the window", () => {
    expect(next("2026-03-27T10:15:30Z", AMS)).toEqual([
      "2026-03-27T10:15:30.000Z",
      [],
    ]);
  });

  it("moves an early morning to 08:00 the same day", () => {
    expect(next("2026-03-27T05:00:00Z", AMS)).toEqual([
      "2026-03-27T07:00:00.000Z",
      ["outside-send-window"],
    ]);
  });

  describe("across the change to summer time in Amsterdam (Sun 29 Mar 2026)", () => {
    it("moves Saturday 10:00 CET to Monday 08:00 CEST, 06:00 UTC", () => {
      expect(next("2026-03-28T09:00:00Z", AMS)).toEqual([
        "2026-03-30T06:00:00.000Z",
        ["outside-send-window"],
      ]);
    });
  });

  describe("across the change to winter time in Amsterdam (Sun 25 Oct 2026)", () => {
    it("moves Friday 19:00 CEST to Monday 08:00 CET, 07:00 UTC", () => {
      expect(next("2026-10-23T17:00:00Z", AMS)).toEqual([
        "2026-10-26T07:00:00.000Z",
        ["outside-send-window"],
      ]);
    });
  });

  describe("across the DST changes in New York (Sun 8 Mar and Sun 1 Nov 2026)", () => {
    it("moves Friday 18:30 EST to Monday 08:00 EDT, 12:00 UTC", () => {
      expect(next("2026-03-06T23:30:00Z", NYC)).toEqual([
        "2026-03-09T12:00:00.000Z",
        ["outside-send-window"],
      ]);
    });

    it("moves Saturday EDT to Monday 08:00 EST, 13:00 UTC", () => {
      expect(next("2026-10-31T14:00:00Z", NYC)).toEqual([
        "2026-11-02T13:00:00.000Z",
        ["outside-send-window"],
      ]);
    });
  });

  describe("in zones far apart", () => {
    it("moves Saturday 09:00 in Auckland (NZDT) to Monday 08:00 there, a Sunday in UTC", () => {
      expect(next("2026-03-27T20:00:00Z", AKL)).toEqual([
        "2026-03-29T19:00:00.000Z",
        ["outside-send-window"],
      ]);
    });

    it("moves a weekend across the end of NZ summer time (Sun 5 Apr 2026) to Monday 08:00 NZST", () => {
      expect(next("2026-04-03T20:00:00Z", AKL)).toEqual([
        "2026-04-05T20:00:00.000Z",
        ["outside-send-window"],
      ]);
    });

    it("moves Friday 18:15 in Kolkata (UTC+05:30) to Monday 08:00 IST, 02:30 UTC", () => {
      expect(next("2026-03-27T12:45:00Z", KOL)).toEqual([
        "2026-03-30T02:30:00.000Z",
        ["outside-send-window"],
      ]);
    });
  });

  describe("with holidays", () => {
    const easter = Policy.parse({ holidays: ["2026-04-03", "2026-04-06"] });

    it("skips Good Friday, the weekend and Easter Monday", () => {
      expect(next("2026-04-03T08:00:00Z", AMS, easter)).toEqual([
        "2026-04-07T06:00:00.000Z",
        ["holiday", "outside-send-window"],
      ]);
    });

    it("reads holidays in the recipient's own calendar", () => {
      // 2026-04-06T20:00Z is Tuesday 08:00 in Auckland: past their Easter Monday.
      expect(next("2026-04-05T20:00:00Z", AKL, easter)).toEqual([
        "2026-04-06T20:00:00.000Z",
        ["holiday"],
      ]);
    });
  });

  it("follows a tenant's own window", () => {
    const policy = Policy.parse({
      sendWindow: { days: ["tue", "thu"], start: "09:30", end: "12:00" },
    });
    expect(next("2026-03-26T11:00:00Z", AMS, policy)).toEqual([
      "2026-03-31T07:30:00.000Z",
      ["outside-send-window"],
    ]);
  });

  it("gives up when no window opens within the search horizon", () => {
    const mondays = Array.from({ length: 60 }, (_, week) =>
      DateTime.fromISO("2026-03-30", { zone: "utc" })
        .plus({ weeks: week })
        .toISODate(),
    );
    const policy = Policy.parse({
      sendWindow: { days: ["mon"] },
      holidays: mondays,
    });
    expect(next("2026-03-27T10:00:00Z", AMS, policy)).toBeUndefined();
  });
});

describe("addWorkdays", () => {
  function add(
    iso: string,
    zone: string,
    workdays: number,
    policy = DEFAULT_POLICY,
  ): string | null {
    return addWorkdays(local(iso, zone), workdays, policy).toISO();
  }

  it("counts Friday + 2 workdays as Tuesday, at the same local time across the DST change", () => {
    expect(add("2026-03-27T15:00", AMS, 2)).toBe(
      "2026-03-31T15:00:00.000+02:00",
    );
  });

  it.each([
    ["Friday", "2026-03-27T10:00", "2026-03-30T10:00:00.000+02:00"],
    ["Saturday", "2026-03-28T10:00", "2026-03-30T10:00:00.000+02:00"],
    ["Sunday", "2026-03-29T10:00", "2026-03-30T10:00:00.000+02:00"],
    ["Monday", "2026-03-30T10:00", "2026-03-31T10:00:00.000+02:00"],
  ])("counts 1 workday from %s", (_day, from, expected) => {
    expect(add(from, AMS, 1)).toBe(expected);
  });

  it("leaves 0 workdays where it is, even on a Sunday", () => {
    expect(add("2026-03-29T10:00", AMS, 0)).toBe(
      "2026-03-29T10:00:00.000+02:00",
    );
  });

  it("skips the tenant's holidays", () => {
    const easter = Policy.parse({ holidays: ["2026-04-03", "2026-04-06"] });
    expect(add("2026-04-02T10:00", AMS, 2, easter)).toBe(
      "2026-04-08T10:00:00.000+02:00",
    );
  });

  it("counts in the recipient's calendar: Friday evening in New York is Saturday in Auckland", () => {
    // 2026-03-28T00:30Z: Fri 20:30 in New York, Sat 13:30 in Auckland.
    const instant = DateTime.fromISO("2026-03-28T00:30:00Z");
    expect(
      addWorkdays(instant.setZone(NYC), 1, DEFAULT_POLICY).toUTC().toISO(),
    ).toBe("2026-03-31T00:30:00.000Z");
    expect(
      addWorkdays(instant.setZone(AKL), 1, DEFAULT_POLICY).toUTC().toISO(),
    ).toBe("2026-03-30T00:30:00.000Z");
  });

  it("counts a Saturday when the window includes Saturdays", () => {
    const policy = Policy.parse({
      sendWindow: { days: ["mon", "tue", "wed", "thu", "fri", "sat"] },
    });
    expect(add("2026-03-27T10:00", AMS, 1, policy)).toBe(
      "2026-03-28T10:00:00.000+01:00",
    );
  });
});

describe("resolveZone", () => {
  it("uses the recipient's zone when it is a valid IANA zone", () => {
    expect(resolveZone(KOL, AMS)).toBe(KOL);
  });

  it.each([[undefined], ["Mars/Olympus_Mons"], [""]])(
    "falls back to the tenant's zone for %p",
    (zone) => {
      expect(resolveZone(zone, AMS)).toBe(AMS);
    },
  );
});
