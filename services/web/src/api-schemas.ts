import { z } from "zod";

// The admin API's bodies: validated with these at the edge, and published as JSON Schema in
// /api/openapi.json, so the document cannot drift from what the routes accept.

export const CreateConnection = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(80, "must be at most 80 characters")
    .describe("A name the LMS admin recognises, e.g. moodle"),
});

export const ConnectionSummary = z.object({
  id: z.uuid(),
  name: z.string(),
  mode: z.enum(["push", "pull"]),
  key: z.string().describe("The HTTP Basic user name the LMS sends"),
  enabled: z.boolean(),
  endpoint: z.url().describe("The xAPI endpoint to enter in the LMS"),
});

export const CreatedConnection = ConnectionSummary.pick({
  id: true,
  name: true,
  key: true,
  endpoint: true,
}).extend({
  secret: z
    .string()
    .describe("The HTTP Basic password; shown once, only its hash is stored"),
});

export const ErrorResponse = z.object({
  error: z.object({
    code: z.string().describe("Stable, e.g. CONNECTION_INVALID"),
    message: z.string(),
    issues: z
      .array(
        z.object({
          path: z.array(z.union([z.string(), z.number()])),
          message: z.string(),
        }),
      )
      .optional(),
    requestId: z.string().optional(),
  }),
});
