import { z } from "zod";

// First cut of the xAPI 1.0.3 statement rules that the walking skeleton needs. Issue #3 replaces
// this with every MUST of the spec; the exported names (Statement, parseStatements) stay.

const iri = z.string().regex(/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/, "must be an IRI, e.g. http://adlnet.gov/expapi/verbs/completed");
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i, "must be a UUID");
/** RFC 5646-shaped keys, any string values. */
export const LanguageMap = z.record(z.string().regex(/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/, "must be an RFC 5646 language tag such as nl-NL"), z.string());
export type LanguageMap = z.infer<typeof LanguageMap>;

const isoTimestamp = z
  .string()
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)$/, "must be an ISO 8601 timestamp with a time zone, e.g. 2026-05-04T10:00:00Z")
  .refine((value) => !Number.isNaN(Date.parse(value)), "must be a real date and time")
  .refine((value) => !/[+-]00(:?00)?$/.test(value) || !value.startsWith("-"), "must not use the offset -00:00");

const account = z.strictObject({ homePage: iri, name: z.string().min(1, "must not be empty") });

const agentFields = {
  name: z.string().optional(),
  mbox: z.string().regex(/^mailto:[^@\s]+@[^@\s]+$/, "must be mailto: followed by an email address").optional(),
  mbox_sha1sum: z.string().regex(/^[0-9a-f]{40}$/i, "must be a 40-digit hex SHA-1").optional(),
  openid: iri.optional(),
  account: account.optional(),
};

function countIdentifiers(value: { mbox?: unknown; mbox_sha1sum?: unknown; openid?: unknown; account?: unknown }): number {
  return [value.mbox, value.mbox_sha1sum, value.openid, value.account].filter((v) => v !== undefined).length;
}

export const Agent = z
  .strictObject({ objectType: z.literal("Agent").optional(), ...agentFields })
  .refine((agent) => countIdentifiers(agent) === 1, "an Agent must have exactly one of mbox, mbox_sha1sum, openid or account");
export type Agent = z.infer<typeof Agent>;

export const Group = z
  .strictObject({ objectType: z.literal("Group"), ...agentFields, member: z.array(Agent).optional() })
  .refine((group) => countIdentifiers(group) <= 1, "a Group must have at most one of mbox, mbox_sha1sum, openid or account")
  .refine((group) => countIdentifiers(group) === 1 || (group.member !== undefined && group.member.length > 0), "an anonymous Group must list its members");
export type Group = z.infer<typeof Group>;

export const Actor = z.union([Agent, Group]);
export type Actor = z.infer<typeof Actor>;

export const Verb = z.strictObject({ id: iri, display: LanguageMap.optional() });

export const ActivityDefinition = z.looseObject({
  name: LanguageMap.optional(),
  description: LanguageMap.optional(),
  type: iri.optional(),
  moreInfo: iri.optional(),
  extensions: z.record(iri, z.unknown()).optional(),
});

export const Activity = z.strictObject({ objectType: z.literal("Activity").optional(), id: iri, definition: ActivityDefinition.optional() });
export type Activity = z.infer<typeof Activity>;

const StatementRef = z.strictObject({ objectType: z.literal("StatementRef"), id: uuid });

const Score = z
  .strictObject({ scaled: z.number().min(-1).max(1).optional(), raw: z.number().optional(), min: z.number().optional(), max: z.number().optional() })
  .refine((s) => s.min === undefined || s.max === undefined || s.min <= s.max, "score min must not exceed max")
  .refine((s) => s.raw === undefined || ((s.min === undefined || s.raw >= s.min) && (s.max === undefined || s.raw <= s.max)), "score raw must lie between min and max");

export const Result = z.strictObject({
  score: Score.optional(),
  success: z.boolean().optional(),
  completion: z.boolean().optional(),
  response: z.string().optional(),
  duration: z.string().regex(/^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/, "must be an ISO 8601 duration such as PT1H30M").optional(),
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
  object: z.union([Activity, StatementRef, Agent, Group]),
  result: Result.optional(),
  context: Context.optional(),
  timestamp: isoTimestamp.optional(),
  stored: isoTimestamp.optional(),
  authority: Actor.optional(),
  version: z.string().regex(/^(1\.0(\.\d+)?|2\.0(\.\d+)?)$/, "must be an xAPI version such as 1.0.3").optional(),
  attachments: z.array(z.unknown()).optional(),
});
export type Statement = z.infer<typeof Statement>;
