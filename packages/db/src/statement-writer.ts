import type { Logger } from "@beklijf/core";
import type { PreparedStatement } from "@beklijf/xapi";

import { type PrismaClient, sessionPool } from "./client";
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
  /**
   * The outbox entries of new statements of the tenant, one per slice (statementSliceHandOffs).
   * The writer calls the first request's of each tenant for all the tenant's new statements in a
   * group.
   */
  readonly handOffs: (statementIds: readonly string[]) => OutboxEntry[];
}

export interface StatementWriter {
  /**
   * Stores one request's statements durably, with storeStatements' semantics (all or nothing per
   * request; same id and content is a no-op; other content is STATEMENT_ID_CONFLICT), but
   * committed together with the other requests waiting at the same moment.
   */
  write(request: WriteRequest): Promise<StoreStatementsResult>;
  /**
   * markOutboxDispatched over the writer's own connections: the hand-off after each commit calls
   * it many times a second under load, where a Prisma query costs several times a plain one.
   */
  markDispatched(jobIds: readonly string[]): Promise<void>;
  /** Waits for the groups in flight, then closes the pool. */
  close(): Promise<void>;
}

export interface StatementWriterOptions {
  readonly connectionString: string;
  /** The Prisma client for the slow path (conflicts, repeated ids, voiding). */
  readonly db: PrismaClient;
  readonly logger: Logger;
  /** Called after each commit with the hand-offs (slices) of the statements stored new. */
  readonly onCommitted: (entries: readonly OutboxEntry[]) => void;
  /** Groups written at the same time, each on its own connection. @defaultValue 3 */
  readonly parallelism?: number;
  /** Most statements in one group. @defaultValue 2000 */
  readonly maxGroupStatements?: number;
  /**
   * While a group is being written, another one starts only once this many statements wait;
   * fewer wait for the next commit and go with what arrives meanwhile. A request that finds the
   * writer idle is written at once. @defaultValue 16
   */
  readonly minGroupStatements?: number;
}

interface Pending {
  readonly request: WriteRequest;
  resolve(result: StoreStatementsResult): void;
  reject(error: unknown): void;
}

const VOIDED = "http://adlnet.gov/expapi/verbs/voided";

/**
 * One group in one SQL statement, so one round trip and no BEGIN/COMMIT: a single statement is
 * atomic on its own. `$1` is a JSON array with a row per distinct statement of the group (its
 * columns and `n`, its place in the group), `$2` one with the group's outbox rows: a
 * statements.process slice per tenant (up to 500 ids), not a row per statement. node-postgres
 * sends one JSON text cheaply, where it escaped every character of an array parameter.
 *
 * The statements go in with ON CONFLICT DO NOTHING, linked to the learner a directory identity
 * names as their actor (so the engine need not write the row again for a known learner), and
 * each inserted one gets its pending_statements row (the engine's work, ADR 0011). The slices
 * name every statement of the group, so the group commits only if every statement was new:
 * otherwise (a repeat of a stored statement, another content under a stored id, or a row another
 * transaction inserted while this one ran) the statement divides by zero, which aborts it whole,
 * and the writer tries the group's requests one by one (ADR 0013).
 */
const WRITE_GROUP = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
    n int, tenant_id uuid, id uuid, connection_id uuid, actor_key text, verb_id text,
    object_id text, activity_type text, registration uuid, "timestamp" timestamptz,
    stored timestamptz, content_hash text, raw jsonb)
),
ins AS (
  INSERT INTO statements (tenant_id, id, connection_id, actor_key, person_id, verb_id,
    object_id, activity_type, registration, "timestamp", stored, content_hash, raw)
  SELECT i.tenant_id, i.id, i.connection_id, i.actor_key,
    -- A subquery, so each row probes the identities' unique index: as a join, the generic plan
    -- of this prepared statement hashes the whole directory for every group.
    (SELECT p.person_id FROM person_identities p
      WHERE p.tenant_id = i.tenant_id
        AND p.kind = split_part(i.actor_key, ':', 1)
        AND p.value = substr(i.actor_key, strpos(i.actor_key, ':') + 1)),
    i.verb_id, i.object_id, i.activity_type, i.registration, i."timestamp", i.stored,
    i.content_hash, i.raw
  FROM input i
  ORDER BY i.n
  ON CONFLICT (tenant_id, id) DO NOTHING
  RETURNING tenant_id, id, stored
),
pending AS (
  INSERT INTO pending_statements (tenant_id, statement_id, stored)
  SELECT tenant_id, id, stored FROM ins
),
outbox AS (
  INSERT INTO outbox_events (tenant_id, queue, job_name, job_id, payload)
  SELECT tenant_id, queue, job_name, job_id, payload
  FROM jsonb_to_recordset($2::jsonb) AS o(
    tenant_id uuid, queue text, job_name text, job_id text, payload jsonb)
)
SELECT 1 / (
  SELECT CASE WHEN count(*) = (SELECT count(*) FROM input) THEN 1 ELSE 0 END FROM ins
) AS checked`;

/** SQLSTATE of division_by_zero: how WRITE_GROUP says "not all new, go request by request". */
const DIVISION_BY_ZERO = "22012";

/**
 * Group commit for the ingest hot path. Requests that arrive while a group is being written wait
 * and go together into the next group: one SQL statement (WRITE_GROUP) that inserts the
 * statements, their pending rows and an outbox row per tenant slice, over plain node-postgres. Under load that turns thousands of
 * small transactions into a few large ones; a lone request is written at once.
 *
 * The common case takes the fast path. A group in which any request conflicts with a stored
 * statement or with another request of the group writes nothing, and its requests are written
 * one by one (each still on the fast path when all of it is new, else through storeStatements),
 * so every request keeps its own all-or-nothing answer; requests that repeat an id inside
 * themselves or void a statement always go through storeStatements.
 */
export function createStatementWriter(
  options: StatementWriterOptions,
): StatementWriter {
  const pool = sessionPool({
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
  const minGroup = options.minGroupStatements ?? 16;
  const waiting: Pending[] = [];
  /** Statements in `waiting`. */
  let waitingStatements = 0;
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
      waitingStatements -= next.request.statements.length;
    }
    return group;
  };

  const pump = (): void => {
    while (
      active < parallelism &&
      waiting.length > 0 &&
      (active === 0 || waitingStatements >= minGroup)
    ) {
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
    const slow: Pending[] = [];
    const fast: Pending[] = [];
    for (const pending of group)
      (needsSlowPath(pending.request) ? slow : fast).push(pending);
    if (fast.length > 0 && (await writeFast(fast)) === "retry") {
      // Not every statement was new: alone, each request that is all new still takes one round
      // trip; the others (repeats, conflicts) go through storeStatements.
      if (fast.length === 1) slow.push(...fast);
      else
        for (const pending of fast)
          if ((await writeFast([pending])) === "retry") slow.push(pending);
    }
    for (const pending of slow) {
      try {
        const result = await storeStatements(options.db, pending.request);
        pending.resolve(result);
        options.onCommitted(result.handOffs);
      } catch (error) {
        pending.reject(error);
      }
    }
  };

  const writeFast = async (group: Pending[]): Promise<"done" | "retry"> => {
    // One row per distinct statement; a repeat of an earlier id of the group with the same
    // content is a no-op for the later request, with other content a conflict.
    const rows: object[] = [];
    const newIds = new Map<Pending, string[]>();
    /** The group's new ids by tenant, in order, with the request whose handOffs names them. */
    const byTenant = new Map<string, { owner: Pending; ids: string[] }>();
    const seen = new Map<string, string>();
    for (const pending of group) {
      const { tenantId, connectionId } = pending.request;
      const mine: string[] = [];
      let tenant = byTenant.get(tenantId);
      if (tenant === undefined) {
        tenant = { owner: pending, ids: [] };
        byTenant.set(tenantId, tenant);
      }
      for (const statement of pending.request.statements) {
        const key = `${tenantId}|${statement.id}`;
        const earlier = seen.get(key);
        if (earlier !== undefined) {
          if (earlier !== statement.contentHash) return "retry";
          continue;
        }
        seen.set(key, statement.contentHash);
        rows.push({
          n: rows.length,
          tenant_id: tenantId,
          id: statement.id,
          connection_id: connectionId,
          actor_key: statement.actorKey,
          verb_id: statement.verbId,
          object_id: statement.objectId,
          activity_type: statement.activityType ?? null,
          registration: statement.registration ?? null,
          timestamp: statement.timestamp,
          stored: statement.stored,
          content_hash: statement.contentHash,
          raw: statement.statement,
        });
        mine.push(statement.id);
        tenant.ids.push(statement.id);
      }
      newIds.set(pending, mine);
    }
    const handOffs: OutboxEntry[] = [];
    for (const { owner, ids } of byTenant.values())
      if (ids.length > 0) handOffs.push(...owner.request.handOffs(ids));
    try {
      await pool.query({
        name: "beklijf-write-statement-group",
        text: WRITE_GROUP,
        values: [
          JSON.stringify(rows),
          JSON.stringify(
            handOffs.map((entry) => ({
              tenant_id: entry.tenantId,
              queue: entry.queue,
              job_name: entry.jobName,
              job_id: entry.jobId,
              payload: entry.payload,
            })),
          ),
        ],
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === DIVISION_BY_ZERO)
        return "retry";
      throw error;
    }
    for (const pending of group)
      pending.resolve({
        ids: pending.request.statements.map((s) => s.id),
        newIds: newIds.get(pending) ?? [],
      });
    options.onCommitted(handOffs);
    return "done";
  };

  return {
    write: (request) =>
      new Promise<StoreStatementsResult>((resolve, reject) => {
        waiting.push({ request, resolve, reject });
        waitingStatements += request.statements.length;
        pump();
      }),
    markDispatched: async (jobIds) => {
      if (jobIds.length === 0) return;
      await pool.query({
        name: "beklijf-mark-outbox-dispatched",
        text: "UPDATE outbox_events SET dispatched_at = now() WHERE job_id = ANY($1::text[]) AND dispatched_at IS NULL",
        values: [jobIds],
      });
    },
    close: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await pool.end();
    },
  };
}

/** Requests the fast path leaves to storeStatements: repeated ids inside them, or voiding. */
function needsSlowPath(request: WriteRequest): boolean {
  const [only] = request.statements;
  if (request.statements.length === 1 && only !== undefined)
    return only.verbId === VOIDED;
  const ids = new Set<string>();
  for (const statement of request.statements) {
    if (ids.has(statement.id) || statement.verbId === VOIDED) return true;
    ids.add(statement.id);
  }
  return false;
}
