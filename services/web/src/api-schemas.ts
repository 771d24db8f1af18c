import { z } from "zod";

// The admin API's bodies: validated with these at the edge, and published as JSON Schema in
// /api/openapi.json, so the document cannot drift from what the routes accept.

const RateLimitPerMinute = z
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(1_000_000, "must be at most 1000000")
  .nullable()
  .describe("Requests per minute before 429; null is unlimited");

export const CreateConnection = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(80, "must be at most 80 characters")
    .describe("A name the LMS admin recognises, e.g. moodle"),
  rateLimitPerMinute: RateLimitPerMinute.optional().describe(
    "Requests per minute before 429; null is unlimited; default 600",
  ),
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

export const UpdateConnection = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe("false refuses its requests with 401 from the next one on"),
    rateLimitPerMinute: RateLimitPerMinute.optional(),
  })
  .refine(
    (body) =>
      body.enabled !== undefined || body.rateLimitPerMinute !== undefined,
    { message: "send enabled, rateLimitPerMinute or both" },
  );

export const ConnectionHealth = z.object({
  acceptedCount: z
    .int()
    .describe("Statements stored from it (a re-sent duplicate counts once)"),
  rejectedCount: z
    .int()
    .describe(
      "Requests refused after authentication (400, 409, 413; 429 once a minute)",
    ),
  lastReceivedAt: z.iso
    .datetime()
    .nullable()
    .describe("Last accepted request; updated every few seconds at most"),
  lastRejectedAt: z.iso.datetime().nullable(),
});

export const ConnectionDetail = ConnectionSummary.extend({
  rateLimitPerMinute: z
    .int()
    .nullable()
    .describe("Requests per minute before 429; null is unlimited"),
  hasBearerToken: z.boolean(),
  health: ConnectionHealth,
});

export const RotatedSecret = z.object({
  id: z.uuid(),
  key: z.string().describe("Unchanged"),
  secret: z
    .string()
    .describe(
      "The new HTTP Basic password; shown once. The old one stopped working.",
    ),
});

export const CreatedBearerToken = z.object({
  id: z.uuid(),
  token: z
    .string()
    .describe(
      "Send as `Authorization: Bearer <token>` to /xapi; shown once, it replaced any earlier token",
    ),
});

export const Rejection = z.object({
  id: z.string(),
  createdAt: z.iso.datetime(),
  status: z.int().describe("The HTTP status answered: 400, 409, 413 or 429"),
  code: z.string().describe("The error code answered, e.g. STATEMENT_INVALID"),
  reason: z.string(),
  path: z
    .array(z.union([z.string(), z.number()]))
    .nullable()
    .describe('Where the first problem is, e.g. [3, "actor", "mbox"]'),
  statement: z
    .unknown()
    .describe(
      "The offending statement; when over 16 KB, a string of its JSON's first 16 KB",
    ),
  statementTruncated: z.boolean(),
});
