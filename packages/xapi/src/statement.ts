import { z } from "zod";

import { Activity, StatementRef } from "./activity";
import { Actor, AgentObject, Authority, Group } from "./actor";
import { Attachment } from "./attachment";
import { Context } from "./context";
import { iri } from "./iri";
import { isPlainObject, LanguageMap } from "./language-map";
import { Result } from "./result";
import { parseTimestamp } from "./timestamp";
import { statementId } from "./uuid";

// The statement as xAPI 1.0.3 (Part Two, "Experience API Data", 2.2 to 2.4 and 4) describes it, with
// the 2.0.0 additions (context.contextAgents, context.contextGroups). Every object is strict: a key
// xAPI does not define there, or a key in another case ("Actor"), is refused. Null is refused
// everywhere except inside extensions, because only extension values are typed as unknown.
// Rules that span several properties are superRefine checks; each puts its issue on the path of
// the property to change and says what to send instead.

/** The reserved verb that voids the statement its StatementRef object points at (Data 2.3.2). */
export const VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided";

const timestamp = z.string().superRefine((value, ctx) => {
  const parsed = parseTimestamp(value);
  if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
});

// ---------------------------------------------------------------------------------------------
// Verb (Data 2.4.3)

export const Verb = z.strictObject({
  id: iri("http://adlnet.gov/expapi/verbs/completed"),
  display: LanguageMap.optional(),
});
export type Verb = z.infer<typeof Verb>;

// ---------------------------------------------------------------------------------------------
// Statements and SubStatements (Data 2.4, 2.4.4.3)

/** The objectType an object without one has: an Activity. */
function objectTypeOf(object: unknown): unknown {
  return isPlainObject(object) ? (object.objectType ?? "Activity") : undefined;
}

/**
 * Rules across properties that apply to statements and SubStatements alike: context.revision and
 * context.platform only with an Activity object (Data 2.4.6.s4.b1, b2).
 */
function checkContextAgainstObject(
  statement: unknown,
  ctx: z.RefinementCtx,
): void {
  if (!isPlainObject(statement) || !isPlainObject(statement.context)) return;
  const objectType = objectTypeOf(statement.object);
  if (typeof objectType !== "string" || objectType === "Activity") return;
  for (const key of ["revision", "platform"] as const) {
    if (statement.context[key] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["context", key],
        message: `context.${key} may only be used when the object is an Activity; this object is ${objectType === "Agent" ? "an Agent" : `a ${objectType}`}: remove context.${key}`,
      });
    }
  }
}

/** A voiding statement must point at the statement it voids with a StatementRef (Data 2.3.2.s2.b1). */
function checkVoiding(statement: unknown, ctx: z.RefinementCtx): void {
  if (!isPlainObject(statement) || !isPlainObject(statement.verb)) return;
  if (statement.verb.id !== VOIDED_VERB) return;
  if (objectTypeOf(statement.object) === "StatementRef") return;
  if (!isPlainObject(statement.object)) return;
  ctx.addIssue({
    code: "custom",
    path: ["object"],
    message: `a voiding statement (verb ${VOIDED_VERB}) must have a StatementRef object: send {"objectType": "StatementRef", "id": "<id of the statement to void>"}`,
  });
}

/** A property a SubStatement must not have (Data 2.4.4.3.s8.b3). */
function notInSubStatement(key: string) {
  return z
    .never({
      error: `a SubStatement must not have ${key === "id" ? "an" : "a"} ${key} (only the statement around it can): remove it`,
    })
    .optional();
}

const objectOptions = [Activity, AgentObject, Group, StatementRef] as const;

/** The object of a SubStatement: anything but another SubStatement (Data 2.4.4.3.s8.b4). */
const SubStatementObject = z.discriminatedUnion("objectType", [
  ...objectOptions,
]);

export const SubStatement = z
  .strictObject({
    objectType: z.literal("SubStatement"),
    actor: Actor,
    verb: Verb,
    object: SubStatementObject,
    result: Result.optional(),
    context: Context.optional(),
    timestamp: timestamp.optional(),
    attachments: z.array(Attachment).optional(),
    id: notInSubStatement("id"),
    stored: notInSubStatement("stored"),
    version: notInSubStatement("version"),
    authority: notInSubStatement("authority"),
  })
  .superRefine(checkContextAgainstObject, { when: () => true });
export type SubStatement = z.infer<typeof SubStatement>;

/** What a statement can be about: chosen by objectType, absent meaning Activity. */
export const StatementObject = z.discriminatedUnion("objectType", [
  ...objectOptions,
  SubStatement,
]);
export type StatementObject = z.infer<typeof StatementObject>;

/** The versions a statement may name (Data 2.4.10). */
export const STATEMENT_VERSION = /^(1\.0(\.\d+)?|2\.0(\.\d+)?)$/;

const version = z
  .string()
  .regex(
    STATEMENT_VERSION,
    "must be an xAPI version such as 1.0.3 or 2.0.0 (1.0, 1.0.x, 2.0 or 2.0.x); or leave version out",
  );

/** A statement as a client sends it (Data 2.4), checked against every rule an LRS must enforce. */
export const Statement = z
  .strictObject({
    id: statementId.optional(),
    actor: Actor,
    verb: Verb,
    // Chosen by objectType like Actor, so a bad Activity id is reported at ["object", "id"].
    object: StatementObject,
    result: Result.optional(),
    context: Context.optional(),
    timestamp: timestamp.optional(),
    stored: timestamp.optional(),
    authority: Authority.optional(),
    version: version.optional(),
    attachments: z.array(Attachment).optional(),
  })
  // These rules read the raw shape defensively, so they also run when another part is invalid.
  .superRefine(
    (statement, ctx) => {
      checkContextAgainstObject(statement, ctx);
      checkVoiding(statement, ctx);
    },
    { when: () => true },
  );
export type Statement = z.infer<typeof Statement>;
