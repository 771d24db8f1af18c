import type { PlanInput, RuleRef } from "./plan-proposal";
import type { ReEntry } from "./rule";

const DAY_MS = 86_400_000;

/**
 * The plan's entry key: `<ruleId>|<learnerId>|registration:<id>`, or `activity:<objectId>` without
 * a registration; with "again after N days" also `|at:<trigger timestamp>`, so each entry has a key
 * of its own while a replay of the same statement keeps it.
 */
export function entryKeyOf(
  ref: RuleRef,
  input: PlanInput,
  reEntry: ReEntry,
): string {
  const { facts } = input;
  const anchor =
    facts.registration === undefined
      ? `activity:${facts.objectId}`
      : `registration:${facts.registration}`;
  const key = `${ref.ruleId}|${input.learnerId}|${anchor}`;
  // "Again after N days" needs one key per entry; the trigger's time keeps replays on one key.
  return typeof reEntry === "object"
    ? `${key}|at:${facts.timestamp.toISOString()}`
    : key;
}

/** Why an earlier plan of this rule keeps this statement from starting one, or undefined. */
export function findReEntryBlock(
  ref: RuleRef,
  input: PlanInput,
  reEntry: ReEntry,
  entryKey: string,
): string | undefined {
  const { facts } = input;
  const earlier = (input.history?.plans ?? []).find((plan) => {
    // The same entry key is this very plan again (a replay): the database keeps it once.
    if (plan.ruleId !== ref.ruleId || plan.entryKey === entryKey) return false;
    if (reEntry === "once-per-registration")
      return facts.registration === undefined
        ? plan.registration === undefined && plan.objectId === facts.objectId
        : plan.registration === facts.registration;
    if (plan.objectId !== facts.objectId) return false;
    if (reEntry === "once-per-activity") return true;
    return (
      Math.abs(facts.timestamp.getTime() - plan.triggeredAt.getTime()) <
      reEntry.againAfterDays * DAY_MS
    );
  });
  if (earlier === undefined) return undefined;
  const policy =
    typeof reEntry === "object"
      ? `again after ${reEntry.againAfterDays} days`
      : reEntry;
  return `not planned: ${ref.rule.key} already started for this ${reEntry === "once-per-registration" ? "registration" : "activity"} on ${earlier.triggeredAt.toISOString().slice(0, 10)} (re-entry: ${policy})`;
}
