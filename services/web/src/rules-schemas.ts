import { z } from "zod";

// /api/rules: bodies and answers, validated here and described in /api/openapi.json.

export const MigrateRequest = z.strictObject({
  dryRun: z
    .boolean("must be true (report only) or false (apply)")
    .describe("true: report what would change and write nothing."),
  fromVersions: z
    .array(
      z
        .number("must be a version number, e.g. 1")
        .int("must be a whole version number, e.g. 1")
        .min(1, "must be a version number of 1 or more"),
    )
    .min(1, "must list at least one version, or leave fromVersions out")
    .optional()
    .describe(
      "Only plans on these versions; absent: every version older than the current one.",
    ),
});
export type MigrateRequest = z.infer<typeof MigrateRequest>;

const StepCounts = z.object({
  kept: z.number().int(),
  cancelled: z.number().int(),
  moved: z.number().int(),
  added: z.number().int(),
  skipped: z.number().int(),
});

export const MigrateReport = z.object({
  rule: z.string(),
  toVersion: z.number().int(),
  dryRun: z.boolean(),
  plans: z
    .number()
    .int()
    .describe("Active plans on older versions that were looked at."),
  migrated: z
    .number()
    .int()
    .describe("Plans moved to toVersion (0 in a dry run)."),
  fromVersions: z.array(
    z.object({ version: z.number().int(), plans: z.number().int() }),
  ),
  steps: z
    .array(z.object({ stepKey: z.string(), counts: StepCounts }))
    .describe(
      "Per step: pending nudges kept, cancelled (step removed or dropped) or moved (re-planned), steps added, or skipped (added but their time has passed).",
    ),
  unreadable: z.number().int(),
});

export const RuleSummary = z.object({
  id: z.string(),
  key: z.string(),
  ruleSet: z.string(),
  enabled: z.boolean(),
  currentVersion: z.number().int(),
  versions: z.number().int(),
});
