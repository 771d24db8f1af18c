// Refused requests of an authenticated connection are recorded for its health page: reason, path
// and the offending statement, the last 50 only. Real PostgreSQL and Redis, buildApp on port 0.
import { type MetricName, systemClock } from "@beklijf/core";
import {
  createConnection,
  getConnectionHealth,
  listRejections,
  type PrismaClient,
  REJECTION_STATEMENT_MAX_BYTES,
  REJECTIONS_KEPT,
} from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  aStatementId,
  aTenant,
  basicAuth,
  type ListeningServer,
  postStatements,
  testDb,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import type { IngestDeps } from "../deps";
import { INGEST_WAYS, serveIngest } from "../serve-for-tests";

describe.each(INGEST_WAYS)("recording rejections (%s)", (way) => {
  const redis = testQueues("ingest-rejections");
  let db: PrismaClient;
  let tenantId: string;
  let served: ListeningServer;
  let small: ListeningServer;

  const serve = async (deps: IngestDeps): Promise<ListeningServer> => {
    return serveIngest(deps, way);
  };
  const aConnection = async () => {
    const { connection, secret } = await createConnection(db, {
      tenantId,
      name: `lms-${Math.random().toString(36).slice(2, 8)}`,
      rateLimitPerMinute: null,
    });
    return {
      id: connection.id,
      key: connection.key,
      authorization: basicAuth(connection.key, secret),
    };
  };
  /** Our own metrics port, recording what ingest counts. */
  const counted = new Map<MetricName, number>();
  const rejectedCount = async (id: string) =>
    (await db.connection.findUnique({ where: { id } }))?.rejectedCount;

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "ingest-rejections");
    const deps: IngestDeps = {
      db,
      queues: redis.queues,
      clock: systemClock,
      logger: testLogger,
      metrics: {
        count: (name, value = 1) =>
          counted.set(name, (counted.get(name) ?? 0) + value),
      },
    };
    served = await serve(deps);
    small = await serve({ ...deps, bodyLimit: "1kb" });
  });

  afterAll(async () => {
    await served.close();
    await small.close();
    await redis.close();
    await db.$disconnect();
  });

  describe("when a query (not a statement) is malformed", () => {
    it("answers 400 but records nothing: the health page shows refused statements", async () => {
      const connection = await aConnection();
      const response = await fetch(`${served.url}/xapi/statements?LIMIT=1`, {
        headers: {
          authorization: connection.authorization,
          "x-experience-api-version": "1.0.3",
        },
      });
      expect(response.status).toBe(400);
      expect(await rejectedCount(connection.id)).toBe(0);
      expect(
        await db.connectionRejection.count({
          where: { connectionId: connection.id },
        }),
      ).toBe(0);
    });
  });

  describe("when a batch has an invalid statement", () => {
    const learner = aLearner();
    const invalid = {
      ...aCompletedStatement({ learner }),
      verb: { id: "completed" },
    };
    let connection: Awaited<ReturnType<typeof aConnection>>;
    let response: Response;

    beforeAll(async () => {
      connection = await aConnection();
      response = await postStatements(
        served.url,
        [aCompletedStatement({ learner }), invalid],
        { authorization: connection.authorization },
      );
    });

    it("answers 400 as before, and counts the refusal in the metrics", () => {
      expect(response.status).toBe(400);
      expect(counted.get("statements_rejected_total")).toBeGreaterThanOrEqual(
        1,
      );
    });

    it("records the reason, the path and the offending statement of the batch", async () => {
      const [rejection, ...others] = await listRejections(db, connection.id);
      expect(others).toEqual([]);
      expect(rejection).toMatchObject({
        status: 400,
        code: "STATEMENT_INVALID",
        path: [1, "verb", "id"],
        statement: invalid,
        statementTruncated: false,
      });
      expect(rejection?.reason).toContain("must be an IRI");
    });

    it("counts it, and shows it in the connection's health", async () => {
      expect(await rejectedCount(connection.id)).toBe(1);
      const row = await db.connection.findUniqueOrThrow({
        where: { id: connection.id },
      });
      const health = await getConnectionHealth(db, row);
      expect(health).toMatchObject({ acceptedCount: 0, rejectedCount: 1 });
      expect(health.lastRejectedAt).toBeInstanceOf(Date);
    });
  });

  it("records a 409 with the statement whose id conflicts", async () => {
    const { id, authorization } = await aConnection();
    const statementId = aStatementId();
    const learner = aLearner();
    const first = aCompletedStatement({ learner, id: statementId });
    expect(
      (await postStatements(served.url, first, { authorization })).status,
    ).toBe(200);
    const other = aCompletedStatement({
      learner: aLearner(),
      id: statementId,
    });
    const batch = [aCompletedStatement({ learner }), other];
    expect(
      (await postStatements(served.url, batch, { authorization })).status,
    ).toBe(409);
    const [rejection] = await listRejections(db, id);
    expect(rejection).toMatchObject({
      status: 409,
      code: "STATEMENT_ID_CONFLICT",
      path: [1, "id"],
      statement: other,
    });
  });

  it("records a body too large, with a message that gives the limit", async () => {
    const { id, authorization } = await aConnection();
    const response = await postStatements(
      small.url,
      [aCompletedStatement({ learner: aLearner() })],
      {
        authorization,
        raw: JSON.stringify(
          Array.from({ length: 10 }, () =>
            aCompletedStatement({ learner: aLearner() }),
          ),
        ),
      },
    );
    expect(response.status).toBe(413);
    const body = (await response.json()) as {
      error: { code: string; message: string };
    };
    expect(body.error.code).toBe("BODY_TOO_LARGE");
    expect(body.error.message).toMatch(
      /larger than the 1\.0 KB this endpoint accepts/,
    );
    expect(body.error.message).toMatch(/fewer statements/);
    const [rejection] = await listRejections(db, id);
    expect(rejection).toMatchObject({
      status: 413,
      code: "BODY_TOO_LARGE",
      statement: null,
    });
  });

  it("records a body that is not JSON, with its text", async () => {
    const { id, authorization } = await aConnection();
    const response = await postStatements(served.url, null, {
      authorization,
      raw: '{"actor": ',
    });
    expect(response.status).toBe(400);
    const [rejection] = await listRejections(db, id);
    expect(rejection).toMatchObject({
      status: 400,
      code: "BODY_NOT_JSON",
      statement: '{"actor": ',
    });
  });

  it("records nothing for a refusal it cannot attribute: a wrong secret", async () => {
    const { id, key } = await aConnection();
    const response = await postStatements(
      served.url,
      aCompletedStatement({ learner: aLearner() }),
      { authorization: basicAuth(key, "wrong"), version: null },
    );
    expect(response.status).toBe(400);
    expect(await listRejections(db, id)).toEqual([]);
    expect(await rejectedCount(id)).toBe(0);
  });

  it("keeps an oversized statement's first 16 KB, as text", async () => {
    const { id, authorization } = await aConnection();
    const statement = {
      ...aCompletedStatement({ learner: aLearner() }),
      verb: { id: "completed" },
      result: { response: "é".repeat(REJECTION_STATEMENT_MAX_BYTES) },
    };
    expect(
      (await postStatements(served.url, statement, { authorization })).status,
    ).toBe(400);
    const [rejection] = await listRejections(db, id);
    expect(rejection?.statementTruncated).toBe(true);
    expect(typeof rejection?.statement).toBe("string");
    const text = String(rejection?.statement);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(
      REJECTION_STATEMENT_MAX_BYTES,
    );
    expect(JSON.stringify(statement).startsWith(text)).toBe(true);
  });

  describe(`when more than ${REJECTIONS_KEPT} requests are refused`, () => {
    it(`keeps the newest ${REJECTIONS_KEPT} and counts them all`, async () => {
      const { id, authorization } = await aConnection();
      const total = REJECTIONS_KEPT + 5;
      for (let i = 0; i < total; i += 1) {
        const response = await postStatements(
          served.url,
          {
            ...aCompletedStatement({ learner: aLearner() }),
            verb: { id: `v${i}` },
          },
          { authorization },
        );
        expect(response.status).toBe(400);
      }
      const rejections = await listRejections(db, id);
      expect(rejections).toHaveLength(REJECTIONS_KEPT);
      expect(
        await db.connectionRejection.count({ where: { connectionId: id } }),
      ).toBe(REJECTIONS_KEPT);
      const verbOf = (statement: unknown) =>
        field(field(statement, "verb"), "id");
      expect(verbOf(rejections[0]?.statement)).toBe(`v${total - 1}`);
      expect(verbOf(rejections.at(-1)?.statement)).toBe(
        `v${total - REJECTIONS_KEPT}`,
      );
      expect(await rejectedCount(id)).toBe(total);
    });
  });
});

/** Reads one field of a JSON value, without trusting its shape. */
function field(value: unknown, name: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  const found: unknown = Reflect.get(value, name);
  return found;
}
