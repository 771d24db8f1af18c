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

import { type Actor, Statement } from "./statement";

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

/** JSON with object keys sorted, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The content that decides "same statement": everything except what the LRS sets or may change
 * (id, stored, authority, version), with mbox case and timestamp notation normalised.
 */
export function statementContentHash(statement: Statement): string {
  const {
    id: _id,
    stored: _stored,
    authority: _authority,
    version: _version,
    ...content
  } = statement;
  const normalised = {
    ...content,
    actor:
      statement.actor.mbox === undefined
        ? statement.actor
        : { ...statement.actor, mbox: statement.actor.mbox.toLowerCase() },
    timestamp:
      statement.timestamp === undefined
        ? undefined
        : new Date(statement.timestamp).toISOString(),
  };
  return sha256Hex(canonicalJson(normalised));
}

/** Validates one statement from outside and derives what beklijf stores. */
export function prepareStatement(
  input: unknown,
  options: { clock: Clock },
): Result<PreparedStatement, Issue[]> {
  const parsed = Statement.safeParse(input);
  if (!parsed.success) {
    return err(
      parsed.error.issues.map((issue) => ({
        path: issue.path.map((p) => (typeof p === "number" ? p : String(p))),
        message: issue.message,
      })),
    );
  }
  const statement = parsed.data;
  const stored = options.clock.now();
  const contentHash = statementContentHash(statement);
  const id =
    statement.id?.toLowerCase() ?? uuidV5(contentHash, STATEMENT_ID_NAMESPACE);
  const timestamp =
    statement.timestamp === undefined
      ? stored
      : options.clock.fromRealTime(new Date(statement.timestamp));
  const object = statement.object;
  const objectId = "id" in object ? object.id : actorKey(object);
  const activityType =
    "definition" in object ? object.definition?.type : undefined;
  return ok({
    id,
    idGiven: statement.id !== undefined,
    statement: {
      ...statement,
      id,
      timestamp: statement.timestamp ?? stored.toISOString(),
      stored: stored.toISOString(),
      version: statement.version ?? "1.0.0",
    },
    actorKey: actorKey(statement.actor),
    actorEmail: statement.actor.mbox?.slice("mailto:".length).toLowerCase(),
    actorName: statement.actor.name,
    verbId: statement.verb.id,
    objectId,
    activityType,
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
  options: { clock: Clock },
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
