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

/**
 * The statements of `ids` that are stored and not processed yet, in the order of `ids`, each with
 * the person whose identity is its actor: one round trip for a whole slice. The raw JSON is read
 * only for `rawForVerbs` (the verbs some rule starts or stops on).
 */
export async function loadUnprocessedStatements(
  db: DbClient,
  input: {
    tenantId: string;
    ids: readonly string[];
    rawForVerbs: readonly string[];
  },
): Promise<UnprocessedStatement[]> {
  if (input.ids.length === 0) return [];
  const rows = await db.$queryRaw<Row[]>`
    SELECT s.tenant_id::text AS "tenantId", s.id::text AS "id", s.actor_key AS "actorKey",
           s.person_id::text AS "personId", s.verb_id AS "verbId", s.object_id AS "objectId",
           s.activity_type AS "activityType", s.registration::text AS "registration",
           s.timestamp AS "timestamp", s.voided AS "voided", c.name AS "connection",
           s.raw->'actor'->>'name' AS "actorName",
           CASE WHEN s.verb_id = ANY(${[...input.rawForVerbs]}::text[]) THEN s.raw END AS "raw",
           p.id::text AS p_id, p.external_id AS p_external_id, p.email AS p_email,
           p.name AS p_name, p.given_name AS p_given_name, p.locale AS p_locale,
           p.time_zone AS p_time_zone, p.active AS p_active,
           p.manager_id::text AS p_manager_id, p.team_lead_id::text AS p_team_lead_id
      FROM unnest(${[...input.ids]}::uuid[]) WITH ORDINALITY AS x(id, n)
      JOIN statements s ON s.tenant_id = ${input.tenantId}::uuid AND s.id = x.id
      LEFT JOIN connections c ON c.id = s.connection_id
      LEFT JOIN person_identities i
        ON i.tenant_id = s.tenant_id
       AND i.kind = split_part(s.actor_key, ':', 1)
       AND i.value = substr(s.actor_key, strpos(s.actor_key, ':') + 1)
      LEFT JOIN people p ON p.id = i.person_id
     WHERE s.processed_at IS NULL
     ORDER BY x.n`;
  const seen = new Set<string>();
  const out: UnprocessedStatement[] = [];
  for (const row of rows) {
    // An id given twice is one statement.
    if (seen.has(row.id)) continue;
    seen.add(row.id);
    out.push({
      tenantId: row.tenantId,
      id: row.id,
      actorKey: row.actorKey,
      personId: row.personId,
      verbId: row.verbId,
      objectId: row.objectId,
      activityType: row.activityType,
      registration: row.registration,
      timestamp: new Date(row.timestamp),
      voided: row.voided,
      connection: row.connection,
      actorName: row.actorName,
      raw: row.raw,
      learner:
        row.p_id === null
          ? null
          : {
              id: row.p_id,
              tenantId: row.tenantId,
              externalId: row.p_external_id,
              email: row.p_email,
              name: row.p_name,
              givenName: row.p_given_name,
              locale: row.p_locale ?? "",
              timeZone: row.p_time_zone ?? "",
              active: row.p_active === true,
              managerId: row.p_manager_id,
              teamLeadId: row.p_team_lead_id,
            },
    });
  }
  return out;
}

/**
 * The engine is done with these statements: marks them processed and links each to its learner
 * where given, in one update.
 */
export async function finishStatements(
  db: DbClient,
  input: {
    tenantId: string;
    at: Date;
    statements: readonly { id: string; personId?: string | undefined }[];
  },
): Promise<void> {
  if (input.statements.length === 0) return;
  await db.$executeRaw`
    UPDATE statements s
       SET processed_at = ${input.at}, person_id = coalesce(x.person_id, s.person_id)
      FROM unnest(${input.statements.map((s) => s.id)}::uuid[],
                  ${input.statements.map((s) => s.personId ?? null)}::uuid[]) AS x(id, person_id)
     WHERE s.tenant_id = ${input.tenantId}::uuid AND s.id = x.id`;
}
