import { DateTime } from "luxon";

import { aRule, facts, localDue, planOne } from "./plan-test-fixtures";
import { DEFAULT_POLICY, Policy } from "./policy";
import type { RuleStep } from "./rule";

const AMS = "Europe/Amsterdam";

describe("planStatement: workdays and time of day", () => {
  const friday = {
    ...facts,
    timestamp: DateTime.fromISO("2026-03-27T15:00", { zone: AMS }).toJSDate(),
  };

  it("counts workdays in the recipient's calendar, skipping the weekend", () => {
    const plan = planOne({
      rules: [
        aRule([
          { offset: { workdays: 2 } },
          { offset: { workdays: 2 }, at: "09:00" },
        ]),
      ],
      facts: friday,
      // No policy: no merging, so both times show (Mon-Fri are the workdays without one).
      person: { timeZone: AMS },
    });
    expect(localDue(plan)).toEqual([
      ["s0", "2026-03-31T15:00:00.000+02:00"],
      ["s1", "2026-03-31T09:00:00.000+02:00"],
    ]);
  });

  it("skips the tenant's holidays", () => {
    const plan = planOne({
      rules: [aRule([{ offset: { workdays: 1 } }])],
      facts: friday,
      person: { timeZone: AMS },
      policy: Policy.parse({ holidays: ["2026-03-30"] }),
    });
    expect(localDue(plan)).toEqual([["s0", "2026-03-31T15:00:00.000+02:00"]]);
  });

  it("sends at the step's time on the day the offset lands on", () => {
    const monday = {
      ...facts,
      timestamp: DateTime.fromISO("2026-03-30T16:00", { zone: AMS }).toJSDate(),
    };
    const plan = planOne({
      rules: [
        aRule([
          { offset: "P1D", at: "09:00" },
          { offset: "PT1H", at: "17:30" },
        ]),
      ],
      facts: monday,
      person: { timeZone: AMS },
    });
    expect(localDue(plan)).toEqual([
      ["s0", "2026-03-31T09:00:00.000+02:00"],
      ["s1", "2026-03-30T17:30:00.000+02:00"],
    ]);
  });

  it("takes the next day when the step's time is before the trigger", () => {
    const monday = {
      ...facts,
      timestamp: DateTime.fromISO("2026-03-30T10:00", { zone: AMS }).toJSDate(),
    };
    const plan = planOne({
      rules: [aRule([{ offset: "PT1H", at: "09:00" }])],
      facts: monday,
      person: { timeZone: AMS },
    });
    expect(localDue(plan)).toEqual([["s0", "2026-03-31T09:00:00.000+02:00"]]);
  });
});

describe("planStatement: recipients", () => {
  const steps: Partial<RuleStep>[] = [
    { key: "commit" },
    {
      key: "after-talk",
      recipient: "manager",
      offset: { workdays: 2 },
      at: "09:00",
    },
    { key: "team-agenda", recipient: "team-lead", offset: "P30D" },
    { key: "copy", recipient: { address: "Academie@Example.nl" } },
  ];

  it("drops steps to a manager or team lead nobody knows, and says so", () => {
    const plan = planOne({
      rules: [aRule(steps)],
      person: { timeZone: AMS },
      policy: DEFAULT_POLICY,
    });
    expect(plan?.steps.map((s) => s.stepKey)).toEqual(["commit", "copy"]);
    expect(plan?.decisions.filter((d) => d.kind === "dropped")).toEqual([
      {
        kind: "dropped",
        stepKey: "after-talk",
        reason: "no-manager",
        message: "dropped: no manager known",
      },
      {
        kind: "dropped",
        stepKey: "team-agenda",
        reason: "no-team-lead",
        message: "dropped: no team lead known",
      },
    ]);
  });

  it("plans for each recipient in their own zone; a fixed address in the tenant's", () => {
    const plan = planOne({
      rules: [aRule(steps)],
      facts: { ...facts, timestamp: new Date("2026-03-27T05:00:00Z") },
      person: {
        timeZone: "Pacific/Auckland",
        manager: { id: "maya", timeZone: "Asia/Kolkata" },
        teamLead: { id: "tom" },
      },
      policy: Policy.parse({ timeZone: "America/New_York" }),
    });
    expect(
      plan?.steps.map((s) => [
        s.stepKey,
        s.recipient,
        s.recipientPersonId ?? s.recipientAddress,
        s.timeZone,
      ]),
    ).toEqual([
      ["commit", "learner", "anna", "Pacific/Auckland"],
      ["after-talk", "manager", "maya", "Asia/Kolkata"],
      ["team-agenda", "team-lead", "tom", "America/New_York"],
      ["copy", "address", "academie@example.nl", "America/New_York"],
    ]);
    expect(localDue(plan)).toEqual([
      // Fri 18:00 in Auckland + 4 h is Friday night there: Monday 08:00 (a Sunday in UTC).
      ["commit", "2026-03-30T08:00:00.000+13:00"],
      // Fri 10:30 in Kolkata + 2 workdays, at 09:00.
      ["after-talk", "2026-03-31T09:00:00.000+05:30"],
      // Fri 01:00 in New York + 30 days is Sunday 26 Apr: Monday 08:00.
      ["team-agenda", "2026-04-27T08:00:00.000-04:00"],
      ["copy", "2026-03-27T08:00:00.000-04:00"],
    ]);
  });

  it("uses the tenant's zone for a person whose zone is no IANA zone", () => {
    const plan = planOne({
      rules: [aRule([{}])],
      person: { timeZone: "CEST" },
      policy: DEFAULT_POLICY,
    });
    expect(plan?.steps[0]?.timeZone).toBe(AMS);
  });
});
