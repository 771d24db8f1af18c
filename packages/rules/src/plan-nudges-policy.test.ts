import { DateTime } from "luxon";

import type { TriggerFacts } from "./match-trigger";
import { planStatement } from "./plan-nudges";
import type {
  PlanInput,
  PlannedStep,
  PlanProposal,
  PriorNudge,
  RuleRef,
} from "./plan-proposal";
import { DEFAULT_POLICY, Policy } from "./policy";
import { Rule, type RuleStep } from "./rule";
import { isInSendWindow } from "./send-window";

const completed = "http://adlnet.gov/expapi/verbs/completed";
const AMS = "Europe/Amsterdam";

function aRule(key: string, steps: readonly Partial<RuleStep>[]): RuleRef {
  const rule = Rule.parse({
    key,
    name: key,
    trigger: { verbs: [completed] },
    steps: steps.map((step, i) => ({
      key: `s${i}`,
      offset: "PT4H",
      recipient: "learner",
      template: "t",
      why: "w",
      ...step,
    })),
  });
  return { ruleId: key, ruleVersionId: "v1", rule };
}

function at(localIso: string, zone = AMS): Date {
  return DateTime.fromISO(localIso, { zone }).toJSDate();
}

function factsAt(localIso: string, zone = AMS): TriggerFacts {
  return {
    statementId: "s1",
    verbId: completed,
    objectId: "https://lms.example/course/12",
    activityType: undefined,
    registration: undefined,
    timestamp: at(localIso, zone),
  };
}

function plan(
  input: Partial<PlanInput> & Pick<PlanInput, "rules" | "facts">,
): PlanProposal[] {
  return planStatement({
    learnerId: "anna",
    person: { timeZone: AMS, manager: { id: "maya" }, teamLead: { id: "tom" } },
    policy: DEFAULT_POLICY,
    ...input,
  }).proposals;
}

function local(step: PlannedStep | undefined, instant = step?.dueAt): string {
  return instant === undefined
    ? "(none)"
    : DateTime.fromJSDate(instant, { zone: step?.timeZone ?? AMS })
        .setLocale("en-GB")
        .toFormat("ccc d LLL HH:mm");
}

describe("planStatement with a policy", () => {
  it("moves a Saturday nudge to Monday 08:00 and says why", () => {
    const [proposal] = plan({
      rules: [aRule("r", [{}])],
      facts: factsAt("2026-03-28T10:00"),
    });
    expect(local(proposal?.steps[0])).toBe("Mon 30 Mar 08:00");
    expect(proposal?.decisions).toEqual([
      {
        kind: "moved",
        stepKey: "s0",
        from: at("2026-03-28T14:00"),
        to: at("2026-03-30T08:00"),
        reasons: ["outside-send-window"],
        message:
          "moved from Sat 28 Mar 14:00 to Mon 30 Mar 08:00 (Europe/Amsterdam): outside the send window (Mon-Fri 08:00-18:00)",
      },
    ]);
  });

  it("leaves a nudge inside the window and the caps alone", () => {
    const [proposal] = plan({
      rules: [aRule("r", [{}])],
      facts: factsAt("2026-03-31T09:00"),
    });
    expect(proposal?.steps[0]?.dueAt).toEqual(at("2026-03-31T13:00"));
    expect(proposal?.decisions).toEqual([]);
  });

  describe("merging", () => {
    it("puts nudges for one person on one local day in one email: one dueAt, one mergeKey", () => {
      const [a, b] = plan({
        rules: [
          aRule("a", [{ offset: "PT1H" }]),
          aRule("b", [{ offset: "PT5H" }]),
        ],
        facts: factsAt("2026-03-31T09:00"),
      });
      expect(a?.steps[0]?.dueAt).toEqual(at("2026-03-31T14:00"));
      expect(b?.steps[0]?.dueAt).toEqual(at("2026-03-31T14:00"));
      expect(a?.steps[0]?.mergeKey).toBe(
        `anna|${at("2026-03-31T14:00").toISOString()}`,
      );
      expect(b?.steps[0]?.mergeKey).toBe(a?.steps[0]?.mergeKey);
      expect(a?.decisions.map((d) => d.message)).toEqual([
        "moved from Tue 31 Mar 10:00 to Tue 31 Mar 14:00 (Europe/Amsterdam): to go in one email with another nudge that day",
        "merged into one email with b/s0",
      ]);
      expect(b?.decisions.map((d) => d.message)).toEqual([
        "merged into one email with a/s0",
      ]);
    });

    it("does not merge nudges for different people", () => {
      const [proposal] = plan({
        rules: [aRule("r", [{}, { recipient: "manager" }])],
        facts: factsAt("2026-03-31T09:00"),
      });
      expect(proposal?.steps.map((s) => s.mergeKey)).toEqual([
        `anna|${at("2026-03-31T13:00").toISOString()}`,
        `maya|${at("2026-03-31T13:00").toISOString()}`,
      ]);
      expect(proposal?.decisions).toEqual([]);
    });

    it("joins an email already planned for later that day", () => {
      const [proposal] = plan({
        rules: [aRule("r", [{}])],
        facts: factsAt("2026-03-31T09:00"),
        history: {
          nudges: [
            {
              recipientId: "anna",
              dueAt: at("2026-03-31T16:00"),
              status: "planned",
              entryKey: "other",
            },
          ],
        },
      });
      expect(proposal?.steps[0]?.dueAt).toEqual(at("2026-03-31T16:00"));
      expect(proposal?.decisions.map((d) => d.message)).toEqual([
        "moved from Tue 31 Mar 13:00 to Tue 31 Mar 16:00 (Europe/Amsterdam): to go in one email with another nudge that day",
        "merged into the email already planned for Tue 31 Mar 16:00",
      ]);
    });
  });

  describe("caps", () => {
    it("moves a nudge to the next free slot when the person had an email that day", () => {
      const [proposal] = plan({
        rules: [aRule("r", [{}])],
        facts: factsAt("2026-03-31T09:00"),
        history: {
          nudges: [
            {
              recipientId: "anna",
              dueAt: at("2026-03-31T08:30"),
              status: "sent",
            },
          ],
        },
      });
      expect(proposal?.decisions.map((d) => d.message)).toEqual([
        "moved from Tue 31 Mar 13:00 to Wed 1 Apr 08:00 (Europe/Amsterdam): at most 1 email a day",
      ]);
    });

    it("moves a nudge that would make a third email in 7 days", () => {
      const [proposal] = plan({
        rules: [aRule("r", [{}])],
        facts: factsAt("2026-04-02T09:00"),
        history: {
          nudges: [
            {
              recipientId: "anna",
              dueAt: at("2026-03-30T08:00"),
              status: "sent",
            },
            {
              recipientId: "anna",
              dueAt: at("2026-04-01T08:00"),
              status: "sent",
            },
          ],
        },
      });
      expect(proposal?.decisions.map((d) => d.message)).toEqual([
        "moved from Thu 2 Apr 13:00 to Mon 6 Apr 08:00 (Europe/Amsterdam): at most 2 emails in 7 days; outside the send window (Mon-Fri 08:00-18:00)",
      ]);
    });

    it("counts each person's emails on their own", () => {
      const [proposal] = plan({
        rules: [aRule("r", [{ recipient: "manager" }])],
        facts: factsAt("2026-03-31T09:00"),
        history: {
          nudges: [
            {
              recipientId: "anna",
              dueAt: at("2026-03-31T08:30"),
              status: "sent",
            },
          ],
        },
      });
      expect(proposal?.steps[0]?.dueAt).toEqual(at("2026-03-31T13:00"));
    });

    it("ignores the nudges of the plan it is planning again (a replay)", () => {
      const rules = [aRule("r", [{}, { offset: "P1D" }])];
      const facts = factsAt("2026-03-31T09:00");
      const [first] = plan({ rules, facts });
      const own: PriorNudge[] = (first?.steps ?? []).map((step) => ({
        recipientId: "anna",
        dueAt: step.dueAt,
        status: "planned",
        entryKey: first?.entryKey,
      }));
      expect(plan({ rules, facts, history: { nudges: own } })).toEqual([first]);
    });

    it("drops a nudge when no slot is free within the search horizon", () => {
      const mondays = Array.from({ length: 60 }, (_, week) =>
        DateTime.fromISO("2026-03-30").plus({ weeks: week }).toISODate(),
      );
      const [proposal] = plan({
        rules: [aRule("r", [{}])],
        facts: factsAt("2026-03-28T10:00"),
        policy: Policy.parse({
          sendWindow: { days: ["mon"] },
          holidays: mondays,
        }),
      });
      expect(proposal?.steps).toEqual([]);
      expect(proposal?.decisions).toEqual([
        {
          kind: "dropped",
          stepKey: "s0",
          reason: "no-free-slot",
          message: "dropped: no free slot in the send window within 400 days",
        },
      ]);
    });
  });

  describe("the default programme of DOMAIN.md, after a Thursday 15:00 completion in Amsterdam", () => {
    const programme = aRule("werkplekleren", [
      { key: "commit", offset: "PT4H" },
      {
        key: "after-talk",
        offset: { workdays: 2 },
        recipient: "manager",
        condition: { notAnswered: "applied" },
      },
      { key: "retrieval", offset: "P3D" },
      { key: "reflect", offset: "P7D" },
      { key: "apply", offset: "P10D", condition: { notAnswered: "applied" } },
      { key: "check", offset: "P14D" },
      { key: "confirm", offset: "P14D", recipient: "manager" },
      { key: "difference", offset: "P30D" },
      { key: "team-agenda", offset: "P30D", recipient: "team-lead" },
      { key: "value-check", offset: "P90D" },
      { key: "value-check-manager", offset: "P90D", recipient: "manager" },
    ]);
    const [proposal] = plan({
      rules: [programme],
      facts: factsAt("2026-03-26T15:00"),
    });

    it("plans every step inside the window, at most 1 email a day and 2 in 7 days per person", () => {
      expect(
        proposal?.steps.map((step) => [
          step.stepKey,
          local(step, step.idealAt),
          local(step),
        ]),
      ).toEqual([
        ["commit", "Thu 26 Mar 19:00", "Fri 27 Mar 08:00"],
        ["after-talk", "Mon 30 Mar 15:00", "Mon 30 Mar 15:00"],
        ["retrieval", "Sun 29 Mar 15:00", "Mon 30 Mar 08:00"],
        // Thursday would make three emails within Fri 27 Mar - Thu 2 Apr.
        ["reflect", "Thu 2 Apr 15:00", "Fri 3 Apr 08:00"],
        ["apply", "Sun 5 Apr 15:00", "Mon 6 Apr 08:00"],
        ["check", "Thu 9 Apr 15:00", "Fri 10 Apr 08:00"],
        ["confirm", "Thu 9 Apr 15:00", "Thu 9 Apr 15:00"],
        ["difference", "Sat 25 Apr 15:00", "Mon 27 Apr 08:00"],
        ["team-agenda", "Sat 25 Apr 15:00", "Mon 27 Apr 08:00"],
        ["value-check", "Wed 24 Jun 15:00", "Wed 24 Jun 15:00"],
        ["value-check-manager", "Wed 24 Jun 15:00", "Wed 24 Jun 15:00"],
      ]);
    });

    it("explains each move", () => {
      expect(
        proposal?.decisions.map(
          (d) => `${d.kind === "held-back" ? "" : d.stepKey}: ${d.message}`,
        ),
      ).toEqual([
        "commit: moved from Thu 26 Mar 19:00 to Fri 27 Mar 08:00 (Europe/Amsterdam): outside the send window (Mon-Fri 08:00-18:00)",
        "retrieval: moved from Sun 29 Mar 15:00 to Mon 30 Mar 08:00 (Europe/Amsterdam): outside the send window (Mon-Fri 08:00-18:00)",
        "reflect: moved from Thu 2 Apr 15:00 to Fri 3 Apr 08:00 (Europe/Amsterdam): at most 2 emails in 7 days",
        "apply: moved from Sun 5 Apr 15:00 to Mon 6 Apr 08:00 (Europe/Amsterdam): outside the send window (Mon-Fri 08:00-18:00)",
        "check: moved from Thu 9 Apr 15:00 to Fri 10 Apr 08:00 (Europe/Amsterdam): at most 2 emails in 7 days",
        "difference: moved from Sat 25 Apr 15:00 to Mon 27 Apr 08:00 (Europe/Amsterdam): outside the send window (Mon-Fri 08:00-18:00)",
        "team-agenda: moved from Sat 25 Apr 15:00 to Mon 27 Apr 08:00 (Europe/Amsterdam): outside the send window (Mon-Fri 08:00-18:00)",
      ]);
    });
  });

  describe("for any trigger time and zone", () => {
    // Fixed inputs: every 7 h 13 min over five weeks around the March DST changes, in four zones.
    const zones = [AMS, "America/New_York", "Pacific/Auckland", "Asia/Kolkata"];
    const triggers = Array.from(
      { length: 116 },
      (_, i) => new Date(Date.UTC(2026, 2, 1) + i * (7 * 60 + 13) * 60_000),
    );
    const rules = [
      aRule("a", [
        { offset: "PT4H" },
        { offset: { workdays: 2 }, at: "09:00" },
        { offset: "P3D" },
        { offset: "P7D" },
      ]),
      aRule("b", [
        { offset: "PT30M" },
        { offset: "P1D", at: "07:00" },
        { offset: "P8D" },
      ]),
    ];

    it("never sends early, always inside the window, within both caps", () => {
      const problems: string[] = [];
      for (const zone of zones)
        for (const timestamp of triggers) {
          const steps = planStatement({
            facts: { ...factsAt("2026-03-01T00:00"), timestamp },
            learnerId: "anna",
            rules,
            person: { timeZone: zone },
            policy: DEFAULT_POLICY,
          }).proposals.flatMap((p) => p.steps);
          const where = `${zone} ${timestamp.toISOString()}`;
          if (steps.length !== 7)
            problems.push(`${where}: ${steps.length} steps`);
          // Local day -> the one dueAt of that day's email.
          const days = new Map<string, number>();
          for (const step of steps) {
            if (step.dueAt < step.idealAt)
              problems.push(`${where}: ${step.stepKey} early`);
            if (!isInSendWindow(step.dueAt, zone, DEFAULT_POLICY))
              problems.push(`${where}: ${step.stepKey} outside the window`);
            const day =
              DateTime.fromJSDate(step.dueAt, { zone }).toISODate() ?? "";
            const email = days.get(day) ?? step.dueAt.getTime();
            if (email !== step.dueAt.getTime())
              problems.push(`${where}: two emails on ${day}`);
            days.set(day, email);
          }
          const dayNumbers = [...days.keys()].map(
            (d) => DateTime.fromISO(d, { zone: "utc" }).toMillis() / 86_400_000,
          );
          for (const first of dayNumbers)
            if (
              dayNumbers.filter((d) => d >= first && d < first + 7).length > 2
            )
              problems.push(`${where}: more than 2 emails in 7 days`);
        }
      expect(problems).toEqual([]);
    });

    it("gives the same plan for the same input", () => {
      const input: PlanInput = {
        facts: factsAt("2026-03-27T17:45"),
        learnerId: "anna",
        rules,
        person: { timeZone: "Pacific/Auckland" },
        policy: DEFAULT_POLICY,
        history: {
          nudges: [
            {
              recipientId: "anna",
              dueAt: at("2026-03-30T09:00"),
              status: "sent",
            },
          ],
        },
      };
      expect(planStatement(input)).toEqual(planStatement(input));
    });
  });
});
