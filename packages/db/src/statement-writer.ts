import type { Logger } from "@beklijf/core";
import type { PreparedStatement } from "@beklijf/xapi";
import pg from "pg";

import type { PrismaClient } from "./client";
import type { OutboxEntry } from "./repositories/outbox";
import {
  storeStatements,
  type StoreStatementsResult,
} from "./repositories/statements";

/** One request's statements, as storeStatements takes them. */
export interface WriteRequest {
  readonly tenantId: string;
  readonly connectionId: string | null;
  readonly statements: readonly PreparedStatement[];
  readonly handOff: (statementId: string) => OutboxEntry;
}

export interface StatementWriter {
  /**
   * Stores one request's statements durably, with storeStatements' semantics (all or nothing per
   * request; same id and content is a no-op; other content is STATEMENT_ID_CONFLICT), but
   * committed together with the other requests waiting at the same moment.
   */
  write(request: WriteRequest): Promise<StoreStatementsResult>;
  /** Waits for the groups in flight, then closes the pool. */
  close(): Promise<void>;
}

export interface StatementWriterOptions {
  readonly connectionString: string;
  /** The Prisma client for the slow path (conflicts, repeated ids, voiding). */
  readonly db: PrismaClient;
  readonly logger: Logger;
  /** Called after each commit with the hand-offs of the statements stored new. */
  readonly onCommitted: (entries: readonly OutboxEntry[]) => void;
  /** Groups written at the same time, each on its own connection. @defaultValue 3 */
  readonly parallelism?: number;
  /** Most statements in one group. @defaultValue 2000 */
  readonly maxGroupStatements?: number;
}

interface Pending {
  readonly request: WriteRequest;
  resolve(result: StoreStatementsResult): void;
  reject(error: unknown): void;
}

const VOIDED = "http://adlnet.gov/expapi/verbs/voided";

/**
 * The elements of a JSON array parameter as a jsonb[], in order. One JSON text for the whole
 * group instead of a text[] of JSON texts: node-postgres escapes every character of every element
 * of an array parameter, which was the writer's largest cost (and garbage) for big batches.
 */
const JSONB_ELEMENTS = (param: number): string =>
  `ARRAY(SELECT e FROM jsonb_array_elements($${param}::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n)`;

/**
 * Group commit for the ingest hot path. Requests that arrive while a group is being written wait
 * and go together into the next group: one transaction, one multi-row insert for the statements
 * and one for their outbox rows, over plain node-postgres. Under load that turns thousands of
 * small transactions into a few large ones; a lone request is written at once.
 *
 * The common case takes the fast path. A group in which any request repeats an id, conflicts
 * with a stored statement, or voids a statement is rolled back and its requests are written one
 * by one through storeStatements, so every request keeps its own all-or-nothing answer.
 */
export function createStatementWriter(
  options: StatementWriterOptions,
): StatementWriter {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.parallelism ?? 3,
  });
  pool.on("error", (error) => {
    options.logger.warn(
      { err: error.message },
      "statement writer: idle connection error",
    );
  });
  const parallelism = options.parallelism ?? 3;
  const maxGroup = options.maxGroupStatements ?? 2000;
  const waiting: Pending[] = [];
  let active = 0;
  const inFlight = new Set<Promise<void>>();

  const takeGroup = (): Pending[] => {
    const group: Pending[] = [];
    let count = 0;
    while (waiting.length > 0) {
      const next = waiting[0];
      if (
        next === undefined ||
        (group.length > 0 && count + next.request.statements.length > maxGroup)
      )
        break;
      waiting.shift();
      group.push(next);
      count += next.request.statements.length;
    }
    return group;
  };

  const pump = (): void => {
    while (active < parallelism && waiting.length > 0) {
      const group = takeGroup();
      active += 1;
      const run = writeGroup(group)
        .catch((error: unknown) => {
          for (const pending of group) pending.reject(error);
        })
        .finally(() => {
          active -= 1;
          inFlight.delete(run);
          pump();
        });
      inFlight.add(run);
    }
  };

  const writeGroup = async (group: Pending[]): Promise<void> => {
    const slow = group.filter((p) => needsSlowPath(p.request));
    const fast = group.filter((p) => !needsSlowPath(p.request));
    if (fast.length > 0) {
      const outcome = await writeFast(fast);
      if (outcome === "conflict") slow.push(...fast);
    }
    for (const pending of slow) {
      try {
        const result = await storeStatements(options.db, pending.request);
        pending.resolve(result);
        options.onCommitted(
          result.newIds.map((id) => pending.request.handOff(id)),
        );
      } catch (error) {
        pending.reject(error);
      }
    }
  };

  const writeFast = async (group: Pending[]): Promise<"done" | "conflict"> => {
    const rows = group.flatMap((p) =>
      p.request.statements.map((s) => ({ pending: p, statement: s })),
    );
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const inserted = await client.query<{ tenant_id: string; id: string }>(
        `INSERT INTO statements (tenant_id, id, connection_id, actor_key, verb_id, object_id, activity_type, registration, "timestamp", stored, content_hash, raw)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::timestamptz[], $10::timestamptz[], $11::text[], ${JSONB_ELEMENTS(12)})
         ON CONFLICT (tenant_id, id) DO NOTHING
         RETURNING tenant_id::text, id::text`,
        [
          rows.map((r) => r.pending.request.tenantId),
          rows.map((r) => r.statement.id),
          rows.map((r) => r.pending.request.connectionId),
          rows.map((r) => r.statement.actorKey),
          rows.map((r) => r.statement.verbId),
          rows.map((r) => r.statement.objectId),
          rows.map((r) => r.statement.activityType ?? null),
          rows.map((r) => r.statement.registration ?? null),
          rows.map((r) => r.statement.timestamp),
          rows.map((r) => r.statement.stored),
          rows.map((r) => r.statement.contentHash),
          JSON.stringify(rows.map((r) => r.statement.statement)),
        ],
      );
      const fresh = new Set(inserted.rows.map((r) => `${r.tenant_id}|${r.id}`));
      // Rows not inserted now: stored before, or earlier in this very group. Same content is a
      // no-op; other content is a conflict, which the slow path answers per request.
      const seen = new Map<string, string>();
      const again: {
        key: string;
        hash: string;
        tenantId: string;
        id: string;
      }[] = [];
      for (const { pending, statement } of rows) {
        const key = `${pending.request.tenantId}|${statement.id}`;
        const earlier = seen.get(key);
        if (earlier !== undefined) {
          if (earlier !== statement.contentHash) return await rollBack(client);
          continue;
        }
        seen.set(key, statement.contentHash);
        if (!fresh.has(key))
          again.push({
            key,
            hash: statement.contentHash,
            tenantId: pending.request.tenantId,
            id: statement.id,
          });
      }
      if (again.length > 0) {
        const stored = await client.query<{
          key: string;
          content_hash: string;
        }>(
          `SELECT tenant_id::text || '|' || id::text AS key, content_hash FROM statements
           WHERE (tenant_id, id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`,
          [again.map((a) => a.tenantId), again.map((a) => a.id)],
        );
        const hashes = new Map(stored.rows.map((r) => [r.key, r.content_hash]));
        if (again.some((a) => hashes.get(a.key) !== a.hash))
          return await rollBack(client);
      }
      const claimed = new Set<string>();
      const handOffs: { pending: Pending; entry: OutboxEntry; id: string }[] =
        [];
      for (const { pending, statement } of rows) {
        const key = `${pending.request.tenantId}|${statement.id}`;
        if (!fresh.has(key) || claimed.has(key)) continue;
        claimed.add(key);
        handOffs.push({
          pending,
          entry: pending.request.handOff(statement.id),
          id: statement.id,
        });
      }
      if (handOffs.length > 0) {
        await client.query(
          `INSERT INTO outbox_events (tenant_id, queue, job_name, job_id, payload)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], ${JSONB_ELEMENTS(5)})`,
          [
            handOffs.map((h) => h.entry.tenantId),
            handOffs.map((h) => h.entry.queue),
            handOffs.map((h) => h.entry.jobName),
            handOffs.map((h) => h.entry.jobId),
            JSON.stringify(handOffs.map((h) => h.entry.payload)),
          ],
        );
      }
      await client.query("COMMIT");
      for (const pending of group) {
        const mine = handOffs
          .filter((h) => h.pending === pending)
          .map((h) => h.id);
        pending.resolve({
          ids: pending.request.statements.map((s) => s.id),
          newIds: mine,
        });
      }
      options.onCommitted(handOffs.map((h) => h.entry));
      return "done";
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };

  return {
    write: (request) =>
      new Promise<StoreStatementsResult>((resolve, reject) => {
        waiting.push({ request, resolve, reject });
        pump();
      }),
    close: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await pool.end();
    },
  };
}

async function rollBack(client: pg.PoolClient): Promise<"conflict"> {
  await client.query("ROLLBACK");
  return "conflict";
}

/** Requests the fast path leaves to storeStatements: repeated ids inside them, or voiding. */
function needsSlowPath(request: WriteRequest): boolean {
  const ids = new Set<string>();
  for (const statement of request.statements) {
    if (ids.has(statement.id) || statement.verbId === VOIDED) return true;
    ids.add(statement.id);
  }
  return false;
}
