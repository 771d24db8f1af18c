import type { DbClient } from "../client";

export interface PersonView {
  readonly id: string;
  readonly tenantId: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly givenName: string | null;
  readonly locale: string;
  readonly timeZone: string;
  readonly active: boolean;
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
  const mbox = `mailto:${email}`;
  const person = await db.person.upsert({
    where: { tenantId_email: { tenantId: input.tenantId, email } },
    update: {},
    create: {
      tenantId: input.tenantId,
      email,
      name: input.name ?? null,
      givenName: input.name?.split(/\s+/)[0] ?? null,
      locale: input.locale,
      timeZone: input.timeZone,
    },
  });
  await db.personIdentity.upsert({
    where: {
      tenantId_kind_value: {
        tenantId: input.tenantId,
        kind: "mbox",
        value: mbox,
      },
    },
    update: {},
    create: {
      tenantId: input.tenantId,
      personId: person.id,
      kind: "mbox",
      value: mbox,
    },
  });
  return person;
}
