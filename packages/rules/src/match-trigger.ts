import { z } from "zod";

import type { Rule } from "./rule";

/** What the planner needs to know about a statement (already validated and stored). */
export interface TriggerFacts {
  readonly statementId: string;
  readonly verbId: string;
  readonly objectId: string;
  readonly activityType: string | undefined;
  readonly registration: string | undefined;
  /** The trigger's time, in clock time. */
  readonly timestamp: Date;
  /** The statement's `result`; needed only by rules with `trigger.result`. */
  readonly result?: {
    readonly completion?: boolean | undefined;
    readonly success?: boolean | undefined;
    readonly scoreScaled?: number | undefined;
  };
  /** The statement's context; needed only by rules with `trigger.context` or `trigger.unless.categoryIds`. */
  readonly context?: {
    readonly categoryIds?: readonly string[] | undefined;
    readonly groupingIds?: readonly string[] | undefined;
    readonly parentIds?: readonly string[] | undefined;
    readonly platform?: string | undefined;
  };
  /** Name of the connection it came in through; needed only by rules with `trigger.connections`. */
  readonly connection?: string | undefined;
}

/** The activity part of a trigger or stop pattern. */
export interface ActivityPattern {
  readonly activityIds?: readonly string[] | undefined;
  readonly activityIdPrefixes?: readonly string[] | undefined;
  readonly activityTypes?: readonly string[] | undefined;
}

/**
 * Why `facts` do not match the activity part of a pattern, or undefined when they do. Ids and
 * prefixes are alternatives (listed, or starting with a prefix); the type is checked on top.
 */
export function describeActivityMismatch(
  pattern: ActivityPattern,
  facts: Pick<TriggerFacts, "objectId" | "activityType">,
): string | undefined {
  const { activityIds, activityIdPrefixes, activityTypes } = pattern;
  if (activityIds !== undefined || activityIdPrefixes !== undefined) {
    const listed = activityIds?.includes(facts.objectId) ?? false;
    const prefixed =
      activityIdPrefixes?.some((prefix) => facts.objectId.startsWith(prefix)) ??
      false;
    if (!listed && !prefixed)
      return `activity ${facts.objectId} is not listed and starts with no listed prefix`;
  }
  if (
    activityTypes !== undefined &&
    (facts.activityType === undefined ||
      !activityTypes.includes(facts.activityType))
  )
    return `activity type ${facts.activityType ?? "(none)"} is not in activityTypes`;
  return undefined;
}

function firstMissing(
  wanted: readonly string[] | undefined,
  present: readonly string[] | undefined,
  what: string,
): string | undefined {
  if (wanted === undefined) return undefined;
  return present?.some((id) => wanted.includes(id))
    ? undefined
    : `no ${what} of the statement is in trigger.context`;
}

/**
 * Why this statement does not trigger this rule, in words for the simulation, or undefined when it
 * does. Every part of the trigger that is present must hold.
 */
export function describeTriggerMismatch(
  rule: Rule,
  facts: TriggerFacts,
): string | undefined {
  if (!rule.enabled) return "the rule is disabled";
  const { trigger } = rule;
  if (!trigger.verbs.includes(facts.verbId))
    return `verb ${facts.verbId} is not in trigger.verbs`;
  const activity = describeActivityMismatch(trigger, facts);
  if (activity !== undefined) return activity;
  if (trigger.result !== undefined) {
    const { completion, success, scoreScaledAtLeast } = trigger.result;
    if (completion !== undefined && facts.result?.completion !== completion)
      return `result.completion is not ${completion}`;
    if (success !== undefined && facts.result?.success !== success)
      return `result.success is not ${success}`;
    const scaled = facts.result?.scoreScaled;
    if (
      scoreScaledAtLeast !== undefined &&
      (scaled === undefined || scaled < scoreScaledAtLeast)
    )
      return `result.score.scaled ${scaled ?? "(none)"} is below ${scoreScaledAtLeast}`;
  }
  if (trigger.context !== undefined) {
    const { categoryIds, groupingIds, parentIds, platforms } = trigger.context;
    const context = facts.context;
    const missing =
      firstMissing(categoryIds, context?.categoryIds, "category") ??
      firstMissing(groupingIds, context?.groupingIds, "grouping") ??
      firstMissing(parentIds, context?.parentIds, "parent");
    if (missing !== undefined) return missing;
    if (
      platforms !== undefined &&
      (context?.platform === undefined || !platforms.includes(context.platform))
    )
      return `platform ${context?.platform ?? "(none)"} is not in trigger.context.platforms`;
  }
  if (
    trigger.connections !== undefined &&
    trigger.connections.length > 0 &&
    (facts.connection === undefined ||
      !trigger.connections.includes(facts.connection))
  )
    return `connection ${facts.connection ?? "(none)"} is not in trigger.connections`;
  if (trigger.unless !== undefined)
    return describeExclusion(trigger.unless, facts);
  return undefined;
}

/** Why `unless` excludes this statement, or undefined when it does not. */
function describeExclusion(
  unless: NonNullable<Rule["trigger"]["unless"]>,
  facts: TriggerFacts,
): string | undefined {
  if (
    facts.activityType !== undefined &&
    unless.activityTypes?.includes(facts.activityType) === true
  )
    return `activity type ${facts.activityType} is in trigger.unless.activityTypes`;
  const prefix = unless.activityIdPrefixes?.find((p) =>
    facts.objectId.startsWith(p),
  );
  if (prefix !== undefined)
    return `activity ${facts.objectId} starts with ${prefix} of trigger.unless.activityIdPrefixes`;
  const category = facts.context?.categoryIds?.find(
    (id) => unless.categoryIds?.includes(id) === true,
  );
  if (category !== undefined)
    return `category ${category} is in trigger.unless.categoryIds`;
  return undefined;
}

/** Does this statement trigger this rule? */
export function matchesTrigger(rule: Rule, facts: TriggerFacts): boolean {
  return describeTriggerMismatch(rule, facts) === undefined;
}

// The parts of a stored statement's JSON that triggers read, parsed leniently: the statement was
// validated on the way in, and a part that does not fit here simply matches no filter on it.
const ActivityRefs = z
  .union([
    z.looseObject({ id: z.string() }),
    z.array(z.looseObject({ id: z.string() })),
  ])
  .optional()
  .catch(undefined);
const StatementParts = z.looseObject({
  result: z
    .looseObject({
      completion: z.boolean().optional().catch(undefined),
      success: z.boolean().optional().catch(undefined),
      score: z
        .looseObject({ scaled: z.number().optional().catch(undefined) })
        .optional()
        .catch(undefined),
    })
    .optional()
    .catch(undefined),
  context: z
    .looseObject({
      platform: z.string().optional().catch(undefined),
      contextActivities: z
        .looseObject({
          parent: ActivityRefs,
          grouping: ActivityRefs,
          category: ActivityRefs,
        })
        .optional()
        .catch(undefined),
    })
    .optional()
    .catch(undefined),
});

function idsOf(refs: z.infer<typeof ActivityRefs>): string[] | undefined {
  if (refs === undefined) return undefined;
  return (Array.isArray(refs) ? refs : [refs]).map((activity) => activity.id);
}

/**
 * The facts of a stored statement: its columns as storage derived them, plus result and context
 * read from its raw JSON, and the name of the connection it came in through.
 */
export function triggerFactsFromStored(stored: {
  readonly id: string;
  readonly verbId: string;
  readonly objectId: string;
  readonly activityType: string | null | undefined;
  readonly registration: string | null | undefined;
  /** In clock time. */
  readonly timestamp: Date;
  /** The statement's JSON. */
  readonly raw: unknown;
  readonly connection?: string | null | undefined;
}): TriggerFacts {
  const parsed = StatementParts.safeParse(stored.raw);
  const parts = parsed.success ? parsed.data : undefined;
  const activities = parts?.context?.contextActivities;
  return {
    statementId: stored.id,
    verbId: stored.verbId,
    objectId: stored.objectId,
    activityType: stored.activityType ?? undefined,
    registration: stored.registration ?? undefined,
    timestamp: stored.timestamp,
    result: {
      completion: parts?.result?.completion,
      success: parts?.result?.success,
      scoreScaled: parts?.result?.score?.scaled,
    },
    context: {
      categoryIds: idsOf(activities?.category),
      groupingIds: idsOf(activities?.grouping),
      parentIds: idsOf(activities?.parent),
      platform: parts?.context?.platform,
    },
    connection: stored.connection ?? undefined,
  };
}
