import { isUuid, NotFoundError, ValidationError } from "@beklijf/core";

import type { DbClient, PrismaClient } from "../client";
import { mboxSha1sum } from "./people";

/**
 * How an erasure (and `GET /api/people/:ref`) names a person, without guessing: their id, their
 * email or their external id, each said explicitly.
 */
export type PersonRef =
  | { readonly kind: "id"; readonly id: string }
  | { readonly kind: "email"; readonly email: string }
  | { readonly kind: "external"; readonly externalId: string };

/** The forms `parsePersonRef` reads, for messages and docs. */
export const PERSON_REF_FORMS =
  "the person's id (a UUID), email:<address> or external:<externalId>";

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Reads a person reference: a UUID is the person's id; `email:<address>` (any case) and
 * `external:<externalId>` (exact) name them by directory key. Anything else is refused with a
 * `ValidationError`: PERSON_REF_AMBIGUOUS for anything else that is not empty, such as a bare email
 * or external id (an external id may look like an email or hold a colon, so which one is meant is
 * not guessed), PERSON_REF_INVALID for an empty reference or an empty or malformed value after
 * email: or external:.
 */
export function parsePersonRef(text: string): PersonRef {
  const ref = text.trim();
  const refuse = (message: string, code: string): never => {
    throw new ValidationError(message, [], code);
  };
  if (isUuid(ref)) return { kind: "id", id: ref.toLowerCase() };
  const colon = ref.indexOf(":");
  const prefix = colon < 0 ? undefined : ref.slice(0, colon).toLowerCase();
  const value = colon < 0 ? "" : ref.slice(colon + 1).trim();
  if (prefix === "email") {
    if (!EMAIL.test(value))
      refuse(
        `"${ref}" names no email address: write email:anna@example.com.`,
        "PERSON_REF_INVALID",
      );
    return { kind: "email", email: value.toLowerCase() };
  }
  if (prefix === "external") {
    if (value === "")
      refuse(
        `"${ref}" names no external id: write external:HR-1234.`,
        "PERSON_REF_INVALID",
      );
    return { kind: "external", externalId: value };
  }
  if (ref === "")
    refuse(`Name the person: ${PERSON_REF_FORMS}.`, "PERSON_REF_INVALID");
  return refuse(
    EMAIL.test(ref) && !ref.includes(":")
      ? `"${ref}" could be an email or an external id: write email:${ref} or external:${ref}.`
      : `"${ref}" does not say what it names: write external:${ref} for an external id, or ${PERSON_REF_FORMS}.`,
    "PERSON_REF_AMBIGUOUS",
  );
}

/** The person a reference names in the tenant, if any. */
export async function findPersonByExactRef(
  db: DbClient,
  tenantId: string,
  ref: PersonRef,
) {
  switch (ref.kind) {
    case "id":
      return db.person.findFirst({ where: { id: ref.id, tenantId } });
    case "email":
      return db.person.findUnique({
        where: { tenantId_email: { tenantId, email: ref.email } },
      });
    case "external":
      return db.person.findUnique({
        where: {
          tenantId_externalId: { tenantId, externalId: ref.externalId },
        },
      });
  }
}

/** "email:anna@x.nl", for messages. */
export function describePersonRef(ref: PersonRef): string {
  switch (ref.kind) {
    case "id":
      return ref.id;
    case "email":
      return `email:${ref.email}`;
    case "external":
      return `external:${ref.externalId}`;
  }
}

export interface ErasedPerson {
  readonly person: {
    readonly id: string;
    readonly externalId: string | null;
    readonly email: string | null;
    readonly name: string | null;
  };
  /** Rows deleted, by kind (plans, nudges, deliveries and answers go with the person). */
  readonly erased: {
    readonly statements: number;
    readonly plans: number;
    readonly nudges: number;
    readonly deliveries: number;
    readonly answers: number;
    readonly identities: number;
    readonly rejections: number;
  };
  /** Job ids of their nudges that were still planned: the caller removes them from Redis. */
  readonly jobIds: string[];
}

/**
 * Erases a person, in one transaction: their statements (by person and by any of their
 * identities) with the engine's pending work on them, plans, nudges (theirs and those addressed
 * to them), deliveries, answers, identities and preferences, and the connection rejections whose
 * kept statement names one of their identities (see `deleteRejectionsNaming`). `ref` is a
 * `PersonRef` or, as before, the person's id. Returns what went and the job ids of their nudges
 * that were still planned, so the caller removes those jobs from Redis; a job that fires anyway
 * finds no row and sends nothing. Throws NotFoundError (PERSON_NOT_FOUND) when no one matches.
 */
export async function deletePerson(
  db: PrismaClient,
  tenantId: string,
  ref: PersonRef | string,
): Promise<ErasedPerson> {
  const named: PersonRef | null =
    typeof ref !== "string"
      ? ref
      : isUuid(ref)
        ? { kind: "id", id: ref }
        : null;
  const label = typeof ref === "string" ? ref : describePersonRef(ref);
  return db.$transaction(async (tx) => {
    const found =
      named === null ? null : await findPersonByExactRef(tx, tenantId, named);
    if (found === null)
      throw new NotFoundError(
        `No person ${label} in this tenant.`,
        "PERSON_NOT_FOUND",
      );
    const id = found.id;
    const identities = await tx.personIdentity.findMany({
      where: { personId: id },
      select: { kind: true, value: true },
    });
    const theirNudges = {
      tenantId,
      OR: [{ recipientPersonId: id }, { plan: { personId: id } }],
    };
    const [pending, plans, nudges, deliveries, answers] = await Promise.all([
      tx.plannedNudge.findMany({
        where: { ...theirNudges, status: "planned" },
        select: { jobId: true },
      }),
      tx.plan.count({ where: { tenantId, personId: id } }),
      tx.plannedNudge.count({ where: theirNudges }),
      tx.delivery.count({ where: { tenantId, nudge: theirNudges } }),
      tx.answer.count({ where: { tenantId, personId: id } }),
    ]);
    const keys = identities.map((i) => `${i.kind}:${i.value}`);
    // The engine's work on their statements goes first (pending_statements has no foreign key).
    await tx.$executeRaw`
      DELETE FROM pending_statements p USING statements s
       WHERE p.tenant_id = ${tenantId}::uuid AND s.tenant_id = p.tenant_id
         AND s.id = p.statement_id
         AND (s.person_id = ${id}::uuid OR s.actor_key = ANY(${keys}::text[]))`;
    const statements = await tx.statement.deleteMany({
      where: { tenantId, OR: [{ personId: id }, { actorKey: { in: keys } }] },
    });
    const rejections = await deleteRejectionsNaming(tx, tenantId, {
      email: found.email,
      identities,
    });
    await tx.person.delete({ where: { id } });
    return {
      person: {
        id,
        externalId: found.externalId,
        email: found.email,
        name: found.name,
      },
      erased: {
        statements: statements.count,
        plans,
        nudges,
        deliveries,
        answers,
        identities: identities.length,
        rejections,
      },
      jobIds: pending.map((nudge) => nudge.jobId),
    };
  });
}

/**
 * Deletes the tenant's connection rejections whose kept statement (or reason) names one of these
 * identities, and returns how many. Rejected statements are invalid by definition, so the match
 * does not rely on their shape: an email matches as a whole JSON string, with or without
 * "mailto:" and in any case, wherever it appears (actor, instructor, a group member, a batch); an
 * mbox_sha1sum or openid matches as a whole JSON string; an account matches an object with its
 * homePage and name anywhere in the JSON. A statement kept truncated (a string of its JSON's first
 * 16 KB) is searched as text, an account there by its `"homePage":…,"name":…` pair. The table
 * holds at most 50 rows per connection, so the scan is cheap.
 */
async function deleteRejectionsNaming(
  tx: DbClient,
  tenantId: string,
  person: {
    email: string | null;
    identities: readonly { kind: string; value: string }[];
  },
): Promise<number> {
  // Needles are JSON text, lower-cased like the text they are looked for in.
  const quoted = (value: string) => JSON.stringify(value);
  const emails = new Set<string>();
  if (person.email !== null) emails.add(person.email.toLowerCase());
  const needles: string[] = [];
  const accounts: { homePage: string; name: string }[] = [];
  for (const identity of person.identities) {
    if (identity.kind === "mbox")
      emails.add(identity.value.replace(/^mailto:/i, "").toLowerCase());
    else if (identity.kind === "account") {
      const bar = identity.value.indexOf("|");
      const account = {
        homePage: identity.value.slice(0, bar),
        name: identity.value.slice(bar + 1),
      };
      accounts.push(account);
      needles.push(
        `"homePage":${quoted(account.homePage)},"name":${quoted(account.name)}`,
        `"name":${quoted(account.name)},"homePage":${quoted(account.homePage)}`,
      );
    } else needles.push(quoted(identity.value));
  }
  for (const email of emails) {
    needles.push(
      quoted(email),
      quoted(`mailto:${email}`),
      quoted(mboxSha1sum(email)),
    );
  }
  if (needles.length === 0) return 0;
  const lowered = [...new Set(needles.map((needle) => needle.toLowerCase()))];
  return tx.$executeRaw`
    DELETE FROM connection_rejections r USING connections c
     WHERE c.id = r.connection_id AND c.tenant_id = ${tenantId}::uuid
       AND (
         EXISTS (
           SELECT 1 FROM unnest(${lowered}::text[]) AS n (needle)
            WHERE strpos(lower(r.reason || ' ' || coalesce(
                    CASE jsonb_typeof(r.statement) WHEN 'string' THEN r.statement #>> '{}'
                    ELSE r.statement::text END, '')), n.needle) > 0)
         OR EXISTS (
           SELECT 1 FROM jsonb_to_recordset(${JSON.stringify(accounts)}::jsonb)
                AS a ("homePage" text, name text)
            WHERE jsonb_path_exists(r.statement,
                    'strict $.** ? (@.homePage == $h && @.name == $n)',
                    jsonb_build_object('h', a."homePage", 'n', a.name))))`;
}
