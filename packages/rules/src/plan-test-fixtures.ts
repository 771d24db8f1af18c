import { DateTime } from "luxon";

import type { TriggerFacts } from "./match-trigger";
import { planNudges } from "./plan-nudges";
import type { PlanInput, PlanProposal, RuleRef } from "./plan-proposal";
import { Rule, type RuleStep } from "./rule";

// Shared by the planner's unit tests (not exported from the package).

export const COMPLETED = "http://adlnet.gov/expapi/verbs/completed";

/** A completion of course 12 on Fri 27 Mar 2026, 10:00 UTC. */
export const facts: TriggerFacts = {
  statementId: "s1",
  verbId: COMPLETED,
  objectId: "https://lms.example/course/12",
  activityType: "https://w3id.org/xapi/cmi5/activitytype/course",
  registration: undefined,
  timestamp: new Date("2026-03-27T10:00:00Z"),
};

/** Rule "r" with these steps (keys s0, s1, ...; 4 h after, to the learner unless given). */
export function aRule(
  steps: readonly Partial<RuleStep>[],
  fields: Partial<Rule> = {},
): RuleRef {
  const parsed = Rule.parse({
    key: "r",
    name: "r",
    trigger: { verbs: [COMPLETED] },
    steps: steps.map((step, i) => ({
      key: `s${i}`,
      offset: "PT4H",
      recipient: "learner",
      template: "t",
      why: "w",
      ...step,
    })),
    ...fields,
  });
  return { ruleId: parsed.key, ruleVersionId: "v1", rule: parsed };
}

/** Each step of a proposal as [stepKey, dueAt in the step's own zone]. */
export function localDue(
  proposal: PlanProposal | undefined,
): [string, string | null][] {
  return (proposal?.steps ?? []).map((step) => [
    step.stepKey,
    DateTime.fromJSDate(step.dueAt, { zone: step.timeZone }).toISO(),
  ]);
}

/** The first proposal for learner "anna" and `facts`, unless the input says otherwise. */
export function planOne(
  input: Partial<PlanInput> & Pick<PlanInput, "rules">,
): PlanProposal | undefined {
  return planNudges({ facts, learnerId: "anna", ...input })[0];
}
