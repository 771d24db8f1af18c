import { createHash } from "node:crypto";

import { ConflictError } from "@beklijf/core";

import type { DbClient, PrismaClient } from "../client";
import { skippedStepId, skippedStepsOf } from "./plans";

export interface PersonView {
  readonly id: string;
  readonly tenantId: string;
  readonly externalId?: string | null;
  readonly email: string | null;
  readonly name: string | null;
  readonly givenName: string | null;
  readonly locale: string;
  readonly timeZone: string;
  readonly active: boolean;
  readonly managerId?: string | null;
  readonly teamLeadId?: string | null;
}

/** The identity kinds of xAPI's inverse functional identifiers, as stored in PersonIdentity. */
export type IdentityKind = "mbox" | "mbox_sha1sum" | "openid" | "account";

/** `mbox_sha1sum` of an email address: sha1 of its mailto IRI, in lower-case hex (xAPI 2.4.2.3). */
export function mboxSha1sum(email: string): string {
  return createHash("sha1")
    .update(`mailto:${email.toLowerCase()}`)
    .digest("hex");
}

/**
 * The normalised identities ("kind", "value") of a person, as statements' actor keys name them
 * (`@beklijf/xapi` actorKey: "mbox:mailto:x", "account:<homePage>|<name>", ...). An email gives
 * both its mbox and its mbox_sha1sum.
 */
export function identitiesOf(person: {
  email?: string | null | undefined;
  accounts?: readonly { homePage: string; name: string }[] | undefined;
  openids?: readonly string[] | undefined;
}): { kind: IdentityKind; value: string }[] {
  const out: { kind: IdentityKind; value: string }[] = [];
  if (person.email != null) {
    const email = person.email.toLowerCase();
    out.push({ kind: "mbox", value: `mailto:${email}` });
    out.push({ kind: "mbox_sha1sum", value: mboxSha1sum(email) });
  }
  for (const account of person.accounts ?? [])
    out.push({
      kind: "account",
      value: `${account.homePage}|${account.name}`,
    });
  for (const openid of person.openids ?? [])
    out.push({ kind: "openid", value: openid });
  return out;
}

/** The person with this normalised identity ("mbox", "mailto:anna@x.nl"), if any. */
export async function findPersonByIdentity(
  db: DbClient,
  tenantId: string,
  kind: string,
  value: string,
): Promise<PersonView | null> {
  const identity = await db.personIdentity.findUnique({
    where: { tenantId_kind_value: { tenantId, kind, value } },
    include: { person: true },
  });
  return identity?.person ?? null;
}

/**
 * An actor with an mbox is a known recipient even before any import: find them, or create them
 * with the tenant's default locale and time zone. Safe under concurrency (unique constraints decide).
 */
export async function ensurePersonForMbox(
  db: DbClient,
  input: {
    tenantId: string;
    email: string;
    name: string | undefined;
    locale: string;
    timeZone: string;
  },
): Promise<PersonView> {
  const email = input.email.toLowerCase();
  const people = await ensurePeopleForMboxes(db, {
    tenantId: input.tenantId,
    people: [{ email, name: input.name ?? null }],
    locale: input.locale,
    timeZone: input.timeZone,
  });
  const person = people.get(email);
  if (person === undefined)
    throw new Error("the person upsert returned no row");
  return person;
}

/**
 * The learners behind mbox actors, created when missing (tenant defaults for locale and zone),
 * by lower-cased email: `ensurePersonForMbox` for many in one statement. Unique constraints
 * decide under concurrency; an existing person is returned untouched.
 */
export async function ensurePeopleForMboxes(
  db: DbClient,
  input: {
    tenantId: string;
    people: readonly { email: string; name: string | null }[];
    locale: string;
    timeZone: string;
  },
): Promise<Map<string, PersonView>> {
  const byEmail = new Map<string, { email: string; name: string | null }>();
  for (const person of input.people) {
    const email = person.email.toLowerCase();
    if (!byEmail.has(email)) byEmail.set(email, { email, name: person.name });
  }
  if (byEmail.size === 0) return new Map();
  const rows = [...byEmail.values()].map((person) => ({
    email: person.email,
    name: person.name,
    given_name: person.name?.split(/\s+/)[0] ?? null,
    mbox: `mailto:${person.email}`,
    sha1: mboxSha1sum(person.email),
  }));
  const people = await db.$queryRaw<PersonRow[]>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
        email text, name text, given_name text, mbox text, sha1 text)
    ), person AS (
      INSERT INTO people (id, tenant_id, email, name, given_name, locale, time_zone, updated_at)
      SELECT gen_random_uuid(), ${input.tenantId}::uuid, email, name, given_name,
             ${input.locale}, ${input.timeZone}, now()
        FROM input
      ON CONFLICT (tenant_id, email) DO UPDATE SET email = people.email
      RETURNING *
    ), identities AS (
      INSERT INTO person_identities (id, tenant_id, person_id, kind, value)
      SELECT gen_random_uuid(), person.tenant_id, person.id, v.kind, v.value
        FROM person
        JOIN input ON input.email = person.email
        CROSS JOIN LATERAL (VALUES ('mbox', input.mbox), ('mbox_sha1sum', input.sha1))
             AS v (kind, value)
      ON CONFLICT (tenant_id, kind, value) DO NOTHING
    )
    SELECT id::text, tenant_id::text, external_id, email, name, given_name, locale, time_zone,
           active, manager_id::text, team_lead_id::text
      FROM person`;
  return new Map(
    people.map((row) => [
      row.email ?? "",
      {
        id: row.id,
        tenantId: row.tenant_id,
        externalId: row.external_id,
        email: row.email,
        name: row.name,
        givenName: row.given_name,
        locale: row.locale,
        timeZone: row.time_zone,
        active: row.active,
        managerId: row.manager_id,
        teamLeadId: row.team_lead_id,
      },
    ]),
  );
}

interface PersonRow {
  id: string;
  tenant_id: string;
  external_id: string | null;
  email: string | null;
  name: string | null;
  given_name: string | null;
  locale: string;
  time_zone: string;
  active: boolean;
  manager_id: string | null;
  team_lead_id: string | null;
}

/** A person as the directory API and import write them. */
export interface PersonInput {
  readonly externalId?: string | undefined;
  readonly email?: string | undefined;
  readonly name?: string | undefined;
  readonly givenName?: string | undefined;
  readonly locale?: string | undefined;
  readonly timeZone?: string | undefined;
  readonly active?: boolean | undefined;
  /** Their manager's person id (resolve external ids and emails with `findPersonByRef`). */
  readonly managerId?: string | null | undefined;
  readonly teamLeadId?: string | null | undefined;
  readonly accounts?: readonly { homePage: string; name: string }[] | undefined;
  readonly openids?: readonly string[] | undefined;
}

export interface UpsertedPerson {
  readonly person: PersonView;
  readonly created: boolean;
  /** Statements of this person's identities that waited for a directory entry; now theirs. */
  readonly pendingStatementIds: string[];
}

/**
 * Creates or updates a person, matched by external id, else by email, with their identities
 * (mbox and mbox_sha1sum from the email, accounts, openids). Statements that waited for one of
 * those identities are linked to the person and marked unprocessed, so the engine plans them (the
 * caller hands them to the engine after commit; the reconciler does it otherwise). One
 * transaction: a conflict (identity or email of another person) leaves nothing written.
 */
export async function upsertPerson(
  db: PrismaClient,
  input: {
    tenantId: string;
    person: PersonInput;
    defaults: { locale: string; timeZone: string };
  },
): Promise<UpsertedPerson> {
  return db.$transaction((tx) => upsertPersonIn(tx, input));
}

/** `upsertPerson` inside the caller's transaction. */
export async function upsertPersonIn(
  tx: DbClient,
  input: {
    tenantId: string;
    person: PersonInput;
    defaults: { locale: string; timeZone: string };
  },
): Promise<UpsertedPerson> {
  const { tenantId, person: data } = input;
  const email = data.email?.toLowerCase();
  if (data.externalId === undefined && email === undefined)
    throw new ConflictError(
      "A person needs an externalId or an email to be matched on.",
      "PERSON_KEY_MISSING",
    );
  const byExternal =
    data.externalId === undefined
      ? null
      : await tx.person.findUnique({
          where: {
            tenantId_externalId: { tenantId, externalId: data.externalId },
          },
        });
  const byEmail =
    email === undefined
      ? null
      : await tx.person.findUnique({
          where: { tenantId_email: { tenantId, email } },
        });
  if (byExternal !== null && byEmail !== null && byExternal.id !== byEmail.id)
    throw new ConflictError(
      `email ${email ?? ""} belongs to another person than externalId ${data.externalId ?? ""}`,
      "PERSON_EMAIL_TAKEN",
    );
  const existing = byExternal ?? byEmail;
  if (
    existing !== null &&
    data.externalId !== undefined &&
    existing.externalId !== null &&
    existing.externalId !== data.externalId
  )
    throw new ConflictError(
      `email ${email ?? ""} belongs to the person with externalId ${existing.externalId}`,
      "PERSON_EMAIL_TAKEN",
    );
  const fields = {
    ...(data.externalId === undefined ? {} : { externalId: data.externalId }),
    ...(email === undefined ? {} : { email }),
    ...(data.name === undefined ? {} : { name: data.name }),
    ...(data.givenName === undefined ? {} : { givenName: data.givenName }),
    ...(data.locale === undefined ? {} : { locale: data.locale }),
    ...(data.timeZone === undefined ? {} : { timeZone: data.timeZone }),
    ...(data.active === undefined ? {} : { active: data.active }),
    ...(data.managerId === undefined ? {} : { managerId: data.managerId }),
    ...(data.teamLeadId === undefined ? {} : { teamLeadId: data.teamLeadId }),
  };
  const person =
    existing === null
      ? await tx.person.create({
          data: {
            tenantId,
            locale: input.defaults.locale,
            timeZone: input.defaults.timeZone,
            ...fields,
          },
        })
      : await tx.person.update({ where: { id: existing.id }, data: fields });
  if (person.managerId === person.id || person.teamLeadId === person.id)
    throw new ConflictError(
      "a person cannot be their own manager or team lead",
      "PERSON_SELF_REFERENCE",
    );
  // An email change replaces the identities derived from the old address.
  if (email !== undefined)
    await tx.personIdentity.deleteMany({
      where: {
        personId: person.id,
        kind: { in: ["mbox", "mbox_sha1sum"] },
        value: { notIn: identitiesOf({ email }).map((i) => i.value) },
      },
    });
  const identities = identitiesOf({
    email: person.email,
    accounts: data.accounts,
    openids: data.openids,
  });
  for (const identity of identities) {
    const owner = await tx.personIdentity.findUnique({
      where: { tenantId_kind_value: { tenantId, ...identity } },
    });
    if (owner !== null && owner.personId !== person.id)
      throw new ConflictError(
        `identity ${identity.kind} ${identity.value} belongs to another person`,
        "PERSON_IDENTITY_TAKEN",
      );
    if (owner === null)
      await tx.personIdentity.create({
        data: { tenantId, personId: person.id, ...identity },
      });
  }
  const keys = (
    await tx.personIdentity.findMany({
      where: { personId: person.id },
      select: { kind: true, value: true },
    })
  ).map((identity) => `${identity.kind}:${identity.value}`);
  const pending = await tx.statement.findMany({
    where: { tenantId, personId: null, actorKey: { in: keys } },
    select: { id: true, stored: true },
  });
  const pendingStatementIds = pending.map((statement) => statement.id);
  if (pendingStatementIds.length > 0) {
    // Linked, and the engine's work again: it plans them for this person now.
    await tx.statement.updateMany({
      where: { tenantId, id: { in: pendingStatementIds } },
      data: { personId: person.id },
    });
    await tx.pendingStatement.createMany({
      data: pending.map((statement) => ({
        tenantId,
        statementId: statement.id,
        stored: statement.stored,
      })),
      skipDuplicates: true,
    });
  }
  return { person, created: existing === null, pendingStatementIds };
}

/** The person a reference names: their external id, else their email. */
export async function findPersonByRef(
  db: DbClient,
  tenantId: string,
  ref: string,
): Promise<PersonView | null> {
  return (
    (await db.person.findUnique({
      where: { tenantId_externalId: { tenantId, externalId: ref } },
    })) ??
    (ref.includes("@")
      ? await db.person.findUnique({
          where: { tenantId_email: { tenantId, email: ref.toLowerCase() } },
        })
      : null)
  );
}

/** People whose name, email or external id contains `q` (case-insensitive), by name. */
export async function listPeople(
  db: DbClient,
  input: { tenantId: string; q?: string | undefined; limit: number },
): Promise<PersonView[]> {
  const q = input.q?.trim();
  return db.person.findMany({
    where: {
      tenantId: input.tenantId,
      ...(q === undefined || q === ""
        ? {}
        : {
            OR: [
              { name: { contains: q, mode: "insensitive" } },
              { email: { contains: q, mode: "insensitive" } },
              { externalId: { contains: q, mode: "insensitive" } },
            ],
          }),
    },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: input.limit,
  });
}

/**
 * A person with their identities and their timeline: every nudge of their plans and every nudge
 * to them (as manager or team lead), planned, sent, cancelled or skipped, with the reason.
 */
export async function getPersonWithTimeline(
  db: DbClient,
  tenantId: string,
  id: string,
) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const person = await db.person.findFirst({
    where: { id, tenantId },
    include: {
      identities: { select: { kind: true, value: true } },
      preference: true,
    },
  });
  if (person === null) return null;
  const planInclude = {
    personId: true,
    status: true,
    ruleVersion: {
      select: { version: true, rule: { select: { key: true } } },
    },
    trigger: { select: { objectId: true, verbId: true } },
  } as const;
  const [rows, plans] = await Promise.all([
    db.plannedNudge.findMany({
      where: {
        tenantId,
        OR: [{ recipientPersonId: id }, { plan: { personId: id } }],
      },
      include: {
        plan: { select: planInclude },
        delivery: { select: { status: true, sentAt: true } },
      },
      orderBy: [{ dueAt: "asc" }, { id: "asc" }],
      take: TIMELINE_LIMIT,
    }),
    // Steps left out when a plan started are kept on the plan (ADR 0014).
    db.plan.findMany({
      where: { tenantId, personId: id },
      select: {
        id: true,
        startedAt: true,
        skippedSteps: true,
        ...planInclude,
      },
      orderBy: { startedAt: "asc" },
      take: TIMELINE_LIMIT,
    }),
  ]);
  const skipped: typeof rows = plans.flatMap((plan) =>
    skippedStepsOf(plan.skippedSteps).map((step) => ({
      id: skippedStepId(plan.id, step.stepKey),
      tenantId,
      planId: plan.id,
      jobId: "",
      stepKey: step.stepKey,
      recipientKind: step.recipientKind,
      recipientPersonId: null,
      recipientAddress: null,
      template: step.template,
      dueAt: plan.startedAt,
      status: "skipped",
      reason: step.reason,
      firedAt: plan.startedAt,
      mergedIntoDeliveryId: null,
      createdAt: plan.startedAt,
      plan: {
        personId: plan.personId,
        status: plan.status,
        ruleVersion: plan.ruleVersion,
        trigger: plan.trigger,
      },
      delivery: null,
    })),
  );
  const nudges = [...rows, ...skipped]
    .sort(
      (a, b) =>
        a.dueAt.getTime() - b.dueAt.getTime() || a.id.localeCompare(b.id),
    )
    .slice(0, TIMELINE_LIMIT);
  return { person, nudges };
}

/** Entries of a person's timeline at most, earliest first. */
const TIMELINE_LIMIT = 500;

export interface UnknownLearners {
  readonly connectionId: string | null;
  /** Distinct actor keys with statements but no directory entry. */
  readonly learners: number;
  readonly statements: number;
  /** Up to `sampleSize` of them, most recent first. */
  readonly sample: {
    actorKey: string;
    statements: number;
    lastStoredAt: Date;
  }[];
}

/**
 * "Statements for N unknown learners", per connection: actors known only by account, openid or
 * mbox_sha1sum that no directory entry maps to yet. Importing them plans their statements.
 */
export async function listUnknownLearners(
  db: DbClient,
  tenantId: string,
  sampleSize = 20,
): Promise<UnknownLearners[]> {
  const rows = await db.$queryRaw<
    {
      connection_id: string | null;
      actor_key: string;
      statements: bigint;
      last_stored: Date;
    }[]
  >`
    SELECT connection_id, actor_key, count(*) AS statements, max(stored) AS last_stored
    FROM statements
    WHERE tenant_id = ${tenantId}::uuid AND person_id IS NULL
      AND actor_key NOT LIKE 'mbox:%' AND actor_key NOT LIKE 'group:%'
    GROUP BY connection_id, actor_key
    ORDER BY last_stored DESC`;
  const byConnection = new Map<string | null, UnknownLearners>();
  for (const row of rows) {
    const entry = byConnection.get(row.connection_id) ?? {
      connectionId: row.connection_id,
      learners: 0,
      statements: 0,
      sample: [],
    };
    const statements = Number(row.statements);
    byConnection.set(row.connection_id, {
      ...entry,
      learners: entry.learners + 1,
      statements: entry.statements + statements,
      sample:
        entry.sample.length < sampleSize
          ? [
              ...entry.sample,
              {
                actorKey: row.actor_key,
                statements,
                lastStoredAt: row.last_stored,
              },
            ]
          : entry.sample,
    });
  }
  return [...byConnection.values()];
}

/** The person a statement's actor key names, without creating anyone (the simulation). */
export async function resolveLearnerReadOnly(
  db: DbClient,
  tenantId: string,
  actorKey: string,
): Promise<PersonView | null> {
  const separator = actorKey.indexOf(":");
  return findPersonByIdentity(
    db,
    tenantId,
    actorKey.slice(0, separator),
    actorKey.slice(separator + 1),
  );
}
