import { VERBS } from "@beklijf/xapi";

import type { TriggerFacts } from "./match-trigger";
import { Rule, type StopConditions } from "./rule";
import {
  checkStepCondition,
  checkStopConditions,
  verbsThatMatter,
} from "./stop-conditions";

const course = "https://lms.example.nl/course/view.php?id=7";

function aRule(stopWhen?: StopConditions): Rule {
  return Rule.parse({
    key: "r",
    name: "r",
    trigger: { verbs: [VERBS.completed] },
    steps: [
      {
        key: "commit",
        offset: "PT4H",
        recipient: "learner",
        template: "commit",
        why: "w",
      },
    ],
    ...(stopWhen === undefined ? {} : { stopWhen }),
  });
}

const trigger: TriggerFacts = {
  statementId: "trigger",
  verbId: VERBS.completed,
  objectId: course,
  activityType: undefined,
  registration: undefined,
  timestamp: new Date("2026-03-27T10:00:00Z"),
};

function later(change: Partial<TriggerFacts>) {
  return {
    kind: "statement" as const,
    facts: {
      ...trigger,
      statementId: "later",
      timestamp: new Date("2026-04-01T10:00:00Z"),
      ...change,
    },
  };
}

describe("checkStopConditions", () => {
  describe("voiding of the trigger", () => {
    it("stops the plan by default", () => {
      expect(
        checkStopConditions(aRule(), trigger, {
          kind: "voided",
          voidedStatementId: "trigger",
        }),
      ).toEqual({
        kind: "trigger-voided",
        message: "stopped: the trigger statement was voided",
      });
    });

    it("stops it when it arrives as a voiding statement", () => {
      expect(
        checkStopConditions(
          aRule(),
          trigger,
          later({ verbId: VERBS.voided, objectId: "trigger" }),
        )?.kind,
      ).toBe("trigger-voided");
    });

    it("ignores the voiding of another statement", () => {
      expect(
        checkStopConditions(aRule(), trigger, {
          kind: "voided",
          voidedStatementId: "other",
        }),
      ).toBeUndefined();
    });

    it("can be switched off", () => {
      expect(
        checkStopConditions(aRule({ triggerVoided: false }), trigger, {
          kind: "voided",
          voidedStatementId: "trigger",
        }),
      ).toBeUndefined();
    });
  });

  describe("answers", () => {
    const rule = aRule({ answers: ["applied"] });

    it("stops on a listed answer", () => {
      expect(
        checkStopConditions(rule, trigger, {
          kind: "answer",
          answerKind: "applied",
        }),
      ).toEqual({
        kind: "answer",
        message: 'stopped: the learner answered "applied"',
      });
    });

    it("goes on after another answer", () => {
      expect(
        checkStopConditions(rule, trigger, {
          kind: "answer",
          answerKind: "reflection",
        }),
      ).toBeUndefined();
    });
  });

  describe("later statements", () => {
    const failed = aRule({ statements: [{ verbs: [VERBS.failed] }] });

    it("stops on a matching verb about the same activity", () => {
      expect(
        checkStopConditions(failed, trigger, later({ verbId: VERBS.failed })),
      ).toEqual({
        kind: "statement",
        message: `stopped: a later statement (${VERBS.failed} on ${course}) matched stopWhen.statements[0]`,
      });
    });

    it("ignores the verb about another activity, unless the pattern names activities", () => {
      expect(
        checkStopConditions(
          failed,
          trigger,
          later({ verbId: VERBS.failed, objectId: "https://x.nl/2" }),
        ),
      ).toBeUndefined();
      const advanced = aRule({
        statements: [
          {
            verbs: [VERBS.completed],
            activityIdPrefixes: ["https://lms.example.nl/advanced/"],
          },
        ],
      });
      expect(
        checkStopConditions(
          advanced,
          trigger,
          later({ objectId: "https://lms.example.nl/advanced/1" }),
        )?.kind,
      ).toBe("statement");
    });

    it("can require the same activity even when the pattern names activities", () => {
      const rule = aRule({
        statements: [
          {
            verbs: [VERBS.passed],
            activityIdPrefixes: ["https://lms.example.nl/"],
            sameActivity: true,
          },
        ],
      });
      expect(
        checkStopConditions(
          rule,
          trigger,
          later({ verbId: VERBS.passed, objectId: "https://lms.example.nl/x" }),
        ),
      ).toBeUndefined();
      expect(
        checkStopConditions(rule, trigger, later({ verbId: VERBS.passed }))
          ?.kind,
      ).toBe("statement");
    });

    it("ignores the trigger itself and statements from before it", () => {
      const again = aRule({ statements: [{ verbs: [VERBS.completed] }] });
      expect(
        checkStopConditions(again, trigger, {
          kind: "statement",
          facts: trigger,
        }),
      ).toBeUndefined();
      expect(
        checkStopConditions(
          again,
          trigger,
          later({ timestamp: new Date("2026-03-26T10:00:00Z") }),
        ),
      ).toBeUndefined();
      expect(checkStopConditions(again, trigger, later({}))?.kind).toBe(
        "statement",
      );
    });
  });
});

describe("checkStepCondition", () => {
  it("sends a step without a condition", () => {
    expect(checkStepCondition(undefined, [{ kind: "applied" }])).toEqual({
      send: true,
    });
  });

  it("sends while the answer has not been given", () => {
    expect(
      checkStepCondition({ notAnswered: "applied" }, [{ kind: "reflection" }]),
    ).toEqual({ send: true });
  });

  it("skips once it has", () => {
    expect(
      checkStepCondition({ notAnswered: "applied" }, [{ kind: "applied" }]),
    ).toEqual({
      send: false,
      reason: 'the learner already answered "applied"',
    });
  });
});

describe("verbsThatMatter", () => {
  it("lists the trigger verbs and the stop-statement verbs of every rule given", () => {
    const verbs = verbsThatMatter([
      aRule({ statements: [{ verbs: [VERBS.failed] }] }),
      { ...aRule(), trigger: { verbs: [VERBS.passed] } },
    ]);
    expect([...verbs.start].sort()).toEqual(
      [VERBS.completed, VERBS.passed].sort(),
    );
    expect([...verbs.stop]).toEqual([VERBS.failed]);
  });
});
