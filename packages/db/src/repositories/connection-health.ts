import type { DbClient, Prisma, PrismaClient } from "../client";
import type { ConnectionView } from "./connections";

/** How many rejections are kept per connection; each insert prunes the older ones. */
export const REJECTIONS_KEPT = 50;

/** The most of an offending statement's JSON that is kept, in UTF-8 bytes. */
export const REJECTION_STATEMENT_MAX_BYTES = 16 * 1024;

const REASON_MAX_CHARS = 2_000;

/** A request of a connection that was refused after it authenticated. */
export interface NewRejection {
  readonly connectionId: string;
  readonly at: Date;
  /** The HTTP status answered: 400, 409, 413 or 429. */
  readonly status: number;
  /** The error code answered, e.g. STATEMENT_INVALID. */
  readonly code: string;
  readonly reason: string;
  /** JSON path of the first problem, e.g. [3, "actor", "mbox"]; null when it has no place. */
  readonly path: readonly (string | number)[] | null;
  /** The offending statement or body; undefined when there is none (e.g. a body too large to read). */
  readonly statement: unknown;
}

export interface RejectionView {
  readonly id: string;
  readonly createdAt: Date;
  readonly status: number;
  readonly code: string;
  readonly reason: string;
  readonly path: readonly (string | number)[] | null;
  /** The statement as JSON, or a string of its JSON's first 16 KB when `statementTruncated`. */
  readonly statement: unknown;
  readonly statementTruncated: boolean;
}

export interface ConnectionHealth {
  /** Statements stored from this connection (re-sent duplicates count once). */
  readonly acceptedCount: number;
  /** Requests refused after authentication, ever. */
  readonly rejectedCount: number;
  /** Approximate: written at most every few seconds. */
  readonly lastReceivedAt: Date | null;
  readonly lastRejectedAt: Date | null;
  /** Pull mode only: how the reading of the external LRS goes. */
  readonly pull?: PullHealth;
}

export interface PullHealth {
  /** The `stored` instant of the newest statement imported; null before the first. */
  readonly cursorStored: Date | null;
  readonly intervalSeconds: number | null;
  readonly lastRunAt: Date | null;
  readonly lastSuccessAt: Date | null;
  /** The last failed run's error; null once a run succeeds. */
  readonly lastError: string | null;
  readonly consecutiveFailures: number;
  /** No run before this instant (the interval, or the back-off after failures). */
  readonly nextRunAt: Date | null;
}

/**
 * Records a rejection, counts it on the connection and prunes the connection's rejections beyond
 * the newest {@link REJECTIONS_KEPT}, in one transaction. The statement is kept up to
 * {@link REJECTION_STATEMENT_MAX_BYTES}.
 */
export async function recordRejection(
  db: PrismaClient,
  input: NewRejection,
): Promise<void> {
  const { value, truncated } = boundedJson(input.statement);
  await db.$transaction([
    db.connectionRejection.create({
      data: {
        connectionId: input.connectionId,
        createdAt: input.at,
        status: input.status,
        code: input.code.slice(0, 100),
        reason: input.reason.slice(0, REASON_MAX_CHARS),
        ...(input.path === null ? {} : { path: [...input.path] }),
        ...(value === undefined ? {} : { statement: value }),
        statementTruncated: truncated,
      },
    }),
    db.connection.update({
      where: { id: input.connectionId },
      data: { rejectedCount: { increment: 1 } },
    }),
    // Two writers racing may briefly leave one extra row; the next insert prunes it.
    db.$executeRaw`
      DELETE FROM connection_rejections
      WHERE connection_id = ${input.connectionId}::uuid
        AND id < (
          SELECT id FROM connection_rejections
          WHERE connection_id = ${input.connectionId}::uuid
          ORDER BY id DESC
          OFFSET ${REJECTIONS_KEPT - 1} LIMIT 1
        )`,
  ]);
}

/** The connection's kept rejections, newest first. */
export async function listRejections(
  db: DbClient,
  connectionId: string,
  limit = REJECTIONS_KEPT,
): Promise<RejectionView[]> {
  const rows = await db.connectionRejection.findMany({
    where: { connectionId },
    orderBy: { id: "desc" },
    take: limit,
  });
  return rows.map((row) => ({
    id: row.id.toString(),
    createdAt: row.createdAt,
    status: row.status,
    code: row.code,
    reason: row.reason,
    path: toPath(row.path),
    statement: row.statement,
    statementTruncated: row.statementTruncated,
  }));
}

/** Accepted and rejected counts and the last times of each, for the LMS admin. */
export async function getConnectionHealth(
  db: DbClient,
  connection: Pick<
    ConnectionView,
    | "id"
    | "rejectedCount"
    | "lastReceivedAt"
    | "mode"
    | "pullCursorStored"
    | "pullIntervalSeconds"
    | "pullLastRunAt"
    | "pullLastSuccessAt"
    | "pullLastError"
    | "pullConsecutiveFailures"
    | "pullNextRunAt"
  >,
): Promise<ConnectionHealth> {
  const [acceptedCount, lastRejection] = await Promise.all([
    db.statement.count({ where: { connectionId: connection.id } }),
    db.connectionRejection.findFirst({
      where: { connectionId: connection.id },
      orderBy: { id: "desc" },
      select: { createdAt: true },
    }),
  ]);
  return {
    acceptedCount,
    rejectedCount: connection.rejectedCount,
    lastReceivedAt: connection.lastReceivedAt,
    lastRejectedAt: lastRejection?.createdAt ?? null,
    ...(connection.mode === "pull"
      ? {
          pull: {
            cursorStored: connection.pullCursorStored,
            intervalSeconds: connection.pullIntervalSeconds,
            lastRunAt: connection.pullLastRunAt,
            lastSuccessAt: connection.pullLastSuccessAt,
            lastError: connection.pullLastError,
            consecutiveFailures: connection.pullConsecutiveFailures,
            nextRunAt: connection.pullNextRunAt,
          },
        }
      : {}),
  };
}

function boundedJson(value: unknown): {
  value: Prisma.InputJsonValue | undefined;
  truncated: boolean;
} {
  if (value === undefined || value === null)
    return { value: undefined, truncated: false };
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return { value: undefined, truncated: false };
  if (Buffer.byteLength(text, "utf8") <= REJECTION_STATEMENT_MAX_BYTES)
    // JSON.parse of JSON.stringify's output is JSON by construction.
    return {
      value: JSON.parse(text) as Prisma.InputJsonValue,
      truncated: false,
    };
  const head = Buffer.from(text, "utf8")
    .subarray(0, REJECTION_STATEMENT_MAX_BYTES)
    .toString("utf8")
    // A multi-byte character cut in half decodes as U+FFFD; drop it.
    .replace(/\uFFFD$/, "");
  return { value: head, truncated: true };
}

function toPath(value: Prisma.JsonValue): (string | number)[] | null {
  if (!Array.isArray(value)) return null;
  return value.filter(
    (part): part is string | number =>
      typeof part === "string" || typeof part === "number",
  );
}
