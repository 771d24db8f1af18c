import { planStatement } from "./plan-nudges";
import { aRule, facts, planOne } from "./plan-test-fixtures";

describe("planStatement: re-entry", () => {
  const prior = {
    ruleId: "r",
    entryKey: "r|anna|registration:11111111-1111-4111-8111-111111111111",
    objectId: facts.objectId,
    registration: "11111111-1111-4111-8111-111111111111",
    triggeredAt: new Date("2026-01-10T10:00:00Z"),
  };
  const again = {
    ...facts,
    registration: "22222222-2222-4222-8222-222222222222",
  };

  it("plans once per activity by default, naming the earlier plan", () => {
    const result = planStatement({
      facts: again,
      learnerId: "anna",
      rules: [aRule([{}])],
      history: { plans: [prior] },
    });
    expect(result).toEqual({
      proposals: [],
      skipped: [
        {
          ruleId: "r",
          ruleVersionId: "v1",
          reason: "re-entry",
          message:
            "not planned: r already started for this activity on 2026-01-10 (re-entry: once-per-activity)",
        },
      ],
    });
  });

  it("plans again for another activity", () => {
    expect(
      planOne({
        rules: [aRule([{}])],
        facts: { ...again, objectId: "https://lms.example/course/13" },
        history: { plans: [prior] },
      }),
    ).toBeDefined();
  });

  it("plans again for a new registration when the rule re-enters once per registration", () => {
    const plan = planOne({
      rules: [aRule([{}], { reEntry: "once-per-registration" })],
      facts: again,
      history: { plans: [prior] },
    });
    expect(plan?.entryKey).toBe(
      "r|anna|registration:22222222-2222-4222-8222-222222222222",
    );
  });

  it("plans a replay of the same entry again, with the same keys (the database keeps one)", () => {
    const first = planOne({ rules: [aRule([{}])], facts: again });
    const replay = planOne({
      rules: [aRule([{}])],
      facts: again,
      history: {
        plans: [
          {
            ...prior,
            entryKey: first?.entryKey ?? "",
            registration: again.registration,
          },
        ],
      },
    });
    expect(replay).toEqual(first);
  });

  describe("again after 180 days", () => {
    const rules = [aRule([{}], { reEntry: { againAfterDays: 180 } })];
    const earlier = {
      ...prior,
      entryKey: "r|anna|activity:x|at:2025-10-01T10:00:00.000Z",
      registration: undefined,
    };

    it("does not plan within 180 days of the last entry", () => {
      const result = planStatement({
        facts,
        learnerId: "anna",
        rules,
        history: {
          plans: [
            { ...earlier, triggeredAt: new Date("2025-12-01T10:00:00Z") },
          ],
        },
      });
      expect(result.skipped.map((s) => s.message)).toEqual([
        "not planned: r already started for this activity on 2025-12-01 (re-entry: again after 180 days)",
      ]);
    });

    it("plans again after them, under a key of its own", () => {
      const plan = planOne({
        rules,
        history: {
          plans: [
            { ...earlier, triggeredAt: new Date("2025-09-01T10:00:00Z") },
          ],
        },
      });
      expect(plan?.entryKey).toBe(
        "r|anna|activity:https://lms.example/course/12|at:2026-03-27T10:00:00.000Z",
      );
    });
  });
});
