import { Duration } from "luxon";
import { z } from "zod";

// First cut of the rule language for the walking skeleton. Issue #4 grows it (workdays, stop
// conditions, re-entry policies, hold-back, send windows); the names Rule, RuleStep and parseRule stay.

const isoDuration = z
  .string()
  .refine(
    (value) => Duration.fromISO(value).isValid,
    "must be an ISO 8601 duration such as PT4H, P2D or P1W",
  );

export const Recipient = z.enum(["learner"], {
  message:
    'must be "learner" (manager, team-lead and fixed addresses come with the full rule language)',
});
export type Recipient = z.infer<typeof Recipient>;

export const RuleStep = z.strictObject({
  /** Stable within the rule; part of the nudge's job id, so never rename a live step. */
  key: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]*$/,
      "must be lower-case letters, digits and dashes, e.g. commit-plan",
    ),
  /** Offset from the trigger's timestamp, ISO 8601 (PT4H = four hours later). */
  offset: isoDuration,
  recipient: Recipient,
  /** Template name in the content pack, e.g. "commit". */
  template: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]*$/,
      "must name a template: lower-case letters, digits and dashes",
    ),
  /** Why this step exists, in words L&D reads in the console. */
  why: z.string().min(1, "must say why this step exists"),
});
export type RuleStep = z.infer<typeof RuleStep>;

export const Trigger = z.strictObject({
  verbs: z.array(z.string().min(1)).min(1, "must list at least one verb id"),
  /** When present, the statement's activity type must be one of these. */
  activityTypes: z.array(z.string().min(1)).min(1).optional(),
});
export type Trigger = z.infer<typeof Trigger>;

export const Rule = z
  .strictObject({
    key: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]*$/,
        "must be lower-case letters, digits and dashes",
      ),
    name: z.string().min(1),
    enabled: z.boolean().default(true),
    trigger: Trigger,
    steps: z.array(RuleStep).min(1, "must have at least one step"),
  })
  .superRefine((rule, ctx) => {
    const seen = new Set<string>();
    rule.steps.forEach((step, index) => {
      if (seen.has(step.key))
        ctx.addIssue({
          code: "custom",
          path: ["steps", index, "key"],
          message: `step key "${step.key}" is used twice; each step needs its own key`,
        });
      seen.add(step.key);
    });
  });
export type Rule = z.infer<typeof Rule>;

export const RuleSetFile = z.strictObject({
  $schema: z.string().optional(),
  rules: z.array(Rule).min(1, "must contain at least one rule"),
});
export type RuleSetFile = z.infer<typeof RuleSetFile>;
