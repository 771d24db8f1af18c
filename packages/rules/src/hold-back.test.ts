import { holdBackPosition, isHeldBack } from "./hold-back";
import { planNudges } from "./plan-nudges";
import { aRule as aPlanRule, facts } from "./plan-test-fixtures";
import { DEFAULT_POLICY } from "./policy";
import { Rule } from "./rule";

function aRule(key: string, share?: number): Rule {
  return Rule.parse({
    key,
    name: key,
    trigger: { verbs: ["http://adlnet.gov/expapi/verbs/completed"] },
    steps: [
      {
        key: "commit",
        offset: "PT4H",
        recipient: "learner",
        template: "commit",
        why: "w",
      },
    ],
    ...(share === undefined ? {} : { holdBack: { share } }),
  });
}

/** 10,000 synthetic learner ids; fixed, so the figures below never change. */
const learners = Array.from({ length: 10_000 }, (_, i) => `learner-${i}`);

function heldBackShare(rule: Rule): number {
  return learners.filter((id) => isHeldBack(rule, id)).length / learners.length;
}

describe("holdBackPosition", () => {
  it("is the same for the same rule key and learner, every time", () => {
    expect(holdBackPosition("after-completion", "anna")).toBe(
      holdBackPosition("after-completion", "anna"),
    );
  });

  it("lies in [0, 1)", () => {
    const positions = learners.map((id) => holdBackPosition("r", id));
    expect(Math.min(...positions)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...positions)).toBeLessThan(1);
  });

  it("is pinned, so a change of hash shows up here and not as a reshuffled control group", () => {
    expect(holdBackPosition("after-completion", "anna")).toMatchInlineSnapshot(
      `0.592151667798301`,
    );
  });
});

describe("isHeldBack", () => {
  it("holds back nobody without a hold-back share", () => {
    expect(heldBackShare(aRule("r"))).toBe(0);
    expect(heldBackShare(aRule("r", 0))).toBe(0);
  });

  it.each([0.05, 0.1, 0.25, 0.5])(
    "holds back a share of %p within 1.5 percentage points over 10,000 learners",
    (share) => {
      expect(
        Math.abs(heldBackShare(aRule("after-completion", share)) - share),
      ).toBeLessThanOrEqual(0.015);
    },
  );

  it("keeps a learner's group when only the share grows (the control group only gains people)", () => {
    const small = aRule("r", 0.1);
    const large = aRule("r", 0.2);
    for (const id of learners)
      if (isHeldBack(small, id)) expect(isHeldBack(large, id)).toBe(true);
  });

  it("assigns independently per rule: about share² of learners are held back by both of two rules", () => {
    const a = aRule("after-completion", 0.5);
    const b = aRule("after-registration", 0.5);
    const both = learners.filter(
      (id) => isHeldBack(a, id) && isHeldBack(b, id),
    ).length;
    expect(Math.abs(both / learners.length - 0.25)).toBeLessThanOrEqual(0.015);
  });
});

describe("planStatement: hold-back", () => {
  const rules = [aPlanRule([{}], { holdBack: { share: 0.5 } })];
  const ids = Array.from({ length: 20 }, (_, i) => `learner-${i}`);
  const heldBackId = ids.find((id) => holdBackPosition("r", id) < 0.5) ?? "";
  const includedId = ids.find((id) => holdBackPosition("r", id) >= 0.5) ?? "";

  it("records a plan without steps for a learner in the control group, and says why", () => {
    const [plan] = planNudges({
      facts,
      learnerId: heldBackId,
      rules,
      policy: DEFAULT_POLICY,
    });
    expect(plan).toEqual({
      ruleId: "r",
      ruleVersionId: "v1",
      entryKey: `r|${heldBackId}|activity:${facts.objectId}`,
      steps: [],
      heldBack: true,
      decisions: [
        {
          kind: "held-back",
          share: 0.5,
          message:
            "held back: control group (50% of learners get no nudges from r)",
        },
      ],
    });
  });

  it("plans as usual for the other learners", () => {
    const [plan] = planNudges({
      facts,
      learnerId: includedId,
      rules,
      policy: DEFAULT_POLICY,
    });
    expect(plan?.heldBack).toBe(false);
    expect(plan?.steps).toHaveLength(1);
  });

  it("gives the same answer every time", () => {
    for (const id of ids)
      expect(planNudges({ facts, learnerId: id, rules })).toEqual(
        planNudges({ facts, learnerId: id, rules }),
      );
  });
});
