import { aTenant, testDb } from "@beklijf/testing";

import type { PrismaClient } from "../client";
import {
  ensurePersonForMbox,
  getStatementWithLearner,
  mboxSha1sum,
} from "./people";

describe("ensurePersonForMbox", () => {
  let db: PrismaClient;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  const input = (tenantId: string, name?: string) => ({
    tenantId,
    email: "Anna.de.Vries@Example.test",
    name,
    locale: "nl",
    timeZone: "Europe/Amsterdam",
  });

  it("creates one person with both mbox identities, also when called concurrently", async () => {
    const tenantId = await aTenant(db, "people");
    const people = await Promise.all(
      Array.from({ length: 4 }, () =>
        ensurePersonForMbox(db, input(tenantId, "Anna de Vries")),
      ),
    );

    expect(new Set(people.map((p) => p.id)).size).toBe(1);
    expect(people[0]).toMatchObject({
      email: "anna.de.vries@example.test",
      name: "Anna de Vries",
      givenName: "Anna",
      locale: "nl",
      timeZone: "Europe/Amsterdam",
      active: true,
    });
    const identities = await db.personIdentity.findMany({
      where: { tenantId },
      orderBy: { kind: "asc" },
    });
    expect(identities.map((i) => [i.kind, i.value, i.personId])).toEqual([
      ["mbox", "mailto:anna.de.vries@example.test", people[0]?.id],
      [
        "mbox_sha1sum",
        mboxSha1sum("anna.de.vries@example.test"),
        people[0]?.id,
      ],
    ]);
  });

  it("returns a person the directory knows as they are, without renaming them", async () => {
    const tenantId = await aTenant(db, "people");
    const known = await db.person.create({
      data: {
        tenantId,
        email: "anna.de.vries@example.test",
        name: "A. de Vries",
        locale: "en",
        timeZone: "Europe/London",
        active: false,
      },
    });

    const person = await ensurePersonForMbox(
      db,
      input(tenantId, "Anna de Vries"),
    );

    expect(person).toMatchObject({
      id: known.id,
      name: "A. de Vries",
      locale: "en",
      active: false,
    });
  });
});

describe("getStatementWithLearner", () => {
  let db: PrismaClient;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  it("finds the learner through the actor's identity, and null without one", async () => {
    const tenantId = await aTenant(db, "people");
    const person = await ensurePersonForMbox(db, {
      tenantId,
      email: "bo@example.test",
      name: undefined,
      locale: "nl",
      timeZone: "Europe/Amsterdam",
    });
    const statement = (id: string, actorKey: string) => ({
      tenantId,
      id,
      actorKey,
      verbId: "http://adlnet.gov/expapi/verbs/completed",
      objectId: "https://lms.example.test/course/1",
      timestamp: new Date("2030-01-07T09:00:00Z"),
      stored: new Date("2030-01-07T09:00:01Z"),
      contentHash: id,
      raw: { id },
    });
    await db.statement.createMany({
      data: [
        statement(
          "00000000-0000-4000-8000-000000000001",
          "mbox:mailto:bo@example.test",
        ),
        statement(
          "00000000-0000-4000-8000-000000000002",
          "account:https://lms.example.test|bo",
        ),
      ],
    });

    const known = await getStatementWithLearner(
      db,
      tenantId,
      "00000000-0000-4000-8000-000000000001",
    );
    const unknown = await getStatementWithLearner(
      db,
      tenantId,
      "00000000-0000-4000-8000-000000000002",
    );

    expect(known?.learner?.id).toBe(person.id);
    expect(known?.statement).toMatchObject({
      verbId: "http://adlnet.gov/expapi/verbs/completed",
      timestamp: new Date("2030-01-07T09:00:00Z"),
      raw: { id: "00000000-0000-4000-8000-000000000001" },
    });
    expect(unknown?.learner).toBeNull();
    expect(
      await getStatementWithLearner(
        db,
        tenantId,
        "00000000-0000-4000-8000-000000000003",
      ),
    ).toBeNull();
  });
});
