// /api/people and /api/simulate through buildApp on port 0, against the run's PostgreSQL and Redis.
import { systemClock } from "@beklijf/core";
import {
  createApiToken,
  createConnection,
  type PrismaClient,
  recordRejection,
  type Role,
  upsertPerson,
} from "@beklijf/db";
import { planNudges } from "@beklijf/rules";
import {
  aCompletedStatement,
  aLearner,
  anAfterCompletionRule,
  aPlannedCompletion,
  aTenantWithRules,
  enqueueNudgeJobs,
  eventually,
  type ListeningServer,
  listenOnFreePort,
  storeStatement,
  testDb,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import { ErrorResponse } from "./api-schemas";
import { buildApp } from "./app";
import {
  ImportReportResponse,
  PersonDetail,
  PersonSummary,
  SimulateResponse,
  UnknownLearnersResponse,
  UpsertedPersonResponse,
} from "./people-schemas";

/** The error of a refused request, checked against the published schema. */
const errorOf = (body: unknown) => ErrorResponse.parse(body).error;

describe("/api/people and /api/simulate", () => {
  const redis = testQueues("web-people");
  let db: PrismaClient;
  let server: ListeningServer;
  let tenantId: string;
  let tokens: Record<Role, string>;
  const processed: string[] = [];

  const call = async (
    method: string,
    path: string,
    options: {
      role?: Role | "none";
      body?: unknown;
      csv?: string;
    } = {},
  ): Promise<{ status: number; body: unknown }> => {
    const role = options.role ?? "admin";
    const response = await fetch(`${server.url}/api${path}`, {
      method,
      headers: {
        ...(role === "none" ? {} : { authorization: `Bearer ${tokens[role]}` }),
        ...(options.body === undefined
          ? {}
          : { "content-type": "application/json" }),
        ...(options.csv === undefined ? {} : { "content-type": "text/csv" }),
      },
      ...(options.body === undefined
        ? {}
        : { body: JSON.stringify(options.body) }),
      ...(options.csv === undefined ? {} : { body: options.csv }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === "" ? undefined : (JSON.parse(text) as unknown),
    };
  };

  /** The jobs are removed just after the response: wait for that, with a deadline. */
  const jobsGone = (jobIds: readonly string[]) =>
    eventually(
      async () => {
        for (const jobId of jobIds)
          if ((await redis.queues.nudges.getJob(jobId)) !== undefined)
            return undefined;
        return true;
      },
      { timeoutMs: 5_000, what: "the erased person's nudge jobs to go" },
    );

  /**
   * `learner` in the directory under `externalId`, with a planned completion (the tenant's rule)
   * whose nudges all have their delayed jobs.
   */
  async function aPlannedPerson(
    learner: { name: string; email: string },
    externalId: string,
  ) {
    const { person } = await upsertPerson(db, {
      tenantId,
      person: { email: learner.email, name: learner.name, externalId },
      defaults: { locale: "nl", timeZone: "Europe/Amsterdam" },
    });
    const { nudges } = await aPlannedCompletion(db, {
      tenantId,
      learner,
      locale: "nl",
      clock: systemClock,
      planNudges,
    });
    await enqueueNudgeJobs(redis.queues, nudges);
    return { person, jobIds: nudges.map((n) => n.jobId) };
  }

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenantWithRules(db, "api-people", [
      anAfterCompletionRule(),
    ]);
    tokens = {
      admin: await createApiToken(db, { tenantId, name: "a", role: "admin" }),
      editor: await createApiToken(db, { tenantId, name: "e", role: "editor" }),
      viewer: await createApiToken(db, { tenantId, name: "v", role: "viewer" }),
    };
    server = await listenOnFreePort(
      buildApp({
        db,
        clock: systemClock,
        logger: testLogger,
        secret: "s".repeat(40),
        publicUrl: "https://beklijf.example.test",
        jobs: {
          removeNudgeJobs: async (jobIds) => {
            for (const jobId of jobIds) await redis.queues.nudges.remove(jobId);
          },
          processStatements: (_tenant, ids) => {
            processed.push(...ids);
            return Promise.resolve();
          },
        },
      }),
    );
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
    await db.$disconnect();
  });

  describe("authentication and roles", () => {
    it.each([
      ["GET", "/people", "none", 401],
      ["PUT", "/people", "none", 401],
      ["PUT", "/people", "viewer", 403],
      ["POST", "/people/import", "viewer", 403],
      ["DELETE", "/people/00000000-0000-4000-8000-000000000000", "editor", 403],
      ["POST", "/simulate", "none", 401],
    ] as const)("%s %s as %s gives %i", async (method, path, role, status) => {
      const { status: got } = await call(method, path, {
        role,
        ...(method === "PUT" ? { body: { email: "x@example.test" } } : {}),
      });
      expect(got).toBe(status);
    });
  });

  describe("PUT /people", () => {
    it("creates a person, then updates them by external id, with a manager by email", async () => {
      const manager = await call("PUT", "/people", {
        role: "editor",
        body: { email: "Mia.Manager@example.test", name: "Mia" },
      });
      expect(manager).toMatchObject({ status: 201, body: { created: true } });
      const created = await call("PUT", "/people", {
        role: "editor",
        body: {
          externalId: "HR-1",
          email: "joost@example.test",
          name: "Joost",
        },
      });
      expect(created.status).toBe(201);
      const createdId = UpsertedPersonResponse.parse(created.body).person.id;
      const managerId = UpsertedPersonResponse.parse(manager.body).person.id;
      const updated = await call("PUT", "/people", {
        role: "editor",
        body: {
          externalId: "HR-1",
          timeZone: "America/New_York",
          manager: "mia.manager@example.test",
        },
      });
      expect(updated).toMatchObject({
        status: 200,
        body: {
          created: false,
          person: {
            id: createdId,
            email: "joost@example.test",
            timeZone: "America/New_York",
            managerId,
          },
        },
      });
    });

    it("refuses a bad body, naming each field and what to write, and writes nothing", async () => {
      const { status, body } = await call("PUT", "/people", {
        role: "editor",
        body: { email: "nope", timeZone: "Europe/Atlantis", locale: "de" },
      });
      expect(status).toBe(400);
      expect(errorOf(body).issues).toEqual(
        expect.arrayContaining([
          {
            path: ["email"],
            message: 'must be an email address such as "anna@example.nl"',
          },
          { path: ["locale"], message: 'must be "nl" or "en"' },
          expect.objectContaining({ path: ["timeZone"] }),
        ]),
      );
    });

    it("refuses a manager it does not know", async () => {
      const { status, body } = await call("PUT", "/people", {
        role: "editor",
        body: { email: "kees@example.test", manager: "HR-unknown" },
      });
      expect(status).toBe(400);
      expect(errorOf(body).issues).toEqual([
        {
          path: ["manager"],
          message:
            'no person with external id or email "HR-unknown": create them first',
        },
      ]);
      expect(
        await db.person.count({
          where: { tenantId, email: "kees@example.test" },
        }),
      ).toBe(0);
    });
  });

  describe("unknown learners and the import that makes them known", () => {
    it("counts them, and hands their statements to the engine once imported", async () => {
      const { id } = await storeStatement({
        db,
        tenantId,
        statement: {
          actor: {
            objectType: "Agent",
            account: { homePage: "https://moodle.example.test", name: "501" },
          },
          verb: { id: "http://adlnet.gov/expapi/verbs/completed" },
          object: {
            objectType: "Activity",
            id: "https://moodle.example.test/course/9",
          },
        },
        clock: systemClock,
      });
      const before = await call("GET", "/people/unknown-learners", {
        role: "viewer",
      });
      expect(UnknownLearnersResponse.parse(before.body)).toEqual([
        expect.objectContaining({
          learners: 1,
          sample: [
            expect.objectContaining({
              actorKey: "account:https://moodle.example.test|501",
            }),
          ],
        }),
      ]);
      const imported = await call("POST", "/people/import", {
        role: "editor",
        csv: "email,name,account_home_page,account_name,locale\nlisa@example.test,Lisa,https://moodle.example.test,501,nl\nbad-row,X,,,xx\n",
      });
      expect(imported).toMatchObject({
        status: 200,
        body: { rows: 2, created: 1, failed: 1, pendingStatements: 1 },
      });
      expect(ImportReportResponse.parse(imported.body).issues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ row: 3, column: "email" }),
        ]),
      );
      expect(processed).toContain(id);
      expect(
        (await call("GET", "/people/unknown-learners", { role: "viewer" }))
          .body,
      ).toEqual([]);
    });

    it("refuses a body that is not CSV", async () => {
      const { status, body } = await call("POST", "/people/import", {
        role: "editor",
        body: { email: "x" },
      });
      expect(status).toBe(400);
      expect(errorOf(body).code).toBe("CSV_CONTENT_TYPE");
    });

    it("refuses a header it does not know", async () => {
      const { status, body } = await call("POST", "/people/import", {
        role: "editor",
        csv: "email,favourite colour\na@example.test,blue\n",
      });
      expect(status).toBe(400);
      expect(errorOf(body).code).toBe("CSV_HEADER_INVALID");
    });
  });

  describe("a person with a plan", () => {
    let personId: string;
    let jobIds: string[];

    beforeAll(async () => {
      const planned = await aPlannedPerson(aLearner(), "HR-plan");
      personId = planned.person.id;
      jobIds = planned.jobIds;
    });

    it("lists them by a part of their name or email", async () => {
      const { body } = await call("GET", "/people?q=HR-PLAN", {
        role: "viewer",
      });
      expect(
        PersonSummary.array()
          .parse(body)
          .map((p) => p.id),
      ).toEqual([personId]);
    });

    it("shows their timeline with rule, step, status and due time", async () => {
      const { status, body } = await call("GET", `/people/${personId}`, {
        role: "viewer",
      });
      expect(status).toBe(200);
      expect(
        PersonDetail.parse(body).timeline.map((n) => [
          n.step,
          n.status,
          n.role,
        ]),
      ).toEqual([
        ["commit", "planned", "learner"],
        ["reflect", "planned", "learner"],
      ]);
    });

    it("erases them with their data and pending jobs (admin)", async () => {
      expect((await call("DELETE", `/people/${personId}`)).status).toBe(204);
      expect(await db.person.count({ where: { id: personId } })).toBe(0);
      expect(
        await db.plannedNudge.count({ where: { jobId: { in: jobIds } } }),
      ).toBe(0);
      expect(await db.statement.count({ where: { tenantId, personId } })).toBe(
        0,
      );
      await jobsGone(jobIds);
      expect((await call("GET", `/people/${personId}`)).status).toBe(404);
      expect((await call("DELETE", `/people/${personId}`)).status).toBe(404);
    });
  });

  describe("erasing a person by email or external id", () => {
    /** A person with a plan whose nudges have delayed jobs, and a rejection naming their mbox. */
    async function aPersonToErase(externalId: string) {
      const learner = aLearner();
      const { person, jobIds } = await aPlannedPerson(learner, externalId);
      const { connection } = await createConnection(db, {
        tenantId,
        name: `lms-${externalId}`,
      });
      await recordRejection(db, {
        connectionId: connection.id,
        at: new Date(),
        status: 400,
        code: "STATEMENT_INVALID",
        reason: "verb.id: must be an IRI",
        path: ["verb", "id"],
        statement: {
          actor: { mbox: `mailto:${learner.email}`, name: learner.name },
          verb: { id: "completed" },
        },
      });
      expect(jobIds.length).toBeGreaterThan(0);
      for (const jobId of jobIds)
        expect(await redis.queues.nudges.getJob(jobId)).toBeDefined();
      return { person, learner, connectionId: connection.id, jobIds };
    }

    /** Nothing of them is left: the person, their plan's nudges and jobs, the rejection. */
    async function expectErased(
      erased: Awaited<ReturnType<typeof aPersonToErase>>,
    ) {
      expect(await db.person.count({ where: { id: erased.person.id } })).toBe(
        0,
      );
      expect(
        await db.plannedNudge.count({
          where: { jobId: { in: erased.jobIds } },
        }),
      ).toBe(0);
      await jobsGone(erased.jobIds);
      expect(
        await db.connectionRejection.count({
          where: { connectionId: erased.connectionId },
        }),
      ).toBe(0);
    }

    it("erases by email (any case), with their pending jobs and the rejections naming them", async () => {
      const anna = await aPersonToErase("HR-erase-email");
      const ref = `email:${anna.learner.email.toUpperCase()}`;
      expect(
        (await call("GET", `/people/${encodeURIComponent(ref)}`)).status,
      ).toBe(200);
      expect(
        (await call("DELETE", `/people/${encodeURIComponent(ref)}`)).status,
      ).toBe(204);
      await expectErased(anna);
      const again = await call("DELETE", `/people/${encodeURIComponent(ref)}`);
      expect(again.status).toBe(404);
      expect(errorOf(again.body)).toMatchObject({
        code: "PERSON_NOT_FOUND",
        message: `No person email:${anna.learner.email} in this tenant.`,
      });
    });

    it("erases by external id", async () => {
      const bram = await aPersonToErase("HR/erase 2");
      const path = `/people/${encodeURIComponent("external:HR/erase 2")}`;
      const shown = await call("GET", path, { role: "viewer" });
      expect(PersonDetail.parse(shown.body).id).toBe(bram.person.id);
      expect((await call("DELETE", path, { role: "editor" })).status).toBe(403);
      expect((await call("DELETE", path)).status).toBe(204);
      await expectErased(bram);
      expect((await call("GET", path)).status).toBe(404);
    });

    it("refuses a bare or malformed reference with 400, and an unknown one with 404, erasing nothing", async () => {
      const carla = await aPersonToErase("HR-erase-refused");
      const refused = async (ref: string) => {
        const { status, body } = await call(
          "DELETE",
          `/people/${encodeURIComponent(ref)}`,
        );
        return { status, ...errorOf(body) };
      };
      expect(await refused(carla.learner.email)).toMatchObject({
        status: 400,
        code: "PERSON_REF_AMBIGUOUS",
        message: `"${carla.learner.email}" could be an email or an external id: write email:${carla.learner.email} or external:${carla.learner.email}.`,
      });
      expect(await refused("HR-erase-refused")).toMatchObject({
        status: 400,
        code: "PERSON_REF_AMBIGUOUS",
      });
      expect(await refused("email:HR-erase-refused")).toMatchObject({
        status: 400,
        code: "PERSON_REF_INVALID",
      });
      expect(await refused("external:HR-nobody")).toMatchObject({
        status: 404,
        code: "PERSON_NOT_FOUND",
      });
      expect(await db.person.count({ where: { id: carla.person.id } })).toBe(1);
      for (const jobId of carla.jobIds)
        expect(await redis.queues.nudges.getJob(jobId)).toBeDefined();
    });
  });

  describe("POST /simulate", () => {
    it("shows the timeline a statement would get, writing nothing", async () => {
      const plansBefore = await db.plan.count({ where: { tenantId } });
      const { status, body } = await call("POST", "/simulate", {
        role: "viewer",
        body: {
          statement: aCompletedStatement({
            learner: aLearner(),
            timestamp: "2030-03-09T10:00:00Z", // a Saturday
          }),
        },
      });
      expect(status).toBe(200);
      const simulation = SimulateResponse.parse(body);
      expect(simulation.learner.known).toBe(false);
      expect(simulation.entries.map((e) => [e.step, e.local])).toEqual([
        ["commit", "2030-03-11 08:00 Mon (Europe/Amsterdam)"],
        ["reflect", "2030-03-18 08:00 Mon (Europe/Amsterdam)"],
      ]);
      expect(simulation.entries[0]?.decisions[0]).toMatch(
        /^moved from Sat 9 Mar 15:00 to Mon 11 Mar 08:00/,
      );
      expect(simulation.entries[0]?.why).toBe(
        "An if-then plan soon after the training.",
      );
      // Someone new is named by the statement's actor; there is no person id to give.
      expect(simulation.entries[0]?.toDisplay).toBe(
        simulation.learner.email ?? "",
      );
      expect(await db.plan.count({ where: { tenantId } })).toBe(plansBefore);
    });

    it("names each recipient for L&D, keeping the person id for machines", async () => {
      const learner = aLearner();
      const bossEmail = `bea.${learner.email}`;
      const boss = await call("PUT", "/people", {
        body: { email: bossEmail, name: "Bea Baas" },
      });
      const anna = await call("PUT", "/people", {
        body: {
          email: learner.email,
          name: "Anna de Vries",
          manager: bossEmail,
        },
      });
      const { status, body } = await call("POST", "/simulate", {
        role: "viewer",
        body: {
          statement: aCompletedStatement({
            learner,
            timestamp: "2030-03-11T09:00:00Z", // a Monday, 10:00 in Amsterdam
          }),
          rules: {
            rules: [
              {
                key: "with-manager",
                name: "With the manager",
                trigger: {
                  verbs: ["http://adlnet.gov/expapi/verbs/completed"],
                },
                steps: [
                  {
                    key: "own",
                    offset: "PT1H",
                    recipient: "learner",
                    template: "commit",
                    why: "w",
                  },
                  {
                    key: "talk",
                    offset: "PT2H",
                    recipient: "manager",
                    template: "talk",
                    why: "w",
                  },
                ],
              },
            ],
          },
        },
      });
      expect(status).toBe(200);
      expect(
        SimulateResponse.parse(body).entries.map((e) => [
          e.recipient,
          e.to,
          e.toDisplay,
        ]),
      ).toEqual([
        [
          "learner",
          UpsertedPersonResponse.parse(anna.body).person.id,
          `Anna de Vries <${learner.email}>`,
        ],
        [
          "manager",
          UpsertedPersonResponse.parse(boss.body).person.id,
          `Bea Baas <${bossEmail}>`,
        ],
      ]);
    });

    it("tries a given rule file, and explains a bad one", async () => {
      const bad = await call("POST", "/simulate", {
        role: "viewer",
        body: {
          statement: aCompletedStatement({ learner: aLearner() }),
          rules: { rules: [{ key: "x" }] },
        },
      });
      expect(bad.status).toBe(400);
      expect(errorOf(bad.body).code).toBe("RULE_INVALID");
      expect(errorOf(bad.body).message).toMatch(
        /^rules is not a valid rule file:/,
      );
    });
  });

  it("is documented in /api/openapi.json", async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(
      Object.entries(document.paths)
        .filter(([path]) =>
          ["/people", "/simulate", "/policy"].some((p) => path.startsWith(p)),
        )
        .map(([path, methods]) => [path, Object.keys(methods).sort()])
        .sort(),
    ).toEqual([
      ["/people", ["get", "put"]],
      ["/people/import", ["post"]],
      ["/people/unknown-learners", ["get"]],
      ["/people/{id}", ["delete", "get", "parameters"]],
      ["/policy", ["get", "put"]],
      ["/simulate", ["post"]],
    ]);
  });

  describe("/policy", () => {
    it("gives the defaults of DOMAIN.md in the tenant's zone, and lets an admin change them", async () => {
      expect((await call("GET", "/policy", { role: "viewer" })).body).toEqual({
        timeZone: "Europe/Amsterdam",
        sendWindow: {
          days: ["mon", "tue", "wed", "thu", "fri"],
          start: "08:00",
          end: "18:00",
        },
        caps: { perDay: 1, perWeek: 2 },
        holidays: [],
      });
      expect(
        (await call("PUT", "/policy", { role: "editor", body: {} })).status,
      ).toBe(403);
      const bad = await call("PUT", "/policy", {
        body: { caps: { perDay: 3, perWeek: 2 }, holidays: ["25-12-2030"] },
      });
      expect(bad.status).toBe(400);
      expect(
        (errorOf(bad.body).issues ?? []).map((i) => i.path.join(".")),
      ).toEqual(expect.arrayContaining(["caps.perWeek", "holidays.0"]));
      const changed = await call("PUT", "/policy", {
        body: { holidays: ["2030-12-25"], caps: { perWeek: 3 } },
      });
      expect(changed).toMatchObject({
        status: 200,
        body: { holidays: ["2030-12-25"], caps: { perDay: 1, perWeek: 3 } },
      });
      expect((await call("GET", "/policy", { role: "viewer" })).body).toEqual(
        changed.body,
      );
    });
  });
});
