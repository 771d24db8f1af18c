import { z } from "zod";

// The template API's bodies and answers (/api/templates): validated with these at the edge, and
// published in /api/openapi.json. The console's forms carry the same fields.

/** Bounds of a saved template; the pack's own are a few hundred bytes to a few kB. */
export const TEMPLATE_LIMITS = {
  subjectChars: 300,
  htmlChars: 64_000,
  textChars: 32_000,
} as const;

const Version = z
  .number()
  .int()
  .min(0)
  .describe("A version number; 0 stands for the pack's built-in text");

export const TemplateEdit = z.strictObject({
  subject: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(TEMPLATE_LIMITS.subjectChars)
    .refine((s) => !/[\r\n]/.test(s), "must be one line")
    .describe("Handlebars source of the subject, e.g. {{training.name}}"),
  html: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(TEMPLATE_LIMITS.htmlChars)
    .describe(
      "Handlebars source of the HTML body (inside the pack's layout); {{…}} escapes, {{{…}}} is refused; must link links.action",
    ),
  text: z
    .string()
    .max(TEMPLATE_LIMITS.textChars)
    .optional()
    .describe(
      "Handlebars source of the text part; absent or empty: derived from the HTML",
    ),
  baseVersion: Version.optional().describe(
    "The version this edit started from: when someone saved another since, 409 and nothing is stored",
  ),
});

export const TemplateRevert = z.strictObject({
  revertTo: Version.describe(
    "Store a new version with the text of this version (0: the pack's built-in text)",
  ),
  baseVersion: Version.optional(),
});

export const TemplatePut = z.union([TemplateEdit, TemplateRevert]);

const Parts = z.object({
  subject: z.string(),
  html: z.string(),
  text: z.string().optional(),
});

export const TemplateVersionSummary = z.object({
  version: z.number().int(),
  source: z
    .enum(["saved", "pack"])
    .describe('"pack": this version put the built-in text back'),
  revertOf: z.number().int().nullable(),
  savedBy: z.string(),
  savedAt: z.string().describe("ISO instant, UTC"),
});

export const TemplateSummary = z.object({
  template: z.string(),
  locale: z.string(),
  source: z
    .enum(["saved", "pack"])
    .describe("Whether emails use a saved version or the pack's text"),
  version: z.number().int().describe("The current version; 0: never saved"),
  subject: z.string().describe("The subject's source"),
});

export const TemplateDetail = TemplateSummary.extend({
  parts: Parts,
  versions: z
    .array(TemplateVersionSummary)
    .describe("Saved versions, newest first (the last 50)"),
});
