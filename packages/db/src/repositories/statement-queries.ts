import { assertNever } from "@beklijf/core";
import { actorKey } from "@beklijf/xapi";

import { type DbClient, Prisma } from "../client";

/** An inverse functional identifier to filter on; mbox and mbox_sha1sum are lower-cased. */
export type AgentIdentifier =
  | { readonly kind: "mbox"; readonly value: string }
  | { readonly kind: "mbox_sha1sum"; readonly value: string }
  | { readonly kind: "openid"; readonly value: string }
  | {
      readonly kind: "account";
      readonly homePage: string;
      readonly name: string;
    };

/** Where a query continues: the last statement of the page before, in the query's order. */
export interface StatementCursor {
  readonly stored: Date;
  readonly id: string;
}

/**
 * The filters of GET /xapi/statements (xAPI 1.0.3 Communication 2.1.3), always within one tenant.
 * `since` is exclusive and `until` inclusive, both on `stored`.
 */
export interface StatementQuery {
  readonly tenantId: string;
  readonly agent?: AgentIdentifier;
  /** Match the agent also as authority, instructor, team and inside a SubStatement. */
  readonly relatedAgents?: boolean;
  readonly verbId?: string;
  readonly activityId?: string;
  /** Match the activity also in context activities and inside a SubStatement. */
  readonly relatedActivities?: boolean;
  readonly registration?: string;
  readonly since?: Date;
  readonly until?: Date;
  /** Oldest first; the default is newest first. */
  readonly ascending?: boolean;
  /** Statements per page (at least 1). */
  readonly limit: number;
  readonly after?: StatementCursor;
}

/** A stored statement as read back, with the key of the connection that sent it. */
export interface StoredStatement {
  readonly id: string;
  readonly stored: Date;
  readonly raw: Prisma.JsonValue;
  readonly connectionKey: string | null;
}

export interface StatementPage {
  readonly statements: StoredStatement[];
  /** Where the next page starts; undefined when this page is the last. */
  readonly next: StatementCursor | undefined;
}

// A statement whose object is a StatementRef matches a (non-time) filter when the statement it
// targets does, recursively (xAPI 1.0.3 Communication 2.1.3 "Filter Conditions for
// StatementRefs"). Each statement targets at most one other, so the walk is a chain; the bound
// only guards against reference cycles.
const MAX_REF_DEPTH = 16;

const AGENT_OR_GROUP = `(@.objectType == "Agent" || @.objectType == "Group")`;
const SUB = `$.object ? (@.objectType == "SubStatement")`;
const ACTIVITY = `(!(exists(@.objectType)) || @.objectType == "Activity")`;

/** Where the agent filter looks; Groups match through their members too. */
const AGENT_PATHS = [
  "$.actor",
  "$.actor.member[*]",
  `$.object ? ${AGENT_OR_GROUP}`,
  `$.object ? ${AGENT_OR_GROUP}.member[*]`,
];
const RELATED_AGENT_PATHS = [
  ...AGENT_PATHS,
  "$.authority",
  "$.authority.member[*]",
  "$.context.instructor",
  "$.context.instructor.member[*]",
  "$.context.team",
  "$.context.team.member[*]",
  `${SUB}.actor`,
  `${SUB}.actor.member[*]`,
  `${SUB}.object ? ${AGENT_OR_GROUP}`,
  `${SUB}.object ? ${AGENT_OR_GROUP}.member[*]`,
  `${SUB}.context.instructor`,
  `${SUB}.context.instructor.member[*]`,
  `${SUB}.context.team`,
  `${SUB}.context.team.member[*]`,
];
/** Context activities may be an array or (xAPI 1.0.0) a single object; lax mode reads both. */
const RELATED_ACTIVITY_PATHS = [
  `$.object ? ${ACTIVITY}`,
  "$.context.contextActivities.*[*]",
  `${SUB}.object ? ${ACTIVITY}`,
  `${SUB}.context.contextActivities.*[*]`,
];

/**
 * One page of a tenant's statements that are not voided and match `query`, in `stored` order
 * (newest first unless ascending), ties broken by id so paging never skips or repeats.
 */
export async function queryStatements(
  db: DbClient,
  query: StatementQuery,
): Promise<StatementPage> {
  const { tenantId } = query;
  const conditions: Prisma.Sql[] = [
    Prisma.sql`s.tenant_id = ${tenantId}::uuid`,
    Prisma.sql`NOT s.voided`,
  ];
  if (query.since !== undefined)
    conditions.push(Prisma.sql`s.stored > ${query.since}`);
  if (query.until !== undefined)
    conditions.push(Prisma.sql`s.stored <= ${query.until}`);
  if (query.after !== undefined)
    conditions.push(
      query.ascending === true
        ? Prisma.sql`(s.stored, s.id) > (${query.after.stored}, ${query.after.id}::uuid)`
        : Prisma.sql`(s.stored, s.id) < (${query.after.stored}, ${query.after.id}::uuid)`,
    );
  const own = filterConditions(query, "s");
  if (own.length > 0)
    conditions.push(Prisma.sql`(
      (${Prisma.join(own, " AND ")})
      OR (s.raw->'object'->>'objectType' = 'StatementRef' AND ${chainMatches(query)})
    )`);
  const direction = Prisma.raw(query.ascending === true ? "ASC" : "DESC");
  const rows = await db.$queryRaw<StoredStatement[]>`
    SELECT s.id::text AS id, s.stored, s.raw, c.key AS "connectionKey"
    FROM statements s
    LEFT JOIN connections c ON c.id = s.connection_id
    WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY s.stored ${direction}, s.id ${direction}
    LIMIT ${query.limit + 1}`;
  const statements = rows.slice(0, query.limit);
  const last = statements.at(-1);
  return {
    statements,
    next:
      rows.length > query.limit && last !== undefined
        ? { stored: last.stored, id: last.id }
        : undefined,
  };
}

/**
 * Whether each filter holds for some statement of the chain that starts at `s` and follows its
 * StatementRef: the statement itself, the one it targets, and so on.
 */
function chainMatches(query: StatementQuery): Prisma.Sql {
  return Prisma.sql`(
    WITH RECURSIVE chain AS (
      SELECT s.raw, s.verb_id, s.object_id, s.registration, s.actor_key, 0 AS depth
      UNION ALL
      SELECT t.raw, t.verb_id, t.object_id, t.registration, t.actor_key, chain.depth + 1
      FROM chain
      JOIN statements t
        ON t.tenant_id = ${query.tenantId}::uuid
       AND t.id = (CASE WHEN chain.object_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                        THEN chain.object_id::uuid END)
      WHERE chain.raw->'object'->>'objectType' = 'StatementRef'
        AND chain.depth < ${MAX_REF_DEPTH}
    )
    SELECT ${Prisma.join(
      filterConditions(query, "chain").map(
        (f) => Prisma.sql`coalesce(bool_or(${f}), false)`,
      ),
      " AND ",
    )}
    FROM chain
  )`;
}

/**
 * Each non-time filter as a condition on one statement row, `s` or a row of the chain. The cheap
 * column tests come first; for the agent, `actor_key` (the actor's normalised identifier) settles
 * the common case before any JSON is read.
 */
function filterConditions(
  query: StatementQuery,
  alias: "s" | "chain",
): Prisma.Sql[] {
  const t = Prisma.raw(alias);
  const filters: Prisma.Sql[] = [];
  if (query.verbId !== undefined)
    filters.push(Prisma.sql`${t}.verb_id = ${query.verbId}`);
  if (query.registration !== undefined)
    filters.push(
      Prisma.sql`${t}.registration = ${query.registration.toLowerCase()}::uuid`,
    );
  if (query.activityId !== undefined)
    filters.push(
      query.relatedActivities === true
        ? Prisma.sql`EXISTS (
            SELECT 1 FROM unnest(${RELATED_ACTIVITY_PATHS}::jsonpath[]) AS p(path),
              LATERAL jsonb_path_query(${t}.raw, p.path) AS x(a)
            WHERE x.a->>'id' = ${query.activityId})`
        : Prisma.sql`(${t}.object_id = ${query.activityId}
            AND coalesce(${t}.raw->'object'->>'objectType', 'Activity') = 'Activity')`,
    );
  if (query.agent !== undefined) {
    const related = query.relatedAgents === true;
    const inJson = Prisma.sql`EXISTS (
      SELECT 1 FROM unnest(${related ? RELATED_AGENT_PATHS : AGENT_PATHS}::jsonpath[]) AS p(path),
        LATERAL jsonb_path_query(${t}.raw, p.path) AS x(a)
      WHERE ${identifierMatches(query.agent)})`;
    // Without related_agents, only the actor, a Group's members or an Agent/Group object can
    // match; the JSON is read only when the actor is a Group or the object an Agent or Group.
    filters.push(
      related
        ? Prisma.sql`(${t}.actor_key = ${actorKeyOf(query.agent)} OR ${inJson})`
        : Prisma.sql`(${t}.actor_key = ${actorKeyOf(query.agent)}
            OR ((${t}.raw->'actor'->>'objectType' = 'Group'
                 OR ${t}.raw->'object'->>'objectType' IN ('Agent', 'Group'))
                AND ${inJson}))`,
    );
  }
  return filters;
}

/** The `actor_key` an actor with this identifier was stored with (see @beklijf/xapi actorKey). */
function actorKeyOf(agent: AgentIdentifier): string {
  switch (agent.kind) {
    case "mbox":
      return actorKey({ mbox: agent.value });
    case "mbox_sha1sum":
      return actorKey({ mbox_sha1sum: agent.value });
    case "openid":
      return actorKey({ openid: agent.value });
    case "account":
      return actorKey({
        account: { homePage: agent.homePage, name: agent.name },
      });
    default:
      return assertNever(agent);
  }
}

/** Agents or identified Groups are equal when they share an inverse functional identifier. */
function identifierMatches(agent: AgentIdentifier): Prisma.Sql {
  switch (agent.kind) {
    case "mbox":
      return Prisma.sql`lower(x.a->>'mbox') = ${agent.value.toLowerCase()}`;
    case "mbox_sha1sum":
      return Prisma.sql`lower(x.a->>'mbox_sha1sum') = ${agent.value.toLowerCase()}`;
    case "openid":
      return Prisma.sql`x.a->>'openid' = ${agent.value}`;
    case "account":
      return Prisma.sql`(x.a->'account'->>'homePage' = ${agent.homePage}
        AND x.a->'account'->>'name' = ${agent.name})`;
    default:
      return assertNever(agent);
  }
}

/**
 * One statement of a tenant by id: a statement that is not voided, or with `voided: true` one
 * that is (GET ?voidedStatementId). Null when there is none in that state.
 */
export async function findStoredStatement(
  db: DbClient,
  input: { tenantId: string; id: string; voided: boolean },
): Promise<StoredStatement | null> {
  const row = await db.statement.findFirst({
    where: { tenantId: input.tenantId, id: input.id, voided: input.voided },
    select: {
      id: true,
      stored: true,
      raw: true,
      connection: { select: { key: true } },
    },
  });
  if (row === null) return null;
  return {
    id: row.id,
    stored: row.stored,
    raw: row.raw,
    connectionKey: row.connection?.key ?? null,
  };
}
