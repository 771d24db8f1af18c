import { parseRuleSet } from "./parse-rules";
import { planNudges } from "./plan-nudges";
import type { Rule } from "./rule";

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
const facts = {
  statementId: "s1",
  verbId: completed,
  objectId: "https://lms.example/course/12",
  activityType: course,
  registration: undefined,
  timestamp: new Date("2026-03-27T10:00:00Z"),
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
      // P7D is seven calendar days in UTC; send windows in the learner's zone come with issue #4.
      ["reflect", "2026-04-03T10:00:00.000Z"],
    ]);
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
});

describe("parseRuleSet", () => {
  it("names the file, the path and what to write instead", () => {
    const result = parseRuleSet(
      {
        rules: [
          { ...rule, steps: [{ ...rule.steps[0], offset: "four hours" }] },
        ],
      },
      "rules.json",
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.file).toBe("rules.json");
      expect(result.error.issues).toEqual([
        {
          path: ["rules", 0, "steps", 0, "offset"],
          message: "must be an ISO 8601 duration such as PT4H, P2D or P1W",
        },
      ]);
    }
  });

  it("refuses two steps with one key", () => {
    const result = parseRuleSet(
      { rules: [{ ...rule, steps: [rule.steps[0], rule.steps[0]] }] },
      "rules.json",
    );
    expect(!result.ok && result.error.issues[0]?.path).toEqual([
      "rules",
      0,
      "steps",
      1,
      "key",
    ]);
  });
});
