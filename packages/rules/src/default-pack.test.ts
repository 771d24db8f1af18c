import { readFileSync } from "node:fs";
import path from "node:path";

import type { TriggerFacts } from "./match-trigger";
import { parseRuleSet } from "./parse-rules";
import { planStatement } from "./plan-nudges";
import { DEFAULT_POLICY } from "./policy";

// The default programme of DOMAIN.md as templates/werkplekleren/rules.json encodes it: which rule
// a statement starts, and which steps it gets.

const file = path.resolve(
  __dirname,
  "../../../templates/werkplekleren/rules.json",
);
const parsed = parseRuleSet(JSON.parse(readFileSync(file, "utf8")), file);
if (!parsed.ok) throw new Error("the default pack's rules do not parse");
const rules = parsed.value.rules.map((rule) => ({
  ruleId: rule.key,
  ruleVersionId: `${rule.key}-v1`,
  rule,
}));

const COMPLETED = "http://adlnet.gov/expapi/verbs/completed";
const REGISTERED = "http://adlnet.gov/expapi/verbs/registered";
const MODULE = "http://adlnet.gov/expapi/activities/module";
const LESSON = "http://adlnet.gov/expapi/activities/lesson";
const CMI5_COURSE = "https://w3id.org/xapi/cmi5/activitytype/course";

function planned(verbId: string, activityType: string | undefined) {
  const facts: TriggerFacts = {
    statementId: "s1",
    verbId,
    objectId: "https://lms.example.nl/mod/scorm/view.php?id=4",
    activityType,
    registration: undefined,
    timestamp: new Date("2026-03-03T09:00:00Z"),
  };
  const { proposals } = planStatement({
    facts,
    learnerId: "anna",
    rules,
    person: {
      timeZone: "Europe/Amsterdam",
      manager: { id: "maya" },
      teamLead: { id: "tom" },
    },
    policy: DEFAULT_POLICY,
  });
  return proposals.map((proposal) => ({
    rule: proposal.ruleId,
    steps: proposal.steps.map((step) => step.stepKey),
  }));
}

describe("the default pack", () => {
  it.each([MODULE, LESSON])(
    "plans a short e-learning (%s) under after-elearning only: no day-10 assignment",
    (type) => {
      const plans = planned(COMPLETED, type);
      expect(plans.map((p) => p.rule)).toEqual(["after-elearning"]);
      expect(plans[0]?.steps).not.toContain("apply");
      expect(plans[0]?.steps).toEqual(
        expect.arrayContaining([
          "commit",
          "reflect",
          "apply-check",
          "team-agenda",
        ]),
      );
    },
  );

  it("plans a course under after-training only, with the day-10 assignment", () => {
    const plans = planned(COMPLETED, CMI5_COURSE);
    expect(plans.map((p) => p.rule)).toEqual(["after-training"]);
    expect(plans[0]?.steps).toContain("apply");
  });

  it("sends no 'before' steps for a short e-learning, and does for a course", () => {
    expect(planned(REGISTERED, MODULE)).toEqual([]);
    expect(planned(REGISTERED, CMI5_COURSE).map((p) => p.rule)).toEqual([
      "before-training",
    ]);
  });

  it("keeps every step's why, and the e-learning variant drops only the day-10 step", () => {
    const byKey = new Map(parsed.value.rules.map((rule) => [rule.key, rule]));
    const main = byKey.get("after-training");
    const short = byKey.get("after-elearning");
    expect(short?.steps.map((s) => s.key)).toEqual(
      main?.steps.map((s) => s.key).filter((key) => key !== "apply"),
    );
    for (const rule of parsed.value.rules)
      for (const step of rule.steps)
        expect(step.why.length).toBeGreaterThan(40);
  });

  it("batches the team lead's agenda prompt to a weekly slot inside the send window", () => {
    for (const key of ["after-training", "after-elearning"]) {
      const step = parsed.value.rules
        .find((rule) => rule.key === key)
        ?.steps.find((s) => s.recipient === "team-lead");
      expect(step?.batch).toEqual({ weekday: "mon", at: "09:00" });
    }
  });
});
