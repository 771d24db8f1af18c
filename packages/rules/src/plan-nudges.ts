import { DateTime, Duration } from "luxon";

import type { Recipient, Rule } from "./rule";

/** What the planner needs to know about a statement (already validated and stored). */
export interface TriggerFacts {
  readonly statementId: string;
  readonly verbId: string;
  readonly objectId: string;
  readonly activityType: string | undefined;
  readonly registration: string | undefined;
  /** The trigger's time, in clock time. */
  readonly timestamp: Date;
}

export interface RuleRef {
  readonly ruleId: string;
  readonly ruleVersionId: string;
  readonly rule: Rule;
}

export interface PlannedStep {
  readonly stepKey: string;
  readonly recipient: Recipient;
  readonly template: string;
  readonly dueAt: Date;
  /** Natural key of this nudge: the job id is derived from it. */
  readonly naturalKey: string;
  readonly why: string;
}

export interface PlanProposal {
  readonly ruleId: string;
  readonly ruleVersionId: string;
  /** Re-entry guard: one plan per rule, learner and registration (or activity without one). */
  readonly entryKey: string;
  readonly steps: readonly PlannedStep[];
}

/** Does this statement trigger this rule? */
export function matchesTrigger(rule: Rule, facts: TriggerFacts): boolean {
  if (!rule.enabled) return false;
  if (!rule.trigger.verbs.includes(facts.verbId)) return false;
  if (
    rule.trigger.activityTypes !== undefined &&
    (facts.activityType === undefined ||
      !rule.trigger.activityTypes.includes(facts.activityType))
  )
    return false;
  return true;
}

/**
 * Plans the follow-ups of one statement for one learner. Pure and deterministic: the same input
 * always gives the same plans, with the same natural keys, so re-running it never doubles a nudge.
 */
export function planNudges(input: {
  facts: TriggerFacts;
  learnerId: string;
  rules: readonly RuleRef[];
}): PlanProposal[] {
  const { facts, learnerId } = input;
  const anchor =
    facts.registration === undefined
      ? `activity:${facts.objectId}`
      : `registration:${facts.registration}`;
  const start = DateTime.fromJSDate(facts.timestamp, { zone: "utc" });
  return input.rules
    .filter((ref) => matchesTrigger(ref.rule, facts))
    .map((ref) => {
      const entryKey = `${ref.ruleId}|${learnerId}|${anchor}`;
      return {
        ruleId: ref.ruleId,
        ruleVersionId: ref.ruleVersionId,
        entryKey,
        steps: ref.rule.steps.map((step) => ({
          stepKey: step.key,
          recipient: step.recipient,
          template: step.template,
          dueAt: start.plus(Duration.fromISO(step.offset)).toJSDate(),
          naturalKey: `${entryKey}|${step.key}`,
          why: step.why,
        })),
      };
    });
}
