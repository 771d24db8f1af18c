import {
  assertNever,
  type Clock,
  err,
  type Issue,
  ok,
  type Result,
  sha256Hex,
  uuidV5,
  ValidationError,
} from "@beklijf/core";
import type { z } from "zod";

import type { Actor } from "./actor";
import {
  attachmentIssues,
  type AttachmentParts,
  unclaimedParts,
} from "./attachment-issues";
import { commonStatement } from "./common-statement";
import { comparableStatement } from "./comparable-statement";
import { issueMessage } from "./issue-message";
import {
  Statement,
  type StatementObject,
  type SubStatement,
} from "./statement";
import { parseTimestamp } from "./timestamp";

export { canonicalJson } from "./canonical-json";

/** A validated statement ready to store: the JSON to keep plus the fields rules match on. */
export interface PreparedStatement {
  readonly id: string;
  /** Whether the client sent the id (false: we derived it from the content). */
  readonly idGiven: boolean;
  readonly statement: Statement;
  readonly actorKey: string;
  readonly actorEmail: string | undefined;
  readonly actorName: string | undefined;
  readonly verbId: string;
  readonly objectId: string;
  readonly activityType: string | undefined;
  readonly registration: string | undefined;
  readonly timestamp: Date;
  readonly stored: Date;
  readonly contentHash: string;
}

export interface PrepareOptions {
  readonly clock: Clock;
  /**
   * The attachment data of a multipart/mixed request: the parts after the statements, by their
   * X-Experience-API-Hash. Leave it out for an application/json request; then every attachment
   * needs a fileUrl.
   */
  readonly attachmentParts?: AttachmentParts;
  /**
   * Who vouches for the statements (the LRS sets it as it stores them), replacing what the
   * client sent. Not part of the content hash, so a resend through another connection is still
   * the same statement.
   */
  readonly authority?: NonNullable<Statement["authority"]>;
}

/** Namespace for ids of statements that arrive without one (Moodle sends none). */
const STATEMENT_ID_NAMESPACE = uuidV5("beklijf:statement-id");

/**
 * Normalised inverse functional identifier of an actor, "kind:value". mbox is lower-cased, so
 * "mailto:Anna@X.nl" and "mailto:anna@x.nl" are one learner.
 */
export function actorKey(actor: Actor): string {
  if (actor.mbox !== undefined) return `mbox:${actor.mbox.toLowerCase()}`;
  if (actor.mbox_sha1sum !== undefined)
    return `mbox_sha1sum:${actor.mbox_sha1sum.toLowerCase()}`;
  if (actor.openid !== undefined) return `openid:${actor.openid}`;
  if (actor.account !== undefined)
    return `account:${actor.account.homePage}|${actor.account.name}`;
  return "group:anonymous";
}

/**
 * The content that decides "same statement", by xAPI's statement comparison rules: everything
 * except what the LRS sets or may change (id, stored, authority, version) and what is not part of
 * the statement (Activity Definitions, verb displays), with timestamps compared as instants,
 * Group members in any order and case-insensitive values (email, UUIDs) in lower case.
 */
export function statementContentHash(statement: Statement): string {
  return sha256Hex(JSON.stringify(comparableStatement(statement)));
}

/**
 * The issue paths as the client wrote the statement: a single contextActivities Activity is
 * checked as an array of one, so an index that has no array in the input is dropped.
 */
function inputPath(
  path: readonly PropertyKey[],
  input: unknown,
): Issue["path"] {
  const out: (string | number)[] = [];
  let value: unknown = input;
  for (const key of path) {
    if (typeof key === "number" && !Array.isArray(value)) continue;
    out.push(typeof key === "number" ? key : String(key));
    value =
      typeof value === "object" && value !== null
        ? (Reflect.get(value, key) as unknown)
        : undefined;
  }
  return out;
}

function toIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
): Issue[] {
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const issue of issues) {
    const converted = {
      path: inputPath(issue.path, input),
      message: issue.message,
    };
    const key = JSON.stringify(converted);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(converted);
  }
  return out;
}

/**
 * Checks a statement from outside against every rule of xAPI 1.0.3 (and 2.0.0) an LRS must
 * enforce; never throws on bad input. Each issue has the path of the property to change and a
 * message in plain words that says what to send instead.
 */
export function validateStatement(
  input: unknown,
  attachmentParts?: AttachmentParts,
): Result<Statement, Issue[]> {
  // The common shape is checked by hand (the same rules, no zod); anything else, and everything
  // invalid, goes through the schema, which words the issues.
  let statement = commonStatement(input);
  if (statement === undefined) {
    const parsed = Statement.safeParse(input, { error: issueMessage });
    if (!parsed.success) return err(toIssues(parsed.error.issues, input));
    statement = parsed.data;
  }
  const issues = attachmentIssues(statement, attachmentParts);
  return issues.length > 0 ? err(issues) : ok(statement);
}

function objectIdOf(object: StatementObject | SubStatement["object"]): string {
  switch (object.objectType) {
    case undefined:
    case "Activity":
      return object.id;
    case "StatementRef":
      return object.id.toLowerCase();
    case "Agent":
    case "Group":
      return actorKey(object);
    case "SubStatement":
      return `substatement:${objectIdOf(object.object)}`;
    default:
      return assertNever(object);
  }
}

function activityTypeOf(object: StatementObject): string | undefined {
  return object.objectType === undefined || object.objectType === "Activity"
    ? object.definition?.type
    : undefined;
}

/** Validates one statement from outside and derives what beklijf stores. */
export function prepareStatement(
  input: unknown,
  options: PrepareOptions,
): Result<PreparedStatement, Issue[]> {
  const validated = validateStatement(input, options.attachmentParts);
  if (!validated.ok) return validated;
  const statement = validated.value;
  const stored = options.clock.now();
  const contentHash = statementContentHash(statement);
  const id =
    statement.id?.toLowerCase() ?? uuidV5(contentHash, STATEMENT_ID_NAMESPACE);
  const given =
    statement.timestamp === undefined
      ? undefined
      : parseTimestamp(statement.timestamp);
  const timestamp =
    given?.ok === true
      ? options.clock.fromRealTime(new Date(given.epochMs))
      : stored;
  return ok({
    id,
    idGiven: statement.id !== undefined,
    statement: {
      ...statement,
      id,
      timestamp: statement.timestamp ?? stored.toISOString(),
      stored: stored.toISOString(),
      version: statement.version ?? "1.0.0",
      ...(options.authority === undefined
        ? {}
        : { authority: options.authority }),
    },
    actorKey: actorKey(statement.actor),
    actorEmail: statement.actor.mbox?.slice("mailto:".length).toLowerCase(),
    actorName: statement.actor.name,
    verbId: statement.verb.id,
    objectId: objectIdOf(statement.object),
    activityType: activityTypeOf(statement.object),
    registration: statement.context?.registration?.toLowerCase(),
    timestamp,
    stored,
    contentHash,
  });
}

/** Picks the best display string from a language map for a locale ("nl" finds "nl-NL"). */
export function pickLanguage(
  map: Readonly<Record<string, string>> | undefined,
  locale: string,
): string | undefined {
  if (map === undefined) return undefined;
  const entries = Object.entries(map);
  const lower = locale.toLowerCase();
  const base = lower.split("-")[0] ?? lower;
  return (
    entries.find(([k]) => k.toLowerCase() === lower)?.[1] ??
    entries.find(([k]) => k.toLowerCase().split("-")[0] === base)?.[1] ??
    entries.find(([k]) => k.toLowerCase().startsWith("en"))?.[1] ??
    entries[0]?.[1]
  );
}

/** Why a request body of statements was refused. */
export type BatchError =
  { kind: "empty" } | { kind: "invalid"; batch: boolean; issues: Issue[] };

/**
 * Validates a body of one statement or an array. A batch with any invalid statement is refused
 * whole (xAPI), with every problem's path starting at the statement's index in the batch.
 */
export function prepareStatements(
  body: unknown,
  options: PrepareOptions,
): Result<PreparedStatement[], BatchError> {
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  if (items.length === 0) return err({ kind: "empty" });
  const issues: Issue[] = [];
  const prepared: PreparedStatement[] = [];
  items.forEach((item, index) => {
    const result = prepareStatement(item, options);
    if (result.ok) prepared.push(result.value);
    else
      issues.push(
        ...result.error.map((issue) => ({
          path: batch ? [index, ...issue.path] : issue.path,
          message: issue.message,
        })),
      );
  });
  // Only a batch whose statements are all valid can say which parts none of them claims.
  if (issues.length === 0) {
    issues.push(
      ...unclaimedParts(
        prepared.map((p) => p.statement),
        options.attachmentParts,
      ),
    );
  }
  return issues.length > 0
    ? err({ kind: "invalid", batch, issues })
    : ok(prepared);
}

/** The edge's error for a refused body: STATEMENTS_EMPTY or STATEMENT_INVALID, naming the first problem. */
export function batchValidationError(error: BatchError): ValidationError {
  switch (error.kind) {
    case "empty":
      return new ValidationError(
        "The batch is empty; send at least one statement.",
        [],
        "STATEMENTS_EMPTY",
      );
    case "invalid": {
      const first = error.issues[0];
      const where =
        first === undefined
          ? ""
          : ` First problem at ${first.path.join(".") || "(root)"}: ${first.message}.`;
      return new ValidationError(
        `${error.batch ? "The batch was refused as a whole" : "The statement was refused"}: ${error.issues.length} problem(s).${where}`,
        error.issues,
        "STATEMENT_INVALID",
      );
    }
    default:
      return assertNever(error);
  }
}
