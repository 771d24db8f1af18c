import { localDayOf } from "./local-day";
import { planStatement } from "./plan-nudges";
import { aRule, COMPLETED, facts } from "./plan-test-fixtures";
import { DEFAULT_POLICY } from "./policy";
import { formatTimeline, planTimeline } from "./timeline";

describe("planTimeline", () => {
  const rules = [
    aRule([
      { key: "commit", offset: "PT4H", template: "commit", why: "Plan it." },
      { key: "talk", recipient: "manager", template: "talk", why: "Manager." },
    ]),
    {
      ...aRule([{ key: "x" }], {
        key: "other",
        trigger: { verbs: ["http://adlnet.gov/expapi/verbs/registered"] },
      }),
      ruleVersionId: "v-other",
    },
  ];
  // Fri 27 Mar 2026 10:00 UTC = 11:00 in Amsterdam; +4 h is 15:00, inside the window.
  const plan = planStatement({
    facts,
    learnerId: "anna",
    rules,
    person: { timeZone: "Europe/Amsterdam" },
    policy: DEFAULT_POLICY,
  });
  const timeline = planTimeline(plan, rules, facts);

  describe("when the learner has no manager", () => {
    it("lists the planned step with its local time and why, and the dropped step with the reason", () => {
      expect(timeline.entries).toEqual([
        {
          rule: "r",
          step: "commit",
          status: "planned",
          dueAt: new Date("2026-03-27T14:00:00Z"),
          local: "2026-03-27 15:00 Fri (Europe/Amsterdam)",
          recipient: "learner",
          to: "anna",
          toDisplay: undefined,
          template: "commit",
          why: "Plan it.",
          decisions: [],
        },
        {
          rule: "r",
          step: "talk",
          status: "dropped",
          dueAt: undefined,
          local: undefined,
          recipient: "manager",
          to: undefined,
          toDisplay: undefined,
          template: "talk",
          why: "Manager.",
          decisions: ["dropped: no manager known"],
        },
      ]);
    });

    it("says why the other rule did not match", () => {
      expect(timeline.unmatched).toEqual([
        {
          rule: "other",
          reason: `verb ${COMPLETED} is not in trigger.verbs`,
        },
      ]);
    });

    it("prints one block per step, then the rules that did not match", () => {
      expect(formatTimeline(timeline).split("\n")).toEqual([
        "2026-03-27 15:00 Fri (Europe/Amsterdam)  learner <anna>  r/commit  template commit",
        "    why: Plan it.",
        "not sent  manager  r/talk  template talk  (dropped)",
        "    why: Manager.",
        "    dropped: no manager known",
        `other: does not match: verb ${COMPLETED} is not in trigger.verbs`,
        "",
      ]);
    });
  });

  describe("when the caller names the recipients", () => {
    const withManager = planStatement({
      facts,
      learnerId: "anna",
      rules,
      person: {
        timeZone: "Europe/Amsterdam",
        manager: { id: "mia-id", timeZone: "Europe/Amsterdam" },
      },
      policy: DEFAULT_POLICY,
    });
    const named = planTimeline(
      withManager,
      rules,
      facts,
      new Map([
        ["anna", "Anna de Vries <anna@example.nl>"],
        ["mia-id", "Mia Manager <mia@example.nl>"],
      ]),
    );

    it("keeps the id for machines and adds the name for L&D", () => {
      expect(
        named.entries.map((e) => [e.recipient, e.to, e.toDisplay]),
      ).toEqual([
        ["learner", "anna", "Anna de Vries <anna@example.nl>"],
        ["manager", "mia-id", "Mia Manager <mia@example.nl>"],
      ]);
    });

    it("prints who, not the id", () => {
      const text = formatTimeline(named);
      expect(text).toContain(
        "learner Anna de Vries <anna@example.nl>  r/commit  template commit",
      );
      expect(text).toContain(
        "manager Mia Manager <mia@example.nl>  r/talk  template talk",
      );
      expect(text).not.toContain("mia-id");
    });
  });

  it("names a fixed address by the address", () => {
    const toAcademy = [
      aRule([
        {
          key: "copy",
          recipient: { address: "academie@example.nl" },
          template: "copy",
          why: "L&D follows it.",
        },
      ]),
    ];
    const timeline = planTimeline(
      planStatement({
        facts,
        learnerId: "anna",
        rules: toAcademy,
        person: { timeZone: "Europe/Amsterdam" },
        policy: DEFAULT_POLICY,
      }),
      toAcademy,
      facts,
    );
    expect(timeline.entries.map((e) => [e.to, e.toDisplay])).toEqual([
      ["academie@example.nl", "academie@example.nl"],
    ]);
    expect(formatTimeline(timeline)).toContain(
      "address academie@example.nl  r/copy",
    );
  });

  it("says so when nothing would be planned", () => {
    expect(formatTimeline({ entries: [], notStarted: [], unmatched: [] })).toBe(
      "No nudges would be planned.\n",
    );
  });
});

describe("localDayOf", () => {
  it.each([
    // An ordinary day in Amsterdam (UTC+1): 24 hours.
    [
      "2026-03-27T10:00:00Z",
      "Europe/Amsterdam",
      "2026-03-26T23:00:00.000Z",
      "2026-03-27T23:00:00.000Z",
    ],
    // The spring-forward day: 23 hours.
    [
      "2026-03-29T10:00:00Z",
      "Europe/Amsterdam",
      "2026-03-28T23:00:00.000Z",
      "2026-03-29T22:00:00.000Z",
    ],
    // The fall-back day: 25 hours.
    [
      "2026-10-25T10:00:00Z",
      "Europe/Amsterdam",
      "2026-10-24T22:00:00.000Z",
      "2026-10-25T23:00:00.000Z",
    ],
    // Late evening in New York is already tomorrow in UTC.
    [
      "2026-03-28T03:00:00Z",
      "America/New_York",
      "2026-03-27T04:00:00.000Z",
      "2026-03-28T04:00:00.000Z",
    ],
    // Not a zone: the fallback's day.
    [
      "2026-03-27T10:00:00Z",
      "Mars/Olympus",
      "2026-03-27T00:00:00.000Z",
      "2026-03-28T00:00:00.000Z",
    ],
  ])("gives the local day of %s in %s", (instant, zone, start, end) => {
    const day = localDayOf(new Date(instant), zone);
    expect([day.start.toISOString(), day.end.toISOString()]).toEqual([
      start,
      end,
    ]);
  });
});
