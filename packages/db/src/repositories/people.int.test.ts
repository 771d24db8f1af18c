import { createManualClock } from "@beklijf/core";
import {
  aCompletedStatement,
  aTenant,
  storeStatement,
  testDb,
} from "@beklijf/testing";

import type { PrismaClient } from "../client";
import { deletePerson } from "./erase-person";
import { ensurePersonForMbox, mboxSha1sum } from "./people";
import { takeStatements } from "./statement-batches";

let db: PrismaClient;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => {
  await db.$disconnect();
});

describe("ensurePersonForMbox", () => {
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

describe("takeStatements", () => {
  it("finishes what no rule can use and returns the rest in the order asked, each with its learner", async () => {
    const tenantId = await aTenant(db, "people");
    const person = await ensurePersonForMbox(db, {
      tenantId,
      email: "bo@example.test",
      name: undefined,
      locale: "nl",
      timeZone: "Europe/Amsterdam",
    });
    const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
    const statement = (n: number, actorKey: string, verbId: string) => ({
      tenantId,
      id: id(n),
      actorKey,
      verbId,
      objectId: "https://lms.example.test/course/1",
      timestamp: new Date("2030-01-07T09:00:00Z"),
      stored: new Date("2030-01-07T09:00:01Z"),
      contentHash: id(n),
      raw: { id: id(n), actor: { name: "Bo" } },
    });
    const completed = "http://adlnet.gov/expapi/verbs/completed";
    const experienced = "http://adlnet.gov/expapi/verbs/experienced";
    await db.statement.createMany({
      data: [
        statement(1, "mbox:mailto:bo@example.test", completed),
        statement(2, "account:https://lms.example.test|bo", completed),
        // Known learner, a verb no rule names: finished at once, linked to Bo.
        statement(3, "mbox:mailto:bo@example.test", experienced),
        // Already processed (no pending row): left alone.
        statement(4, "mbox:mailto:bo@example.test", completed),
        // Unknown account, a verb no rule names: finished, waiting for a directory entry.
        statement(6, "account:https://lms.example.test|cor", experienced),
        // A new mbox learner must be created first: left to the engine.
        statement(7, "mbox:mailto:dee@example.test", experienced),
      ],
    });
    // Pending work: every statement but 4, and 5, whose statement is gone.
    await db.pendingStatement.createMany({
      data: [1, 2, 3, 5, 6, 7].map((n) => ({
        tenantId,
        statementId: id(n),
        stored: new Date("2030-01-07T09:00:01Z"),
      })),
    });

    const taken = await takeStatements(db, {
      tenantId,
      ids: [id(3), id(1), id(4), id(5), id(2), id(6), id(7), id(1)],
      verbsThatMatter: [completed],
    });

    expect(taken.finished).toBe(2);
    expect(taken.waiting).toBe(1);
    expect(taken.statements.map((s) => [s.id, s.learner?.id ?? null])).toEqual([
      [id(1), person.id],
      [id(2), null],
      [id(7), null],
    ]);
    expect(taken.statements[0]).toMatchObject({
      verbId: completed,
      timestamp: new Date("2030-01-07T09:00:00Z"),
      actorName: "Bo",
      raw: { id: id(1) },
    });
    const rows = await db.statement.findMany({
      where: { tenantId },
      orderBy: { id: "asc" },
    });
    expect(rows.map((row) => [row.id, row.personId])).toEqual([
      [id(1), null],
      [id(2), null],
      [id(3), person.id],
      [id(4), null],
      [id(6), null],
      [id(7), null],
    ]);
    const pending = await db.pendingStatement.findMany({
      where: { tenantId },
      orderBy: { statementId: "asc" },
    });
    expect(pending.map((row) => row.statementId)).toEqual([
      id(1),
      id(2),
      id(7),
    ]);
  });
});

describe("deletePerson", () => {
  it("erases their statements with the engine's pending work on them", async () => {
    const tenantId = await aTenant(db, "erase-pending");
    const person = await ensurePersonForMbox(db, {
      tenantId,
      email: "eva@example.test",
      name: undefined,
      locale: "nl",
      timeZone: "Europe/Amsterdam",
    });
    const clock = createManualClock(new Date("2030-01-07T10:00:00Z"));
    const { id } = await storeStatement({
      db,
      tenantId,
      clock,
      statement: aCompletedStatement({
        learner: { name: "Eva", email: "eva@example.test" },
      }),
    });
    expect(await db.pendingStatement.count({ where: { tenantId } })).toBe(1);

    await deletePerson(db, tenantId, person.id);

    expect(await db.statement.count({ where: { tenantId, id } })).toBe(0);
    expect(await db.pendingStatement.count({ where: { tenantId } })).toBe(0);
  });
});
