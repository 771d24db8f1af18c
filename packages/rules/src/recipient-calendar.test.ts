import { DateTime } from "luxon";

import { DEFAULT_POLICY, Policy } from "./policy";
import {
  type BookedNudge,
  createRecipientCalendar,
  nextAllowedSendTime,
} from "./recipient-calendar";

const AMS = "Europe/Amsterdam";

/** An instant from Amsterdam local time, e.g. "2026-03-31T09:00". */
function ams(localIso: string): Date {
  return DateTime.fromISO(localIso, { zone: AMS }).toJSDate();
}

function place(
  booked: readonly BookedNudge[],
  earliest: string,
  policy = DEFAULT_POLICY,
) {
  const placement = createRecipientCalendar(AMS, policy, booked).place(
    ams(earliest),
    "r/s",
  );
  return (
    placement && {
      at: DateTime.fromMillis(placement.email.atMs, { zone: AMS }).toISO(),
      reasons: placement.reasons,
      kind: placement.email.kind,
    }
  );
}

describe("createRecipientCalendar", () => {
  describe("the daily cap (1 email a day)", () => {
    it("moves a nudge to 08:00 the next workday when an email went out that day", () => {
      expect(
        place(
          [{ dueAt: ams("2026-03-31T09:00"), status: "sent" }],
          "2026-03-31T14:00",
        ),
      ).toEqual({
        at: "2026-04-01T08:00:00.000+02:00",
        reasons: ["daily-cap"],
        kind: "new",
      });
    });

    it("moves a nudge past a weekend when Friday is taken", () => {
      expect(
        place(
          [{ dueAt: ams("2026-03-27T09:00"), status: "sent" }],
          "2026-03-27T14:00",
        ),
      ).toEqual({
        at: "2026-03-30T08:00:00.000+02:00",
        reasons: ["daily-cap", "outside-send-window"],
        kind: "new",
      });
    });

    it("lets a nudge join an email planned later that day, at that email's time", () => {
      expect(
        place(
          [{ dueAt: ams("2026-03-31T15:00"), status: "planned" }],
          "2026-03-31T10:00",
        ),
      ).toEqual({
        at: "2026-03-31T15:00:00.000+02:00",
        reasons: [],
        kind: "planned",
      });
    });

    it("does not let a nudge join an email planned earlier that day (it would go out early)", () => {
      expect(
        place(
          [{ dueAt: ams("2026-03-31T09:00"), status: "planned" }],
          "2026-03-31T10:00",
        ),
      ).toEqual({
        at: "2026-04-01T08:00:00.000+02:00",
        reasons: ["daily-cap"],
        kind: "new",
      });
    });

    it("allows a second email a day when the policy does", () => {
      const policy = Policy.parse({ caps: { perDay: 2, perWeek: 5 } });
      expect(
        place(
          [{ dueAt: ams("2026-03-31T09:00"), status: "sent" }],
          "2026-03-31T14:00",
          policy,
        ),
      ).toEqual({
        at: "2026-03-31T14:00:00.000+02:00",
        reasons: [],
        kind: "new",
      });
    });
  });

  describe("the weekly cap (2 emails in any 7 days)", () => {
    const monAndWed: BookedNudge[] = [
      { dueAt: ams("2026-03-30T09:00"), status: "sent" },
      { dueAt: ams("2026-04-01T09:00"), status: "planned" },
    ];

    it("moves a Thursday nudge to the first day that keeps every 7-day stretch at 2", () => {
      // Thu and Fri share a 7-day stretch with Mon and Wed; the next Monday only with Wed.
      expect(place(monAndWed, "2026-04-02T10:00")).toEqual({
        at: "2026-04-06T08:00:00.000+02:00",
        reasons: ["weekly-cap", "outside-send-window"],
        kind: "new",
      });
    });

    it("also looks ahead: a nudge may not make a stretch with later planned emails too full", () => {
      const later: BookedNudge[] = [
        { dueAt: ams("2026-04-07T09:00"), status: "planned" },
        { dueAt: ams("2026-04-09T09:00"), status: "planned" },
      ];
      // Thursday's stretch up to Wed 8 Apr holds one of them: free.
      expect(place(later, "2026-04-02T10:00")).toEqual({
        at: "2026-04-02T10:00:00.000+02:00",
        reasons: [],
        kind: "new",
      });
      // Friday's and Monday's stretches hold both; Tuesday's email may take one more nudge.
      expect(place(later, "2026-04-03T10:00")).toEqual({
        at: "2026-04-07T09:00:00.000+02:00",
        reasons: ["weekly-cap", "outside-send-window"],
        kind: "planned",
      });
    });

    it("counts nudges with one dueAt as one email (they were merged)", () => {
      const merged: BookedNudge[] = [
        { dueAt: ams("2026-03-30T09:00"), status: "sent" },
        { dueAt: ams("2026-03-30T09:00"), status: "sent" },
      ];
      expect(place(merged, "2026-04-01T10:00")?.at).toBe(
        "2026-04-01T10:00:00.000+02:00",
      );
    });
  });

  describe("merging within one run", () => {
    it("puts nudges due the same local day in one email at the later time", () => {
      const calendar = createRecipientCalendar(AMS, DEFAULT_POLICY, []);
      const first = calendar.place(ams("2026-03-31T09:00"), "a/one");
      const second = calendar.place(ams("2026-03-31T16:00"), "b/two");
      expect(second?.email).toBe(first?.email);
      expect(first?.email.members).toEqual(["a/one", "b/two"]);
      expect(
        DateTime.fromMillis(first?.email.atMs ?? 0, { zone: AMS }).toISO(),
      ).toBe("2026-03-31T16:00:00.000+02:00");
    });
  });
});

describe("nextAllowedSendTime", () => {
  it("says send now inside the window and the caps", () => {
    expect(
      nextAllowedSendTime(ams("2026-03-31T10:00"), AMS, DEFAULT_POLICY, []),
    ).toEqual({
      ok: true,
      value: { at: ams("2026-03-31T10:00"), reasons: [] },
    });
  });

  it("moves a Saturday to Monday 08:00", () => {
    expect(
      nextAllowedSendTime(ams("2026-03-28T10:00"), AMS, DEFAULT_POLICY, []),
    ).toEqual({
      ok: true,
      value: { at: ams("2026-03-30T08:00"), reasons: ["outside-send-window"] },
    });
  });

  it("moves past a day that already had its email", () => {
    expect(
      nextAllowedSendTime(ams("2026-03-31T10:00"), AMS, DEFAULT_POLICY, [
        ams("2026-03-31T08:00"),
      ]),
    ).toEqual({
      ok: true,
      value: { at: ams("2026-04-01T08:00"), reasons: ["daily-cap"] },
    });
  });

  it("works in the recipient's zone", () => {
    // Tuesday 10:00 in Amsterdam is Tuesday 04:00 in New York.
    expect(
      nextAllowedSendTime(
        ams("2026-03-31T10:00"),
        "America/New_York",
        DEFAULT_POLICY,
        [],
      ),
    ).toEqual({
      ok: true,
      value: {
        at: new Date("2026-03-31T12:00:00Z"),
        reasons: ["outside-send-window"],
      },
    });
  });

  it("reports when nothing is free within the search horizon", () => {
    const policy = Policy.parse({
      sendWindow: { days: ["mon"] },
      holidays: Array.from({ length: 60 }, (_, week) =>
        DateTime.fromISO("2026-03-30").plus({ weeks: week }).toISODate(),
      ),
    });
    expect(
      nextAllowedSendTime(ams("2026-03-28T10:00"), AMS, policy, []),
    ).toEqual({
      ok: false,
      error: { kind: "no-free-slot", searchedDays: 400 },
    });
  });
});
