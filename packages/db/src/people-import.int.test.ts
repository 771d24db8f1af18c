import { Readable } from "node:stream";

import { createManualClock } from "@beklijf/core";
import { aTenant, storeStatement, testDb } from "@beklijf/testing";

import type { PrismaClient } from "./client";
import { ImportHeaderError, importPeople } from "./people-import";
import { listUnknownLearners, mboxSha1sum } from "./repositories/people";

const DEFAULTS = { locale: "nl", timeZone: "Europe/Amsterdam" };

describe("importPeople", () => {
  let db: PrismaClient;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  const run = (tenantId: string, csv: string) =>
    importPeople(db, {
      tenantId,
      source: Readable.from([csv]),
      defaults: DEFAULTS,
    });

  describe("when a file mixes good and bad rows, with a manager named before their own row", () => {
    let tenantId: string;
    let report: Awaited<ReturnType<typeof importPeople>>;
    let progress: { rows: number; failed: number; bytes: number }[];
    let csvBytes = 0;

    beforeAll(async () => {
      tenantId = await aTenant(db, "import");
      progress = [];
      const csv = [
        "External ID,Email,Name,Given name,Locale,Time zone,Manager,Active,Account home page,Account name",
        "E1,anna@example.test,Anna de Vries,Anna,nl,Europe/Amsterdam,M1,true,https://lms.example.test,42",
        "E2,not-an-email,Bram,Bram,nl,Europe/Amsterdam,,true,,",
        "E3,carla@example.test,Carla,Carla,fr,Mars/Olympus,,maybe,,",
        "E4,dirk@example.test,Dirk,Dirk,en,,nobody@example.test,,,",
        "M1,mia@example.test,Mia Manager,Mia,nl,Europe/Amsterdam,,1,,",
        'E5,"eva@example.test",Eva,Eva,nl,Europe/Amsterdam,,true,https://lms.example.test,',
      ].join("\n");
      csvBytes = Buffer.byteLength(csv);
      report = await importPeople(db, {
        tenantId,
        source: Readable.from([csv]),
        defaults: DEFAULTS,
        onProgress: (p) => progress.push(p),
        progressEvery: 2,
      });
    });

    it("counts what it did", () => {
      expect(report).toMatchObject({
        rows: 6,
        created: 3,
        updated: 0,
        failed: 3,
      });
    });

    it("reports each bad row with its line, column and what to write instead", () => {
      expect(report.issues).toEqual(
        expect.arrayContaining([
          {
            row: 3,
            column: "email",
            message: 'must be an email address such as "anna@example.nl"',
          },
          {
            row: 4,
            column: "locale",
            message: 'must be "nl" or "en" (or leave it empty for the default)',
          },
          {
            row: 4,
            column: "timeZone",
            message:
              'must be an IANA time zone such as "Europe/Amsterdam" or "America/New_York"',
          },
          {
            row: 4,
            column: "active",
            message: 'must be "true" or "false" (or leave it empty for true)',
          },
          expect.objectContaining({ row: 7, column: "accountName" }),
          {
            row: 5,
            column: "manager",
            message:
              'no person with external id or email "nobody@example.test": add a row for them, or leave manager empty; the person was imported without a manager',
          },
        ]),
      );
    });

    it("writes nothing of a bad row", async () => {
      expect(
        await db.person.count({
          where: { tenantId, externalId: { in: ["E2", "E3", "E5"] } },
        }),
      ).toBe(0);
    });

    it("links a manager named before their own row, in the second pass", async () => {
      const anna = await db.person.findFirstOrThrow({
        where: { tenantId, externalId: "E1" },
        include: { manager: true, identities: true },
      });
      expect(anna.manager?.externalId).toBe("M1");
      expect(anna.identities.map((i) => [i.kind, i.value]).sort()).toEqual(
        [
          ["account", "https://lms.example.test|42"],
          ["mbox", "mailto:anna@example.test"],
          ["mbox_sha1sum", mboxSha1sum("anna@example.test")],
        ].sort(),
      );
    });

    it("shows progress while it goes", () => {
      expect(progress.map((p) => p.rows)).toEqual([2, 4, 6, 6]);
      // The CSV parser's byte count: growing, and all of the file at the end.
      const bytes = progress.map((p) => p.bytes);
      expect([...bytes].sort((a, b) => a - b)).toEqual(bytes);
      expect(bytes[bytes.length - 1]).toBe(csvBytes);
    });
  });

  describe("when the database refuses a row for a reason of the moment", () => {
    // A real refusal from Postgres: a trigger raises the unique-key error the engine's race
    // would, once for one address (a sequence counts, outside the rolled-back transaction)
    // and every time for another.
    const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    const fn = `import_race_${tag}`;
    let tenantId: string;
    let report: Awaited<ReturnType<typeof importPeople>>;

    beforeAll(async () => {
      tenantId = await aTenant(db, "import-race");
      await db.$executeRawUnsafe(`CREATE SEQUENCE ${fn}`);
      await db.$executeRawUnsafe(`
        CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF (NEW.email = 'once-${tag}@example.test' AND nextval('${fn}') = 1)
             OR NEW.email = 'always-${tag}@example.test' THEN
            RAISE EXCEPTION 'duplicate key value violates unique constraint "people_tenant_id_email_key"'
              USING ERRCODE = 'unique_violation';
          END IF;
          RETURN NEW;
        END $$`);
      await db.$executeRawUnsafe(
        `CREATE TRIGGER ${fn} BEFORE INSERT ON people FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
      );
      try {
        report = await run(
          tenantId,
          [
            "email,name",
            `once-${tag}@example.test,Once`,
            `always-${tag}@example.test,Always`,
            `after-${tag}@example.test,After`,
          ].join("\n"),
        );
      } finally {
        await db.$executeRawUnsafe(`DROP TRIGGER ${fn} ON people`);
        await db.$executeRawUnsafe(`DROP FUNCTION ${fn}()`);
        await db.$executeRawUnsafe(`DROP SEQUENCE ${fn}`);
      }
    });

    it("tries the row once more, and reports it when it fails again, going on with the rest", async () => {
      expect(report).toMatchObject({ rows: 3, created: 2, failed: 1 });
      expect(report.issues).toEqual([
        {
          row: 3,
          column: undefined,
          message:
            "not imported: the database refused it twice (another write of the same person at the same moment (unique key)); nothing of this row was written, import the file again (or just this row) to add it",
        },
      ]);
      expect(
        (
          await db.person.findMany({
            where: { tenantId },
            orderBy: { email: "asc" },
          })
        ).map((p) => p.email),
      ).toEqual([`after-${tag}@example.test`, `once-${tag}@example.test`]);
    });
  });

  describe("when a manager or team lead is not found for someone already in the directory", () => {
    let tenantId: string;
    let report: Awaited<ReturnType<typeof importPeople>>;
    const linkProgress: { linked: number; total: number }[] = [];

    beforeAll(async () => {
      tenantId = await aTenant(db, "import-unlink");
      await run(
        tenantId,
        [
          "externalId,email,manager,teamLead",
          "M1,mia@example.test,,",
          "T1,tom@example.test,,",
          "E1,eva@example.test,M1,T1",
          "E2,ed@example.test,,",
        ].join("\n"),
      );
      report = await importPeople(db, {
        tenantId,
        source: Readable.from([
          [
            "externalId,email,manager,teamLead",
            "E1,eva@example.test,nobody@example.test,E1",
            "E2,ed@example.test,ghost,",
            "E3,em@example.test,M1,",
          ].join("\n"),
        ]),
        defaults: DEFAULTS,
        progressEvery: 2,
        onLinkProgress: (p) => linkProgress.push(p),
      });
    });

    it("removes the old link, as the message says", async () => {
      const eva = await db.person.findFirstOrThrow({
        where: { tenantId, externalId: "E1" },
      });
      expect([eva.managerId, eva.teamLeadId]).toEqual([null, null]);
      expect(report.issues).toEqual([
        {
          row: 2,
          column: "manager",
          message:
            'no person with external id or email "nobody@example.test": add a row for them, or leave manager empty; the person was imported without a manager: the link to their previous manager was removed',
        },
        {
          row: 2,
          column: "teamLead",
          message:
            "a person cannot be their own teamLead: name someone else, or leave it empty; the person was imported without a team lead: the link to their previous team lead was removed",
        },
        {
          row: 3,
          column: "manager",
          message:
            'no person with external id or email "ghost": add a row for them, or leave manager empty; the person was imported without a manager',
        },
      ]);
      expect(report).toMatchObject({ created: 1, updated: 2, failed: 0 });
    });

    it("shows the progress of the second pass", () => {
      expect(linkProgress).toEqual([
        { linked: 2, total: 3 },
        { linked: 3, total: 3 },
      ]);
    });
  });

  it("refuses a header it does not know, writing nothing", async () => {
    const tenantId = await aTenant(db, "import-header");
    await expect(
      run(tenantId, "email,shoe size\na@example.test,44\n"),
    ).rejects.toThrow(ImportHeaderError);
    expect(await db.person.count({ where: { tenantId } })).toBe(0);
  });

  it("plans statements that waited for the imported account: they become the person's and unprocessed", async () => {
    const tenantId = await aTenant(db, "import-pending");
    const clock = createManualClock(new Date("2030-02-04T09:00:00Z"));
    const statement = {
      actor: {
        objectType: "Agent",
        account: { homePage: "https://moodle.example.test", name: "77" },
      },
      verb: { id: "http://adlnet.gov/expapi/verbs/completed" },
      object: {
        objectType: "Activity",
        id: "https://moodle.example.test/course/1",
      },
      timestamp: "2030-02-04T08:00:00Z",
    };
    const { id } = await storeStatement({ db, tenantId, statement, clock });
    // The engine found no learner for it: no longer its work, waiting for a directory entry.
    await db.pendingStatement.delete({
      where: { tenantId_statementId: { tenantId, statementId: id } },
    });
    expect(await listUnknownLearners(db, tenantId)).toEqual([
      expect.objectContaining({
        learners: 1,
        statements: 1,
        sample: [
          expect.objectContaining({
            actorKey: "account:https://moodle.example.test|77",
          }),
        ],
      }),
    ]);
    const report = await run(
      tenantId,
      "email,accountHomePage,accountName\nzoe@example.test,https://moodle.example.test,77\n",
    );
    expect(report.pendingStatementIds).toEqual([id]);
    const stored = await db.statement.findUniqueOrThrow({
      where: { tenantId_id: { tenantId, id } },
      include: { person: true },
    });
    expect(stored.person?.email).toBe("zoe@example.test");
    expect(
      await db.pendingStatement.findUnique({
        where: { tenantId_statementId: { tenantId, statementId: id } },
      }),
    ).not.toBeNull();
    expect(await listUnknownLearners(db, tenantId)).toEqual([]);
  });
});
