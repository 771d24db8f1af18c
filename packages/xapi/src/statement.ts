import { z } from "zod";

// First cut of the xAPI 1.0.3 statement rules that the walking skeleton needs. Issue #3 replaces
// this with every MUST of the spec; the exported names (Statement, parseStatements) stay.

const iri = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/,
    "must be an IRI, e.g. http://adlnet.gov/expapi/verbs/completed",
  );
const uuid = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i,
    "must be a UUID",
  );
/** RFC 5646-shaped keys, any string values. */
export const LanguageMap = z.record(
  z.string().regex(/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/),
  z.string(),
  {
    // zod reports a bad record key as a generic "Invalid key in record"; say what a key must be.
    error: (issue) =>
      issue.code === "invalid_key"
        ? "must be an RFC 5646 language tag such as nl-NL"
        : undefined,
  },
);
export type LanguageMap = z.infer<typeof LanguageMap>;

function isRealDateTime(value: string): boolean {
  if (Number.isNaN(Date.parse(value))) return false;
  // Date.parse rolls 2026-02-30 over to 2 March instead of rejecting it, so the calendar date
  // must survive a round trip.
  const day = new Date(`${value.slice(0, 10)}T00:00:00Z`);
  return (
    !Number.isNaN(day.getTime()) &&
    day.toISOString().slice(0, 10) === value.slice(0, 10)
  );
}

const isoTimestamp = z
  .string()
  .regex(
    /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)$/,
    "must be an ISO 8601 timestamp with a time zone, e.g. 2026-05-04T10:00:00Z",
  )
  .refine(isRealDateTime, "must be a real date and time")
  .refine(
    (value) => !/-00(:?00)?$/.test(value),
    "must not use the offset -00:00",
  );

const account = z.strictObject({
  homePage: iri,
  name: z.string().min(1, "must not be empty"),
});

const agentFields = {
  name: z.string().optional(),
  mbox: z
    .string()
    .regex(
      /^mailto:[^@\s]+@[^@\s]+$/,
      "must be mailto: followed by an email address",
    )
    .optional(),
  mbox_sha1sum: z
    .string()
    .regex(/^[0-9a-f]{40}$/i, "must be a 40-digit hex SHA-1")
    .optional(),
  openid: iri.optional(),
  account: account.optional(),
};

function countIdentifiers(value: {
  mbox?: unknown;
  mbox_sha1sum?: unknown;
  openid?: unknown;
  account?: unknown;
}): number {
  return [value.mbox, value.mbox_sha1sum, value.openid, value.account].filter(
    (v) => v !== undefined,
  ).length;
}

const ONE_IDENTIFIER =
  "an Agent must have exactly one of mbox, mbox_sha1sum, openid or account";

export const Agent = z
  .strictObject({ objectType: z.literal("Agent").optional(), ...agentFields })
  .refine((agent) => countIdentifiers(agent) === 1, ONE_IDENTIFIER);
export type Agent = z.infer<typeof Agent>;

/** An Agent as a statement's object must say so: xAPI reads an object without objectType as an Activity. */
const AgentObject = z
  .strictObject({ objectType: z.literal("Agent"), ...agentFields })
  .refine((agent) => countIdentifiers(agent) === 1, ONE_IDENTIFIER);

export const Group = z
  .strictObject({
    objectType: z.literal("Group"),
    ...agentFields,
    member: z.array(Agent).optional(),
  })
  .refine(
    (group) => countIdentifiers(group) <= 1,
    "a Group must have at most one of mbox, mbox_sha1sum, openid or account",
  )
  .refine(
    (group) =>
      countIdentifiers(group) === 1 ||
      (group.member !== undefined && group.member.length > 0),
    "an anonymous Group must list its members",
  );
export type Group = z.infer<typeof Group>;

// Chosen by objectType (absent means Agent), so the issue names the broken field rather than a
// bare "Invalid input" from a union that tried both.
export const Actor = z.discriminatedUnion("objectType", [Agent, Group]);
export type Actor = z.infer<typeof Actor>;

export const Verb = z.strictObject({
  id: iri,
  display: LanguageMap.optional(),
});

export const ActivityDefinition = z.looseObject({
  name: LanguageMap.optional(),
  description: LanguageMap.optional(),
  type: iri.optional(),
  moreInfo: iri.optional(),
  extensions: z.record(iri, z.unknown()).optional(),
});

export const Activity = z.strictObject({
  objectType: z.literal("Activity").optional(),
  id: iri,
  definition: ActivityDefinition.optional(),
});
export type Activity = z.infer<typeof Activity>;

const StatementRef = z.strictObject({
  objectType: z.literal("StatementRef"),
  id: uuid,
});

const Score = z
  .strictObject({
    scaled: z.number().min(-1).max(1).optional(),
    raw: z.number().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .refine(
    (s) => s.min === undefined || s.max === undefined || s.min <= s.max,
    "score min must not exceed max",
  )
  .refine(
    (s) =>
      s.raw === undefined ||
      ((s.min === undefined || s.raw >= s.min) &&
        (s.max === undefined || s.raw <= s.max)),
    "score raw must lie between min and max",
  );

export const Result = z.strictObject({
  score: Score.optional(),
  success: z.boolean().optional(),
  completion: z.boolean().optional(),
  response: z.string().optional(),
  duration: z
    .string()
    .regex(
      /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/,
      "must be an ISO 8601 duration such as PT1H30M",
    )
    .optional(),
  extensions: z.record(iri, z.unknown()).optional(),
});

export const Context = z.looseObject({
  registration: uuid.optional(),
  instructor: Actor.optional(),
  team: Group.optional(),
  platform: z.string().optional(),
  language: z.string().optional(),
  extensions: z.record(iri, z.unknown()).optional(),
});

/** The statement properties a client may send (first cut: activities and statement refs as object). */
export const Statement = z.strictObject({
  id: uuid.optional(),
  actor: Actor,
  verb: Verb,
  // Chosen by objectType like Actor, so a bad Activity id is reported at ["object", "id"].
  object: z.discriminatedUnion("objectType", [
    Activity,
    StatementRef,
    AgentObject,
    Group,
  ]),
  result: Result.optional(),
  context: Context.optional(),
  timestamp: isoTimestamp.optional(),
  stored: isoTimestamp.optional(),
  authority: Actor.optional(),
  version: z
    .string()
    .regex(
      /^(1\.0(\.\d+)?|2\.0(\.\d+)?)$/,
      "must be an xAPI version such as 1.0.3",
    )
    .optional(),
  attachments: z.array(z.unknown()).optional(),
});
export type Statement = z.infer<typeof Statement>;
