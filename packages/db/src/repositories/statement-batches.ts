import type { DbClient } from "../client";
import type { PersonView } from "./people";

/** A stored statement the engine has not finished, with its learner when an identity names them. */
export interface UnprocessedStatement {
  readonly tenantId: string;
  readonly id: string;
  readonly actorKey: string;
  readonly personId: string | null;
  readonly verbId: string;
  readonly objectId: string;
  readonly activityType: string | null;
  readonly registration: string | null;
  readonly timestamp: Date;
  readonly voided: boolean;
  /** The name of the connection it came in through (rules may filter on it). */
  readonly connection: string | null;
  /** The actor's `name`, to name a learner created from an mbox. */
  readonly actorName: string | null;
  /** The statement's JSON: only for the verbs asked for (the others never need it). */
  readonly raw: unknown;
  readonly learner: PersonView | null;
}

interface Row {
  tenantId: string;
  id: string;
  actorKey: string;
  personId: string | null;
  verbId: string;
  objectId: string;
  activityType: string | null;
  registration: string | null;
  timestamp: Date;
  voided: boolean;
  connection: string | null;
  actorName: string | null;
  raw: unknown;
  p_id: string | null;
  p_external_id: string | null;
  p_email: string | null;
  p_name: string | null;
  p_given_name: string | null;
  p_locale: string | null;
  p_time_zone: string | null;
  p_active: boolean | null;
  p_manager_id: string | null;
  p_team_lead_id: string | null;
}

/** What `takeStatements` finished at once, and what it left to the engine. */
export interface TakenStatements {
  /** Statements it marked processed: no rule can start or stop anything on them. */
  readonly finished: number;
  /** Of those, statements whose learner needs a directory entry first. */
  readonly waiting: number;
  /** The others, not processed yet, in the order of `ids`. */
  readonly statements: UnprocessedStatement[];
}

interface TakeRow {
  finished: number | bigint;
  waiting: number | bigint;
  statements: (Omit<Row, "timestamp"> & { timestamp: string; n: number })[];
}

const VOIDED = "http://adlnet.gov/expapi/verbs/voided";

/**
 * A slice of statements for the engine, in one round trip. Those not processed yet (with a
 * pending_statements row, ADR 0011) that no rule can start or stop anything on (voided before
 * the engine got to them, or with a verb outside `verbsThatMatter` and a learner that is known or
 * that no mbox names) are finished at once: their pending row is deleted, and they are linked to
 * their learner where the statement was stored before the directory knew them. Most statements
 * end here, and for a learner known when it was stored that is all: no write of the statement
 * row. The others come back in the order of `ids`, each with the person one of the directory's
 * identities names as its actor, the name of its connection and, as only they can need it, the
 * raw JSON. A pending row whose statement is gone is deleted too.
 */
export async function takeStatements(
  db: DbClient,
  input: {
    tenantId: string;
    ids: readonly string[];
    verbsThatMatter: readonly string[];
  },
): Promise<TakenStatements> {
  if (input.ids.length === 0)
    return { finished: 0, waiting: 0, statements: [] };
  const rows = await db.$queryRaw<TakeRow[]>`
    WITH x AS (
      SELECT DISTINCT ON (id) id, n
        FROM unnest(${[...input.ids]}::uuid[]) WITH ORDINALITY AS x(id, n)
       ORDER BY id, n
    ),
    slice AS (
      SELECT x.id, x.n FROM x
        JOIN pending_statements w ON w.tenant_id = ${input.tenantId}::uuid AND w.statement_id = x.id
    ),
    unprocessed AS (
      -- A subquery per statement, so each probes the identities' unique index; as a join, the
      -- planner may hash the tenant's whole directory for every slice.
      SELECT s.*, x.n,
             (SELECT i.person_id FROM person_identities i
               WHERE i.tenant_id = s.tenant_id
                 AND i.kind = split_part(s.actor_key, ':', 1)
                 AND i.value = substr(s.actor_key, strpos(s.actor_key, ':') + 1)) AS learner_id
        FROM slice x
        JOIN statements s ON s.tenant_id = ${input.tenantId}::uuid AND s.id = x.id
    ),
    plain AS (
      SELECT id, learner_id, person_id, voided FROM unprocessed
       WHERE voided
          OR (verb_id <> ALL(${[...input.verbsThatMatter, VOIDED]}::text[])
              AND (learner_id IS NOT NULL OR actor_key NOT LIKE 'mbox:mailto:%'))
    ),
    done AS (
      -- = ANY(ARRAY(...)) keeps this a primary-key lookup whatever the statistics say: as IN
      -- (subquery), a planner that had last seen the table nearly empty hashed every pending row
      -- of the tenant for each slice, which made a backlog of 100,000 ten times slower.
      DELETE FROM pending_statements w
       WHERE w.tenant_id = ${input.tenantId}::uuid
         AND w.statement_id = ANY(ARRAY(
           SELECT id FROM plain
           UNION ALL
           SELECT id FROM slice WHERE id NOT IN (SELECT id FROM unprocessed)))
      RETURNING w.statement_id AS id
    ),
    finished AS (
      SELECT p.* FROM plain p JOIN done d USING (id)
    ),
    linked AS (
      -- Only the rows to change, by primary key (as a join with finished, the planner hashed
      -- the tenant's every statement for each slice, even when nothing was to change).
      UPDATE statements s
         SET person_id = (SELECT f.learner_id FROM finished f WHERE f.id = s.id)
       WHERE s.tenant_id = ${input.tenantId}::uuid
         AND s.id = ANY(ARRAY(
           SELECT id FROM finished
            WHERE learner_id IS NOT NULL AND person_id IS DISTINCT FROM learner_id))
    )
    SELECT
      (SELECT count(*) FROM finished) AS finished,
      (SELECT count(*) FROM finished
        WHERE coalesce(learner_id, person_id) IS NULL AND NOT voided) AS waiting,
      (SELECT coalesce(json_agg(json_build_object(
                'n', u.n, 'tenantId', u.tenant_id, 'id', u.id, 'actorKey', u.actor_key,
                'personId', u.person_id, 'verbId', u.verb_id, 'objectId', u.object_id,
                'activityType', u.activity_type, 'registration', u.registration,
                'timestamp', u.timestamp, 'voided', u.voided, 'connection', c.name,
                'actorName', u.raw->'actor'->>'name', 'raw', u.raw,
                'p_id', p.id, 'p_external_id', p.external_id, 'p_email', p.email,
                'p_name', p.name, 'p_given_name', p.given_name, 'p_locale', p.locale,
                'p_time_zone', p.time_zone, 'p_active', p.active,
                'p_manager_id', p.manager_id, 'p_team_lead_id', p.team_lead_id)
              ORDER BY u.n), '[]'::json)
         FROM unprocessed u
         LEFT JOIN connections c ON c.id = u.connection_id
         LEFT JOIN people p ON p.id = u.learner_id
        WHERE u.id NOT IN (SELECT id FROM plain)
      ) AS statements`;
  const row = rows[0];
  return {
    finished: Number(row?.finished ?? 0),
    waiting: Number(row?.waiting ?? 0),
    statements: (row?.statements ?? []).map((r) => ({
      tenantId: r.tenantId,
      id: r.id,
      actorKey: r.actorKey,
      personId: r.personId,
      verbId: r.verbId,
      objectId: r.objectId,
      activityType: r.activityType,
      registration: r.registration,
      timestamp: new Date(r.timestamp),
      voided: r.voided,
      connection: r.connection,
      actorName: r.actorName,
      raw: r.raw,
      learner:
        r.p_id === null
          ? null
          : {
              id: r.p_id,
              tenantId: r.tenantId,
              externalId: r.p_external_id,
              email: r.p_email,
              name: r.p_name,
              givenName: r.p_given_name,
              locale: r.p_locale ?? "",
              timeZone: r.p_time_zone ?? "",
              active: r.p_active === true,
              managerId: r.p_manager_id,
              teamLeadId: r.p_team_lead_id,
            },
    })),
  };
}

/**
 * The engine is done with these statements: deletes their pending rows and links each to its
 * learner where given and not linked yet, in one statement.
 */
export async function finishStatements(
  db: DbClient,
  input: {
    tenantId: string;
    statements: readonly { id: string; personId?: string | undefined }[];
  },
): Promise<void> {
  if (input.statements.length === 0) return;
  await db.$executeRaw`
    WITH x AS (
      SELECT * FROM unnest(${input.statements.map((s) => s.id)}::uuid[],
                           ${input.statements.map((s) => s.personId ?? null)}::uuid[])
               AS x(id, person_id)
    ),
    done AS (
      DELETE FROM pending_statements w
       WHERE w.tenant_id = ${input.tenantId}::uuid
         AND w.statement_id = ANY(${input.statements.map((s) => s.id)}::uuid[])
    )
    UPDATE statements s SET person_id = x.person_id
      FROM x
     WHERE s.tenant_id = ${input.tenantId}::uuid AND s.id = x.id
       AND s.id = ANY(${input.statements.filter((s) => s.personId !== undefined).map((s) => s.id)}::uuid[])
       AND x.person_id IS NOT NULL AND s.person_id IS DISTINCT FROM x.person_id`;
}
