import { IanaZone } from "@beklijf/rules";
import { z } from "zod";

// The people and simulation API's bodies and answers: validated with these at the edge, and
// published in /api/openapi.json.

const Ref = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(320)
  .describe("An external id or an email address of a person in this tenant");

export const PersonUpsert = z
  .strictObject({
    externalId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe("The directory's id (HR number, SCIM externalId)"),
    email: z
      .email('must be an email address such as "anna@example.nl"')
      .optional(),
    name: z.string().trim().max(200).optional(),
    givenName: z.string().trim().max(100).optional(),
    locale: z.enum(["nl", "en"], { error: 'must be "nl" or "en"' }).optional(),
    timeZone: IanaZone.optional().describe(
      'IANA zone, e.g. "Europe/Amsterdam"',
    ),
    active: z.boolean().optional(),
    manager: Ref.nullable().optional().describe("null removes the manager"),
    teamLead: Ref.nullable().optional().describe("null removes the team lead"),
    accounts: z
      .array(
        z.strictObject({
          homePage: z.url(
            'must be the LMS address such as "https://lms.example.nl"',
          ),
          name: z.string().min(1, "must not be empty").max(200),
        }),
      )
      .max(20)
      .optional()
      .describe("xAPI account identities (the LMS's user ids)"),
    openids: z.array(z.url("must be an OpenID URL")).max(20).optional(),
  })
  .refine((body) => body.externalId !== undefined || body.email !== undefined, {
    message: "needs an externalId or an email to match the person on",
    path: ["email"],
  });

export const PersonSummary = z.object({
  id: z.uuid(),
  externalId: z.string().nullable(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  givenName: z.string().nullable(),
  locale: z.string(),
  timeZone: z.string(),
  active: z.boolean(),
  managerId: z.uuid().nullable(),
  teamLeadId: z.uuid().nullable(),
});

export const TimelineNudge = z.object({
  id: z.uuid(),
  rule: z.string(),
  ruleVersion: z.int(),
  step: z.string(),
  template: z.string(),
  role: z
    .enum(["learner", "recipient"])
    .describe(
      "learner: a nudge of their own plan; recipient: sent to them as manager or team lead",
    ),
  recipientKind: z.string(),
  status: z.string().describe("planned, handed-off, cancelled or skipped"),
  reason: z
    .string()
    .nullable()
    .describe("Why it moved, merged, was skipped or cancelled"),
  dueAt: z.iso.datetime(),
  firedAt: z.iso.datetime().nullable(),
  mergedIntoDeliveryId: z.uuid().nullable(),
  delivery: z
    .string()
    .nullable()
    .describe("The delivery's status, when it has its own email"),
});

export const PersonDetail = PersonSummary.extend({
  identities: z.array(z.object({ kind: z.string(), value: z.string() })),
  timeline: z.array(TimelineNudge),
});

export const UpsertedPersonResponse = z.object({
  created: z.boolean(),
  person: PersonSummary,
  pendingStatements: z
    .int()
    .describe("Statements that waited for this person and are now planned"),
});

export const ImportReportResponse = z.object({
  rows: z.int(),
  created: z.int(),
  updated: z.int(),
  failed: z.int(),
  issues: z.array(
    z.object({
      row: z.int().describe("Line in the file; the header is line 1"),
      column: z.string().optional(),
      message: z.string(),
    }),
  ),
  pendingStatements: z.int(),
});

export const UnknownLearnersResponse = z.array(
  z.object({
    connectionId: z.uuid().nullable(),
    learners: z.int().describe("Distinct actors without a directory entry"),
    statements: z.int(),
    sample: z.array(
      z.object({
        actorKey: z.string(),
        statements: z.int(),
        lastStoredAt: z.iso.datetime(),
      }),
    ),
  }),
);

export const SimulateRequest = z.strictObject({
  statement: z.unknown().describe("An xAPI statement"),
  rules: z
    .unknown()
    .optional()
    .describe(
      "A rule file ({ rules: [...] }) to try; default: the tenant's current rules",
    ),
  person: Ref.optional().describe(
    "Plan for this person; default: the statement's actor",
  ),
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("When the statement happens; default: its timestamp"),
});

export const SimulateResponse = z.object({
  learner: z.object({
    known: z.boolean(),
    id: z.string(),
    email: z.string().nullable(),
    timeZone: z.string(),
  }),
  triggeredAt: z.iso.datetime(),
  entries: z.array(
    z.object({
      rule: z.string(),
      step: z.string(),
      status: z.enum(["planned", "dropped"]),
      dueAt: z.iso.datetime().optional(),
      local: z.string().optional().describe("dueAt in the recipient's zone"),
      recipient: z
        .string()
        .describe('"learner", "manager", "team-lead" or "address"'),
      to: z
        .string()
        .optional()
        .describe("The recipient's person id, or the fixed address"),
      toDisplay: z
        .string()
        .optional()
        .describe(
          'Who, as L&D reads it: "Mia de Vries <mia@example.nl>", the name or email alone, or the fixed address',
        ),
      template: z.string(),
      why: z.string(),
      decisions: z.array(z.string()),
    }),
  ),
  notStarted: z.array(z.object({ rule: z.string(), message: z.string() })),
  unmatched: z.array(z.object({ rule: z.string(), reason: z.string() })),
});
