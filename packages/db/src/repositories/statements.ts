import { ConflictError, isUuid, ValidationError } from "@beklijf/core";
import { type PreparedStatement, VERBS } from "@beklijf/xapi";

import { type DbClient, type Prisma, type PrismaClient } from "../client";
import { addOutboxEvents, type OutboxEntry } from "./outbox";

export interface StoreStatementsResult {
  /** Ids in the order the statements arrived (what POST /xapi/statements answers). */
  readonly ids: string[];
  /** Ids stored now; the rest were content-identical repeats and did nothing. */
  readonly newIds: string[];
  /** Statements that the new voiding statements voided now; absent means none. */
  readonly voidedIds?: string[];
}

/**
 * How a caller names the hand-offs of a batch's new statements (the caller owns queue naming):
 * `handOffs` gets the new ids of a tenant in order and returns the outbox entries for them, one
 * per slice (statementSliceHandOffs).
 */
export interface StatementHandOffs {
  readonly handOffs: (statementIds: readonly string[]) => OutboxEntry[];
}

/** Recorded on plans and planned nudges cancelled because their trigger was voided. */
export const TRIGGER_VOIDED_REASON = "the trigger statement was voided";

/**
 * Stores a batch atomically: every statement and its hand-off record commit together, or nothing
 * does. An id that exists with the same content is a no-op; with other content the whole batch
 * fails with STATEMENT_ID_CONFLICT (xAPI: 409).
 *
 * A new voiding statement (verb `voided`, object a StatementRef) voids its target in the same
 * transaction, unless the target is itself a voiding statement (xAPI: those cannot be voided) or
 * is not stored (yet). Voiding a statement cancels the active plans it triggered and their
 * nudges that are still planned; the engine's fire-time re-check skips cancelled plans.
 *
 * `handOffs` builds the outbox entries of the new statements (StatementHandOffs); the result
 * carries the entries written, for the caller to enqueue after the commit.
 * `alsoInTransaction` runs last inside the same transaction (the pull cursor moves there), and
 * rolls everything back when it throws.
 */
export async function storeStatements(
  db: PrismaClient,
  input: {
    tenantId: string;
    connectionId: string | null;
    statements: readonly PreparedStatement[];
    alsoInTransaction?: (tx: Prisma.TransactionClient) => Promise<void>;
  } & StatementHandOffs,
): Promise<StoreStatementsResult & { readonly handOffs: OutboxEntry[] }> {
  const unique = dedupeBatch(input.statements);
  const ids = input.statements.map((s) => s.id);
  return db.$transaction(async (tx) => {
    const created = await tx.statement.createManyAndReturn({
      data: unique.map((s) => ({
        tenantId: input.tenantId,
        id: s.id,
        connectionId: input.connectionId,
        actorKey: s.actorKey,
        verbId: s.verbId,
        objectId: s.objectId,
        activityType: s.activityType ?? null,
        registration: s.registration ?? null,
        timestamp: s.timestamp,
        stored: s.stored,
        contentHash: s.contentHash,
        raw: s.statement as Prisma.InputJsonValue,
      })),
      skipDuplicates: true,
      select: { id: true },
    });
    const newIds = new Set(created.map((row) => row.id));
    const existingIds = unique.filter((s) => !newIds.has(s.id));
    if (existingIds.length > 0)
      await assertSameContent(tx, input.tenantId, existingIds);
    const fresh = unique.filter((s) => newIds.has(s.id));
    await tx.pendingStatement.createMany({
      data: fresh.map((s) => ({
        tenantId: input.tenantId,
        statementId: s.id,
        stored: s.stored,
      })),
    });
    const handOffs =
      fresh.length === 0 ? [] : input.handOffs(fresh.map((s) => s.id));
    await addOutboxEvents(tx, handOffs);
    const voidedIds = await voidTargets(tx, input.tenantId, fresh);
    if (input.alsoInTransaction !== undefined)
      await input.alsoInTransaction(tx);
    return { ids, newIds: fresh.map((s) => s.id), voidedIds, handOffs };
  });
}

function isVoiding(statement: PreparedStatement): boolean {
  return (
    statement.verbId === VERBS.voided &&
    statement.statement.object.objectType === "StatementRef"
  );
}

/** Marks the targets of new voiding statements voided and cancels what they planned. */
async function voidTargets(
  tx: Prisma.TransactionClient,
  tenantId: string,
  fresh: readonly PreparedStatement[],
): Promise<string[]> {
  const voiding = fresh.filter(isVoiding);
  const targets = [
    ...new Set(
      voiding.map((s) => s.objectId.toLowerCase()).filter((id) => isUuid(id)),
    ),
  ];
  if (targets.length === 0) return [];
  const voided = await tx.$queryRaw<{ id: string }[]>`
    UPDATE statements SET voided = true
    WHERE tenant_id = ${tenantId}::uuid
      AND id = ANY(${targets}::uuid[])
      AND verb_id <> ${VERBS.voided}
      AND NOT voided
    RETURNING id::text AS id`;
  const voidedIds = voided.map((row) => row.id);
  if (voidedIds.length === 0) return [];
  // A batch's statements are stored within moments of each other; the plans end at the latest.
  const endedAt = new Date(Math.max(...voiding.map((s) => s.stored.getTime())));
  const plans = await tx.plan.updateManyAndReturn({
    where: {
      tenantId,
      triggerStatementId: { in: voidedIds },
      status: "active",
    },
    data: {
      status: "cancelled",
      cancelReason: TRIGGER_VOIDED_REASON,
      endedAt,
    },
    select: { id: true },
  });
  if (plans.length > 0)
    await tx.plannedNudge.updateMany({
      where: { planId: { in: plans.map((p) => p.id) }, status: "planned" },
      data: { status: "cancelled", reason: TRIGGER_VOIDED_REASON },
    });
  return voidedIds;
}

/** Within one batch the same id may repeat only with the same content. */
function dedupeBatch(
  statements: readonly PreparedStatement[],
): PreparedStatement[] {
  const byId = new Map<string, PreparedStatement>();
  statements.forEach((statement, index) => {
    const seen = byId.get(statement.id);
    if (seen === undefined) byId.set(statement.id, statement);
    else if (seen.contentHash !== statement.contentHash) {
      throw new ValidationError(
        `Statement ${index} repeats id ${statement.id} with different content in the same batch.`,
        [
          {
            path: [index, "id"],
            message:
              "must not repeat an earlier id of this batch with other content",
          },
        ],
        "STATEMENT_ID_REPEATED",
      );
    }
  });
  return [...byId.values()];
}

async function assertSameContent(
  db: DbClient,
  tenantId: string,
  statements: readonly PreparedStatement[],
): Promise<void> {
  const stored = await db.statement.findMany({
    where: { tenantId, id: { in: statements.map((s) => s.id) } },
    select: { id: true, contentHash: true },
  });
  const hashById = new Map(stored.map((row) => [row.id, row.contentHash]));
  const conflict = statements.find((s) => hashById.get(s.id) !== s.contentHash);
  if (conflict !== undefined) {
    throw new ConflictError(
      `Statement ${conflict.id} already exists with different content.`,
      "STATEMENT_ID_CONFLICT",
    );
  }
}

export async function getStatement(db: DbClient, tenantId: string, id: string) {
  return db.statement.findUnique({ where: { tenantId_id: { tenantId, id } } });
}

/**
 * Statements stored at or before `storedBefore` that the engine has not finished, oldest first.
 * (A scan of pending_statements, which holds only unfinished work: the reconciler asks only when
 * the statements queue is idle.)
 */
export async function listUnprocessedStatements(
  db: DbClient,
  options: { storedBefore: Date; limit: number },
): Promise<{ tenantId: string; id: string }[]> {
  const rows = await db.pendingStatement.findMany({
    where: { stored: { lte: options.storedBefore } },
    orderBy: [{ stored: "asc" }, { statementId: "asc" }],
    take: options.limit,
    select: { tenantId: true, statementId: true },
  });
  return rows.map((row) => ({ tenantId: row.tenantId, id: row.statementId }));
}
