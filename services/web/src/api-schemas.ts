import { z } from "zod";

// The admin API's bodies: validated with these at the edge, and published as JSON Schema in
// /api/openapi.json, so the document cannot drift from what the routes accept.

const RateLimitPerMinute = z
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(1_000_000, "must be at most 1000000")
  .nullable()
  .describe("Requests per minute before 429; null is unlimited");

/** An external LRS: where pull mode reads and forwarded answers go. */
export const LrsSettings = z
  .strictObject({
    endpoint: z
      .url({
        protocol: /^https?$/,
        message:
          "must be an http or https URL, e.g. https://lrs.example.com/xapi",
      })
      .max(2_000, "must be at most 2000 characters")
      .refine((url) => {
        const parsed = new URL(url);
        return parsed.username === "" && parsed.password === "";
      }, "must not contain credentials; send them as username and password")
      .describe("The LRS's xAPI base URL, e.g. https://lrs.example.com/xapi"),
    username: z
      .string()
      .min(1, "must not be empty")
      .max(500, "must be at most 500 characters")
      .describe("HTTP Basic user name at the LRS"),
    password: z
      .string()
      .min(1, "must not be empty")
      .max(2_000, "must be at most 2000 characters")
      .describe(
        "HTTP Basic password at the LRS; stored encrypted (AES-256-GCM), never returned",
      ),
  })
  .describe("An external Learning Record Store");

export const PullIntervalSeconds = z
  .int("must be a whole number of seconds")
  .min(10, "must be at least 10")
  .max(86_400, "must be at most 86400 (a day)")
  .describe("Pull mode: seconds between reads of the LRS; default 60");

const Mode = z
  .enum(["push", "pull"], { message: 'must be "push" or "pull"' })
  .describe(
    "push: the LMS sends statements to our endpoint; pull: we read them from the LRS",
  );

const ForwardAnswers = z
  .boolean()
  .describe("Send learners' answers to the LRS as xAPI statements");

export const CreateConnection = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(80, "must be at most 80 characters")
      .describe("A name the LMS admin recognises, e.g. moodle"),
    rateLimitPerMinute: RateLimitPerMinute.optional().describe(
      "Requests per minute before 429; null is unlimited; default 600",
    ),
    mode: Mode.optional().describe("Default push"),
    lrs: LrsSettings.optional().describe(
      "Required in pull mode and to forward answers",
    ),
    pullIntervalSeconds: PullIntervalSeconds.optional(),
    forwardAnswers: ForwardAnswers.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.mode === "pull" && body.lrs === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["lrs"],
        message: "is required when mode is pull",
      });
    if (body.forwardAnswers === true && body.lrs === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["lrs"],
        message: "is required when forwardAnswers is true",
      });
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
  mode: true,
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
      .describe("false refuses its requests with 401, within a second"),
    rateLimitPerMinute: RateLimitPerMinute.optional(),
    mode: Mode.optional(),
    lrs: LrsSettings.nullable()
      .optional()
      .describe(
        "Replaces the LRS (all three fields; the pull cursor starts over when the endpoint changes); null removes it",
      ),
    pullIntervalSeconds: PullIntervalSeconds.optional(),
    forwardAnswers: ForwardAnswers.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message:
      "send at least one of enabled, rateLimitPerMinute, mode, lrs, pullIntervalSeconds, forwardAnswers",
  });

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
  pull: z
    .object({
      cursorStored: z.iso
        .datetime()
        .nullable()
        .describe("`stored` of the newest statement imported"),
      intervalSeconds: z.int().nullable(),
      lastRunAt: z.iso.datetime().nullable(),
      lastSuccessAt: z.iso.datetime().nullable(),
      lastError: z
        .string()
        .nullable()
        .describe("Why the last run failed; null once a run succeeds"),
      consecutiveFailures: z.int(),
      nextRunAt: z.iso
        .datetime()
        .nullable()
        .describe(
          "No run before this (the interval, or the back-off after failures)",
        ),
    })
    .optional()
    .describe("Pull mode only"),
});

export const ConnectionDetail = ConnectionSummary.extend({
  rateLimitPerMinute: z
    .int()
    .nullable()
    .describe("Requests per minute before 429; null is unlimited"),
  hasBearerToken: z.boolean(),
  lrs: z
    .object({ endpoint: z.string(), username: z.string() })
    .nullable()
    .describe("The external LRS (its password is never returned)"),
  pullIntervalSeconds: z.int().nullable(),
  forwardAnswers: z.boolean(),
  health: ConnectionHealth,
});

export const RotatedSecret = z.object({
  id: z.uuid(),
  key: z.string().describe("Unchanged"),
  secret: z
    .string()
    .describe(
      "The new HTTP Basic password; shown once. The old one stops working within a second.",
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

export const PreviewRequest = z.strictObject({
  template: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, "must name a template, e.g. commit")
    .describe("A template of the content pack, e.g. reflect"),
  locale: z
    .string()
    .regex(
      /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/,
      'must be a language tag, e.g. "nl"',
    )
    .describe("The language; the pack's fallback is used when it lacks one"),
  data: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      "Laid over the sample nudge data (objects merge, anything else replaces)",
    ),
});

export const TestSendRequest = PreviewRequest.extend({
  to: z
    .email("must be an email address, e.g. anna@example.com")
    .describe("Who gets the test email"),
});

export const ListLimitQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const PreviewResponse = z.object({
  subject: z.string(),
  html: z.string().describe("The whole HTML document, CSS inlined"),
  text: z.string(),
  locale: z.string().describe("The locale used (after fallback)"),
});

export const TestSendResponse = z.object({
  messageId: z.string(),
  subject: z.string().describe('Marked "[test]"'),
});

export const SuppressionsResponse = z.object({
  suppressions: z.array(
    z.object({
      address: z.string(),
      reason: z.string(),
      createdAt: z.iso.datetime(),
    }),
  ),
  undelivered: z
    .array(
      z.object({
        id: z.uuid(),
        toAddress: z.string(),
        status: z.enum(["failed", "suppressed", "unknown"]),
        lastError: z.string().nullable(),
        attempts: z.int(),
        createdAt: z.iso.datetime(),
      }),
    )
    .describe("Deliveries that did not go out (failed, suppressed, in doubt)"),
});
