import { assertNever } from "@beklijf/core";
import { VERBS } from "@beklijf/xapi";

import { describeActivityMismatch, type TriggerFacts } from "./match-trigger";
import { resolveRuleOptions, type Rule, type StepCondition } from "./rule";

/** Something that happened after a plan started, for `checkStopConditions`. */
export type PlanEvent =
  /** A later statement of the plan's learner (a voiding statement counts as voiding). */
  | { readonly kind: "statement"; readonly facts: TriggerFacts }
  /** An answer the learner gave through a nudge of this plan, e.g. "applied". */
  | { readonly kind: "answer"; readonly answerKind: string }
  /** A statement was voided; `voidedStatementId` is the id it voids. */
  | { readonly kind: "voided"; readonly voidedStatementId: string };

export interface StopDecision {
  readonly kind: "statement" | "answer" | "trigger-voided";
  /** In words L&D reads, e.g. `stopped: the learner answered "applied"`. */
  readonly message: string;
}

/**
 * Does this event end the plan that `trigger` started under `rule`? Returns why, or undefined.
 * The engine cancels the plan's pending nudges when it does. Uses the rule version the plan
 * started with.
 */
export function checkStopConditions(
  rule: Rule,
  trigger: TriggerFacts,
  event: PlanEvent,
): StopDecision | undefined {
  const { stopWhen } = resolveRuleOptions(rule);
  switch (event.kind) {
    case "voided":
      return stopWhen.triggerVoided &&
        event.voidedStatementId === trigger.statementId
        ? {
            kind: "trigger-voided",
            message: "stopped: the trigger statement was voided",
          }
        : undefined;
    case "answer":
      return stopWhen.answers.includes(event.answerKind)
        ? {
            kind: "answer",
            message: `stopped: the learner answered "${event.answerKind}"`,
          }
        : undefined;
    case "statement": {
      const { facts } = event;
      if (facts.verbId === VERBS.voided)
        return checkStopConditions(rule, trigger, {
          kind: "voided",
          voidedStatementId: facts.objectId,
        });
      // Only later statements count; the trigger itself (or a replay of it) never stops its plan.
      if (
        facts.statementId === trigger.statementId ||
        facts.timestamp < trigger.timestamp
      )
        return undefined;
      const index = stopWhen.statements.findIndex((pattern) => {
        if (!pattern.verbs.includes(facts.verbId)) return false;
        const sameActivity =
          pattern.sameActivity ??
          (pattern.activityIds === undefined &&
            pattern.activityIdPrefixes === undefined);
        if (sameActivity && facts.objectId !== trigger.objectId) return false;
        return describeActivityMismatch(pattern, facts) === undefined;
      });
      return index === -1
        ? undefined
        : {
            kind: "statement",
            message: `stopped: a later statement (${facts.verbId} on ${facts.objectId}) matched stopWhen.statements[${index}]`,
          };
    }
    default:
      return assertNever(event);
  }
}

export type StepCheck =
  { readonly send: true } | { readonly send: false; readonly reason: string };

/**
 * Does a step's condition still hold? `answers` are the learner's answers that count for this
 * plan: those given in it, or for the trigger's activity since the trigger. Checked by the
 * planner and again by the engine when the nudge fires.
 */
export function checkStepCondition(
  condition: StepCondition | undefined,
  answers: readonly { readonly kind: string }[],
): StepCheck {
  if (condition === undefined) return { send: true };
  return answers.some((answer) => answer.kind === condition.notAnswered)
    ? {
        send: false,
        reason: `the learner already answered "${condition.notAnswered}"`,
      }
    : { send: true };
}

/**
 * The verbs a statement must have to start a plan under one of `rules` (`start`) or to stop a plan
 * that one of them started (`stop`; voiding always matters and is not listed). A statement with
 * any other verb can be marked processed without reading the learner's plans or history: a cheap,
 * conservative index (activity filters are left to `matchesTrigger` and `checkStopConditions`).
 */
export function verbsThatMatter(rules: Iterable<Rule>): {
  readonly start: ReadonlySet<string>;
  readonly stop: ReadonlySet<string>;
} {
  const start = new Set<string>();
  const stop = new Set<string>();
  for (const rule of rules) {
    for (const verb of rule.trigger.verbs) start.add(verb);
    for (const pattern of resolveRuleOptions(rule).stopWhen.statements)
      for (const verb of pattern.verbs) stop.add(verb);
  }
  return { start, stop };
}
