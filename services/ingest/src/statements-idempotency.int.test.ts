// Repeats and conflicts on POST /xapi/statements (DESIGN.md: same id stored once; other content 409),
// against real PostgreSQL and Redis.

import type { PrismaClient } from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  anLmsConnection,
  aStatementId,
  aTenant,
  type ListeningServer,
  outboxRowsCarrying,
  postStatements,
  serveMounted,
  serviceTestDeps,
  statementJobsCarrying,
  testDb,
  testQueues,
} from "@beklijf/testing";

import { buildApp } from "./app";

describe("POST /xapi/statements", () => {
  const redis = testQueues("ingest-idem");
  const { queues } = redis;
  let db: PrismaClient;
  let server: ListeningServer;
  let tenantId: string;
  let authorization: string;

  const post = (body: unknown) =>
    postStatements(server.url, body, { authorization });
  const rowsOf = (ids: readonly string[]) =>
    db.statement.count({ where: { tenantId, id: { in: [...ids] } } });
  /** Hand-offs of these statements: for each, the outbox rows naming it. */
  const outboxOf = async (ids: readonly string[]) => {
    let count = 0;
    for (const id of ids)
      count += (await outboxRowsCarrying(db, tenantId, id)).length;
    return count;
  };

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "ingest-idem");
    ({ authorization } = await anLmsConnection(db, tenantId));
    server = await serveMounted(
      "/xapi",
      buildApp(serviceTestDeps({ db, queues })),
    );
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
    await db.$disconnect();
  });

  describe("when the same statement arrives twice", () => {
    it("stores it once, hands it off once and answers the same id both times", async () => {
      const id = aStatementId();
      const statement = aCompletedStatement({ learner: aLearner(), id });

      const first = await post(statement);
      const second = await post(statement);

      expect([first.status, second.status]).toEqual([200, 200]);
      expect(await first.json()).toEqual([id]);
      expect(await second.json()).toEqual([id]);
      expect(await rowsOf([id])).toBe(1);
      expect(await outboxOf([id])).toBe(1);
    });

    it("treats a differently cased mbox and timestamp notation as the same content", async () => {
      const learner = aLearner();
      const id = aStatementId();
      const statement = aCompletedStatement({
        learner,
        id,
        timestamp: "2026-05-04T10:00:00Z",
      });
      const sameContent = {
        ...statement,
        actor: {
          objectType: "Agent",
          name: learner.name,
          mbox: `mailto:${learner.email.toUpperCase()}`,
        },
        timestamp: "2026-05-04T12:00:00.000+02:00",
      };

      expect((await post(statement)).status).toBe(200);
      expect((await post(sameContent)).status).toBe(200);
      expect(await rowsOf([id])).toBe(1);
    });
  });

  describe("when a stored id arrives with different content", () => {
    it("answers 409 STATEMENT_ID_CONFLICT and stores nothing of that batch", async () => {
      const learner = aLearner();
      const id = aStatementId();
      const original = aCompletedStatement({
        learner,
        id,
        courseName: { "nl-NL": "Feedback geven" },
      });
      expect((await post(original)).status).toBe(200);
      const newcomer = aStatementId();
      const changed = { ...original, result: { completion: false } };

      const response = await post([
        aCompletedStatement({ learner, id: newcomer }),
        changed,
      ]);

      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({
        error: { code: "STATEMENT_ID_CONFLICT" },
      });
      expect(await rowsOf([newcomer])).toBe(0);
      expect(await outboxOf([newcomer])).toBe(0);
      expect(
        await statementJobsCarrying(queues.statements, tenantId, newcomer),
      ).toEqual([]);
      const stored = await db.statement.findUniqueOrThrow({
        where: { tenantId_id: { tenantId, id } },
      });
      expect(stored.raw).toMatchObject({ result: { completion: true } });
    });
  });

  describe("when statements without an id (as Moodle sends them) arrive twice", () => {
    it("derives the same ids from their content and stores each once", async () => {
      const learner = aLearner();
      const batch = [
        aCompletedStatement({ learner }),
        aCompletedStatement({ learner }),
      ];

      const first = await post(batch);
      const second = await post(batch);

      expect([first.status, second.status]).toEqual([200, 200]);
      const firstIds: unknown = await first.json();
      const secondIds: unknown = await second.json();
      expect(secondIds).toEqual(firstIds);
      if (
        !Array.isArray(firstIds) ||
        !firstIds.every((id): id is string => typeof id === "string")
      )
        throw new Error("expected an array of ids");
      expect(firstIds).toHaveLength(2);
      expect(new Set(firstIds).size).toBe(2);
      expect(await rowsOf(firstIds)).toBe(2);
      expect(await outboxOf(firstIds)).toBe(2);
    });
  });

  describe("when a batch repeats one id with different content", () => {
    it("answers 400 and stores nothing of the batch", async () => {
      const learner = aLearner();
      const id = aStatementId();
      const other = aStatementId();
      const statement = aCompletedStatement({ learner, id });

      const response = await post([
        aCompletedStatement({ learner, id: other }),
        statement,
        { ...statement, result: { completion: false } },
      ]);

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: "STATEMENT_ID_REPEATED", issues: [{ path: [2, "id"] }] },
      });
      expect(await rowsOf([id, other])).toBe(0);
    });

    it("accepts the repeat when the content is the same, storing it once", async () => {
      const id = aStatementId();
      const statement = aCompletedStatement({ learner: aLearner(), id });
      const response = await post([statement, statement]);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([id, id]);
      expect(await rowsOf([id])).toBe(1);
      expect(await outboxOf([id])).toBe(1);
    });
  });

  describe("when the same statement arrives ten times at once", () => {
    it("answers 200 to every request and stores it once", async () => {
      const id = aStatementId();
      const statement = aCompletedStatement({ learner: aLearner(), id });

      const responses = await Promise.all(
        Array.from({ length: 10 }, () => post(statement)),
      );
      const bodies: unknown[] = await Promise.all(
        responses.map((r) => r.json()),
      );

      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(bodies).toEqual(Array(10).fill([id]));
      expect(await rowsOf([id])).toBe(1);
      expect(await outboxOf([id])).toBe(1);
      expect(
        await statementJobsCarrying(queues.statements, tenantId, id),
      ).toHaveLength(1);
    });
  });
});
