import { randomBytes } from "node:crypto";

import { aTenant, testDb } from "@beklijf/testing";

import type { PrismaClient } from "../client";
import { recordRejection } from "./connection-health";
import { createConnection } from "./connections";
import { deletePerson } from "./erase-person";
import { mboxSha1sum, upsertPerson } from "./people";

let db: PrismaClient;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => {
  await db.$disconnect();
});

describe("deletePerson and the connection rejections", () => {
  const tag = randomBytes(3).toString("hex");
  const email = `anna-${tag}@example.test`;
  const homePage = "https://lms.example.test";
  const account = { homePage, name: `u-${tag}` };

  /** A tenant with Anna (email and an LMS account) and a connection whose rejections keep these. */
  async function rejectionsOf(statements: Record<string, unknown>) {
    const tenantId = await aTenant(db, "erase-rejections");
    const { person } = await upsertPerson(db, {
      tenantId,
      person: { email, externalId: `HR-${tag}`, accounts: [account] },
      defaults: { locale: "nl", timeZone: "Europe/Amsterdam" },
    });
    const { connection } = await createConnection(db, {
      tenantId,
      name: `lms-${tag}`,
    });
    for (const [reason, statement] of Object.entries(statements))
      await recordRejection(db, {
        connectionId: connection.id,
        at: new Date(),
        status: 400,
        code: "STATEMENT_INVALID",
        reason,
        path: null,
        statement,
      });
    const kept = async () =>
      (
        await db.connectionRejection.findMany({
          where: { connectionId: connection.id },
          orderBy: { id: "asc" },
        })
      ).map((row) => row.reason);
    return { tenantId, personId: person.id, kept };
  }

  it("deletes the rejections whose statement names one of their identities, anywhere in it", async () => {
    const verb = { id: "http://adlnet.gov/expapi/verbs/completed" };
    const { tenantId, personId, kept } = await rejectionsOf({
      "mbox in another case": {
        actor: { mbox: `MAILTO:${email.toUpperCase()}` },
        verb,
      },
      "mbox without mailto": { actor: { mbox: email }, verb },
      "sha1 of an instructor, in a batch": [
        { actor: { mbox: "mailto:someone@example.test" }, verb },
        {
          actor: { mbox: "mailto:someone@example.test" },
          context: { instructor: { mbox_sha1sum: mboxSha1sum(email) } },
        },
      ],
      "their account": { actor: { account: { name: account.name, homePage } } },
      "their account, truncated": {
        actor: { account },
        result: { response: "x".repeat(20_000) },
      },
      "a longer address": { actor: { mbox: `mailto:h${email}` } },
      "another account on the LMS": {
        actor: { account: { homePage, name: `${account.name}0` } },
      },
      "their account name on another LMS": {
        actor: {
          account: { homePage: "https://other.example", name: account.name },
        },
      },
      "their account's parts in two objects": {
        actor: { account: { homePage, name: "someone" } },
        object: {
          objectType: "Agent",
          account: { homePage: "https://x.example", name: account.name },
        },
      },
    });
    const other = await rejectionsOf({
      "another tenant": { actor: { mbox: `mailto:${email}` }, verb },
    });
    const truncated = await db.connectionRejection.count({
      where: { reason: "their account, truncated", statementTruncated: true },
    });
    expect(truncated).toBeGreaterThan(0);

    const { erased } = await deletePerson(db, tenantId, personId);

    expect(await kept()).toEqual([
      "a longer address",
      "another account on the LMS",
      "their account name on another LMS",
      "their account's parts in two objects",
    ]);
    expect(await other.kept()).toEqual(["another tenant"]);
    expect(erased.rejections).toBe(5);
  });

  it("erases by email or external id, and reports what went", async () => {
    const { tenantId, personId } = await rejectionsOf({
      "their mbox": { actor: { mbox: `mailto:${email}` } },
    });
    const byEmail = await deletePerson(db, tenantId, {
      kind: "email",
      email,
    });
    expect(byEmail).toEqual({
      person: { id: personId, externalId: `HR-${tag}`, email, name: null },
      erased: {
        statements: 0,
        plans: 0,
        nudges: 0,
        deliveries: 0,
        answers: 0,
        identities: 3,
        rejections: 1,
      },
      jobIds: [],
    });
    const second = await rejectionsOf({});
    await deletePerson(db, second.tenantId, {
      kind: "external",
      externalId: `HR-${tag}`,
    });
    expect(await db.person.count({ where: { id: second.personId } })).toBe(0);
    await expect(
      deletePerson(db, second.tenantId, {
        kind: "external",
        externalId: `HR-${tag}`,
      }),
    ).rejects.toMatchObject({ code: "PERSON_NOT_FOUND" });
  });
});
