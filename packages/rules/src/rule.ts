import { z } from "zod";

import { Weekday } from "./policy";
import {
  AnswerKind,
  Iri,
  IriList,
  IsoDuration,
  LocalTime,
  Slug,
  strictObject,
} from "./primitives";

// The rule language. Every field added after the walking skeleton is optional, and its default is
// applied where it is used (resolveRuleOptions), not by the schema: a parsed rule keeps exactly what its
// author wrote, so stored versions compare equal and old rule files keep their meaning.

/** Conditions on the statement's `result`; each one present must hold. */
export const ResultCondition = strictObject({
  completion: z
    .boolean()
    .optional()
    .describe("result.completion must be exactly this."),
  success: z
    .boolean()
    .optional()
    .describe("result.success must be exactly this."),
  scoreScaledAtLeast: z
    .number()
    .min(-1, "must be a scaled score between -1 and 1, e.g. 0.8")
    .max(1, "must be a scaled score between -1 and 1, e.g. 0.8")
    .optional()
    .describe("result.score.scaled must be present and at least this (-1..1)."),
});
export type ResultCondition = z.infer<typeof ResultCondition>;

/** Filters on the statement's `context`; each list present must have at least one hit. */
export const ContextFilter = strictObject({
  categoryIds: IriList.optional().describe(
    "One of contextActivities.category[].id must be listed.",
  ),
  groupingIds: IriList.optional().describe(
    "One of contextActivities.grouping[].id must be listed.",
  ),
  parentIds: IriList.optional().describe(
    "One of contextActivities.parent[].id must be listed.",
  ),
  platforms: z
    .array(z.string().min(1, "must not be empty"))
    .min(1, 'must list at least one platform, e.g. ["Moodle"]')
    .optional()
    .describe('context.platform must be one of these, e.g. "Moodle".'),
});
export type ContextFilter = z.infer<typeof ContextFilter>;

/** What keeps a statement from triggering the rule although the rest of the trigger matches. */
export const TriggerExclusion = strictObject({
  activityTypes: IriList.optional().describe(
    "Not when the statement's activity type is one of these.",
  ),
  activityIdPrefixes: IriList.optional().describe(
    "Not when the activity id starts with one of these.",
  ),
  categoryIds: IriList.optional().describe(
    "Not when one of contextActivities.category[].id is one of these.",
  ),
}).refine(
  (unless) =>
    unless.activityTypes !== undefined ||
    unless.activityIdPrefixes !== undefined ||
    unless.categoryIds !== undefined,
  'must list activityTypes, activityIdPrefixes or categoryIds, e.g. { "activityTypes": ["http://adlnet.gov/expapi/activities/module"] }',
);
export type TriggerExclusion = z.infer<typeof TriggerExclusion>;

export const Trigger = strictObject({
  verbs: z.array(Iri).min(1, "must list at least one verb id"),
  activityIds: IriList.optional().describe(
    "The activity id must be one of these, or start with one of activityIdPrefixes.",
  ),
  activityIdPrefixes: IriList.optional().describe(
    "The activity id must start with one of these, or be one of activityIds.",
  ),
  activityTypes: IriList.optional().describe(
    "When present, the statement's activity type must be one of these.",
  ),
  result: ResultCondition.optional(),
  context: ContextFilter.optional(),
  connections: z
    .array(z.string().min(1, "must name a connection"))
    .optional()
    .describe(
      "Names of the connections (LMS feeds) whose statements count; absent or empty: all.",
    ),
  unless: TriggerExclusion.optional().describe(
    "Statements that do not trigger the rule although the rest matches, e.g. short e-learnings that have a rule of their own.",
  ),
}).superRefine((trigger, ctx) => {
  for (const type of trigger.unless?.activityTypes ?? [])
    if (trigger.activityTypes?.includes(type))
      ctx.addIssue({
        code: "custom",
        path: ["unless", "activityTypes"],
        message: `activity type ${type} is both in activityTypes and in unless.activityTypes; keep it in one of them`,
      });
});
export type Trigger = z.infer<typeof Trigger>;

/** "N workdays later": skips the days outside the send window's days and the tenant's holidays. */
export const WorkdaysOffset = strictObject({
  workdays: z
    // A refinement, not z.int(): inside the offset union it keeps this message instead of the union's.
    .number("must be a whole number of workdays, e.g. 2")
    .refine(Number.isInteger, "must be a whole number of workdays, e.g. 2")
    .min(0, "must be 0 or more workdays")
    .max(260, "must be at most 260 workdays (about a year)"),
});
export type WorkdaysOffset = z.infer<typeof WorkdaysOffset>;

// A missing field falls through (undefined) to the "is required" table in parse-rules.ts.
export const StepOffset = z.union([IsoDuration, WorkdaysOffset], {
  error: (issue) =>
    issue.input === undefined
      ? undefined
      : 'must be an ISO 8601 duration such as "PT4H", "P2D" or "P1W", or { "workdays": 2 }',
});
export type StepOffset = z.infer<typeof StepOffset>;

export const AddressRecipient = strictObject({
  address: z.email('must be an email address, e.g. "academie@example.nl"'),
});

export const Recipient = z.union(
  [z.enum(["learner", "manager", "team-lead"]), AddressRecipient],
  {
    error: (issue) =>
      issue.input === undefined
        ? undefined
        : 'must be "learner", "manager", "team-lead" or { "address": "academie@example.nl" }',
  },
);
export type Recipient = z.infer<typeof Recipient>;

/**
 * Batch a step per recipient: it goes out at the recipient's next weekly slot on or after its own
 * time, so the prompts of several learners that fall in one week share one email.
 */
export const StepBatch = strictObject({
  weekday: Weekday.describe(
    "The slot's weekday in the recipient's zone, e.g. \"mon\".",
  ),
  at: LocalTime.describe(
    'The slot\'s local time "HH:MM", e.g. "09:00"; keep it inside the send window, or the window moves it.',
  ),
});
export type StepBatch = z.infer<typeof StepBatch>;

/** Send the step only while this holds; checked when planning and again when it fires. */
export const StepCondition = strictObject({
  notAnswered: AnswerKind.describe(
    'Only if the learner has not given this answer for the trigger\'s activity, e.g. "applied".',
  ),
});
export type StepCondition = z.infer<typeof StepCondition>;

export const RuleStep = strictObject({
  key: Slug.describe(
    "Stable within the rule; part of the nudge's job id, so never rename a live step.",
  ),
  offset: StepOffset.describe(
    'From the trigger\'s timestamp: ISO 8601 (PT4H = four hours later) or { "workdays": N }.',
  ),
  at: LocalTime.optional().describe(
    "Local time of day (\"HH:MM\", the recipient's zone) on the day the offset lands on; when that is before the trigger, the next day. Absent: the offset's own time of day.",
  ),
  recipient: Recipient.describe(
    'Who gets it: "learner", "manager", "team-lead" or { "address": "academie@example.nl" }. A step to a manager or team lead the directory does not know is dropped.',
  ),
  template: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]*$/,
      "must name a template: lower-case letters, digits and dashes",
    )
    .describe('Template name in the content pack, e.g. "commit".'),
  condition: StepCondition.optional().describe(
    "Send the step only while this holds; checked when planning and again when it fires.",
  ),
  batch: StepBatch.optional().describe(
    'Batch per recipient: send at the recipient\'s next weekly slot on or after the step\'s own time, e.g. { "weekday": "mon", "at": "09:00" }, so a team lead gets one email for the whole team that week.',
  ),
  why: z
    .string()
    .min(1, "must say why this step exists")
    .describe("Why this step exists, in words L&D reads in the console."),
});
export type RuleStep = z.infer<typeof RuleStep>;

/** A later statement of the same learner that ends the plan. */
export const StatementPattern = strictObject({
  verbs: z.array(Iri).min(1, "must list at least one verb id"),
  activityIds: IriList.optional(),
  activityIdPrefixes: IriList.optional(),
  activityTypes: IriList.optional(),
  sameActivity: z
    .boolean()
    .optional()
    .describe(
      "The statement must be about the trigger's own activity. Default: true when the pattern lists no activityIds or activityIdPrefixes, false when it does.",
    ),
});
export type StatementPattern = z.infer<typeof StatementPattern>;

export const StopConditions = strictObject({
  statements: z
    .array(StatementPattern)
    .optional()
    .describe(
      "Stop when a later statement of the learner matches one of these.",
    ),
  answers: z
    .array(AnswerKind)
    .optional()
    .describe(
      'Stop when the learner gives one of these answers in this plan, e.g. ["applied"].',
    ),
  triggerVoided: z
    .boolean()
    .optional()
    .describe("Stop when the trigger statement is voided. Default: true."),
});
export type StopConditions = z.infer<typeof StopConditions>;

export const AgainAfter = strictObject({
  againAfterDays: z
    .number("must be a whole number of days, e.g. 180")
    .refine(Number.isInteger, "must be a whole number of days, e.g. 180")
    .min(1, "must be at least 1 day")
    .max(3650, "must be at most 3650 days")
    .describe(
      "Plan again when the last entry for the activity is at least this many days old.",
    ),
});

/** When a learner who already went through the rule may enter it again. */
export const ReEntry = z.union(
  [z.enum(["once-per-activity", "once-per-registration"]), AgainAfter],
  {
    error: () =>
      'must be "once-per-activity", "once-per-registration" or { "againAfterDays": 180 }',
  },
);
export type ReEntry = z.infer<typeof ReEntry>;

export const HoldBack = strictObject({
  share: z
    .number()
    .min(0, "must be a share between 0 and 0.5, e.g. 0.1 for 10%")
    .max(0.5, "must be a share between 0 and 0.5, e.g. 0.1 for 10%")
    .describe(
      "Share of learners (0..0.5) who get no nudges from this rule, as a control group.",
    ),
});
export type HoldBack = z.infer<typeof HoldBack>;

export const Rule = strictObject({
  key: Slug,
  name: z.string().min(1, "must name the rule"),
  enabled: z.boolean().default(true),
  trigger: Trigger,
  steps: z.array(RuleStep).min(1, "must have at least one step"),
  stopWhen: StopConditions.optional().describe(
    "What ends a plan early: a later statement, an answer, or voiding of the trigger (on unless triggerVoided is false).",
  ),
  reEntry: ReEntry.optional().describe(
    'When a learner may enter the rule again: "once-per-activity" (default), "once-per-registration" or { "againAfterDays": N }.',
  ),
  holdBack: HoldBack.optional().describe(
    'A control group that gets no nudges, e.g. { "share": 0.1 } for 10% of learners, chosen by a hash of rule key and learner. Default: none.',
  ),
}).superRefine((rule, ctx) => {
  const seen = new Set<string>();
  rule.steps.forEach((step, index) => {
    if (seen.has(step.key))
      ctx.addIssue({
        code: "custom",
        path: ["steps", index, "key"],
        message: `step key "${step.key}" is used twice; give each step its own key`,
      });
    seen.add(step.key);
  });
});
export type Rule = z.infer<typeof Rule>;

export const RuleSetFile = strictObject({
  $schema: z.string().optional(),
  rules: z.array(Rule).min(1, "must contain at least one rule"),
}).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.rules.forEach((rule, index) => {
    if (seen.has(rule.key))
      ctx.addIssue({
        code: "custom",
        path: ["rules", index, "key"],
        message: `rule key "${rule.key}" is used twice; give each rule its own key`,
      });
    seen.add(rule.key);
  });
});
export type RuleSetFile = z.infer<typeof RuleSetFile>;

/** A rule with every default applied, as the planner and the fire-time checks read it. */
export interface ResolvedRuleOptions {
  readonly reEntry: ReEntry;
  readonly holdBackShare: number;
  readonly stopWhen: {
    readonly statements: readonly StatementPattern[];
    readonly answers: readonly string[];
    readonly triggerVoided: boolean;
  };
}

/** The defaults of the optional rule fields, in one place. */
export function resolveRuleOptions(rule: Rule): ResolvedRuleOptions {
  return {
    reEntry: rule.reEntry ?? "once-per-activity",
    holdBackShare: rule.holdBack?.share ?? 0,
    stopWhen: {
      statements: rule.stopWhen?.statements ?? [],
      answers: rule.stopWhen?.answers ?? [],
      triggerVoided: rule.stopWhen?.triggerVoided ?? true,
    },
  };
}
