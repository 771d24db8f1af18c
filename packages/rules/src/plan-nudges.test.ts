import { planNudges } from "./plan-nudges";
import { aRule, facts, localDue, planOne } from "./plan-test-fixtures";
import type { Rule } from "./rule";

const AMS = "Europe/Amsterdam";
const completed = "http://adlnet.gov/expapi/verbs/completed";
const course = "https://w3id.org/xapi/cmi5/activitytype/course";

const rule: Rule = {
  key: "after-completion",
  name: "After a completed course",
  enabled: true,
  trigger: { verbs: [completed], activityTypes: [course] },
  steps: [
    {
      key: "commit",
      offset: "PT4H",
      recipient: "learner",
      template: "commit",
      why: "an if-then plan right after the training",
    },
    {
      key: "reflect",
      offset: "P7D",
      recipient: "learner",
      template: "reflect",
      why: "reflection after a first try",
    },
  ],
};

describe("planNudges", () => {
  it("plans each step at the trigger's time plus its offset", () => {
    const [plan] = planNudges({
      facts,
      learnerId: "anna",
      rules: [{ ruleId: "r1", ruleVersionId: "v1", rule }],
    });
    expect(plan?.steps.map((s) => [s.stepKey, s.dueAt.toISOString()])).toEqual([
      ["commit", "2026-03-27T14:00:00.000Z"],
      // Without a person's zone or a policy, P7D is seven calendar days in UTC.
      ["reflect", "2026-04-03T10:00:00.000Z"],
    ]);
    expect(plan?.steps[0]).toEqual({
      stepKey: "commit",
      recipient: "learner",
      recipientPersonId: "anna",
      recipientAddress: undefined,
      template: "commit",
      dueAt: new Date("2026-03-27T14:00:00.000Z"),
      idealAt: new Date("2026-03-27T14:00:00.000Z"),
      timeZone: "UTC",
      mergeKey: "anna|2026-03-27T14:00:00.000Z",
      naturalKey: "r1|anna|activity:https://lms.example/course/12|commit",
      why: "an if-then plan right after the training",
      condition: undefined,
    });
    expect(plan?.heldBack).toBe(false);
    expect(plan?.decisions).toEqual([]);
  });

  describe("when the same completion arrives twice", () => {
    it("gives the same entry and natural keys, so nothing is planned twice", () => {
      const a = planNudges({
        facts,
        learnerId: "anna",
        rules: [{ ruleId: "r1", ruleVersionId: "v1", rule }],
      });
      const b = planNudges({
        facts: { ...facts, statementId: "s2" },
        learnerId: "anna",
        rules: [{ ruleId: "r1", ruleVersionId: "v1", rule }],
      });
      expect(b).toEqual(a);
    });
  });

  it("keys a plan by registration when the statement has one", () => {
    const [plan] = planNudges({
      facts: { ...facts, registration: "0f5e4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b" },
      learnerId: "anna",
      rules: [{ ruleId: "r1", ruleVersionId: "v1", rule }],
    });
    expect(plan?.entryKey).toBe(
      "r1|anna|registration:0f5e4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
    );
  });

  it.each([
    ["another verb", { verbId: "http://adlnet.gov/expapi/verbs/attempted" }],
    [
      "another activity type",
      { activityType: "http://adlnet.gov/expapi/activities/lesson" },
    ],
    ["no activity type", { activityType: undefined }],
  ])("plans nothing for %s", (_label, change) => {
    expect(
      planNudges({
        facts: { ...facts, ...change },
        learnerId: "anna",
        rules: [{ ruleId: "r1", ruleVersionId: "v1", rule }],
      }),
    ).toEqual([]);
  });

  it("plans nothing for a disabled rule", () => {
    expect(
      planNudges({
        facts,
        learnerId: "anna",
        rules: [
          {
            ruleId: "r1",
            ruleVersionId: "v1",
            rule: { ...rule, enabled: false },
          },
        ],
      }),
    ).toEqual([]);
  });

  it("plans only for statements whose result meets the rule's conditions", () => {
    const passed = aRule([{}], {
      trigger: {
        verbs: [completed],
        result: { success: true, scoreScaledAtLeast: 0.8 },
      },
    });
    expect(
      planOne({
        rules: [passed],
        facts: { ...facts, result: { success: true, scoreScaled: 0.9 } },
      }),
    ).toBeDefined();
    expect(
      planOne({
        rules: [passed],
        facts: { ...facts, result: { success: true, scoreScaled: 0.7 } },
      }),
    ).toBeUndefined();
    expect(
      planOne({
        rules: [passed],
        facts: { ...facts, result: { success: false, scoreScaled: 0.9 } },
      }),
    ).toBeUndefined();
  });
});

describe("planStatement: times in the recipient's zone", () => {
  it("keeps the local time of P7D across the change to summer time in Amsterdam", () => {
    // Fri 27 Mar 11:00 CET; DST begins Sun 29 Mar; a week later it is 11:00 CEST.
    const plan = planOne({
      rules: [aRule([{ offset: "P7D" }, { offset: "PT168H" }])],
      person: { timeZone: AMS },
    });
    expect(localDue(plan)).toEqual([
      ["s0", "2026-04-03T11:00:00.000+02:00"],
      // 168 hours is elapsed time: an hour later on the clock.
      ["s1", "2026-04-03T12:00:00.000+02:00"],
    ]);
  });

  it("keeps the local time of P7D across the change to winter time in Amsterdam", () => {
    const plan = planOne({
      rules: [aRule([{ offset: "P7D" }])],
      facts: { ...facts, timestamp: new Date("2026-10-23T10:00:00Z") },
      person: { timeZone: AMS },
    });
    expect(localDue(plan)).toEqual([["s0", "2026-10-30T12:00:00.000+01:00"]]);
    expect(plan?.steps[0]?.dueAt.toISOString()).toBe(
      "2026-10-30T11:00:00.000Z",
    );
  });

  it("keeps the local time of P3D across the change to summer time in New York", () => {
    const plan = planOne({
      rules: [aRule([{ offset: "P3D" }])],
      facts: { ...facts, timestamp: new Date("2026-03-06T15:00:00Z") },
      person: { timeZone: "America/New_York" },
    });
    expect(localDue(plan)).toEqual([["s0", "2026-03-09T10:00:00.000-04:00"]]);
  });
});

describe("planStatement: step conditions", () => {
  const rules = [
    aRule([
      { key: "reflect" },
      { key: "apply", condition: { notAnswered: "applied" } },
    ]),
  ];

  it("drops a step whose answer was already given for this activity since the trigger", () => {
    const plan = planOne({
      rules,
      history: {
        answers: [
          {
            kind: "applied",
            objectId: facts.objectId,
            answeredAt: new Date("2026-03-27T11:00:00Z"),
          },
        ],
      },
    });
    expect(plan?.steps.map((s) => s.stepKey)).toEqual(["reflect"]);
    expect(plan?.decisions).toEqual([
      {
        kind: "dropped",
        stepKey: "apply",
        reason: "answered",
        message: 'dropped: the learner already answered "applied"',
      },
    ]);
  });

  it("keeps it for answers from before the trigger or about another activity", () => {
    const plan = planOne({
      rules,
      history: {
        answers: [
          {
            kind: "applied",
            objectId: facts.objectId,
            answeredAt: new Date("2026-03-01T11:00:00Z"),
          },
          {
            kind: "applied",
            objectId: "https://lms.example/course/13",
            answeredAt: new Date("2026-03-28T11:00:00Z"),
          },
        ],
      },
    });
    expect(plan?.steps.map((s) => [s.stepKey, s.condition])).toEqual([
      ["reflect", undefined],
      ["apply", { notAnswered: "applied" }],
    ]);
  });
});
