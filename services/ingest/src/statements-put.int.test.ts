// PUT /xapi/statements?statementId=… (xAPI 1.0.3 Communication 2.1.1) against real PostgreSQL and
// Redis: 204, the same idempotency as POST, and the id rules of a PUT.
import { randomUUID } from "node:crypto";

import type { PrismaClient } from "@beklijf/db";
import { statementJobId } from "@beklijf/queue";
import {
  aCompletedStatement,
  aLearner,
  anLmsConnection,
  aTenant,
  type ListeningServer,
  postStatements,
  serveMounted,
  serviceTestDeps,
  testDb,
  testQueues,
} from "@beklijf/testing";

import { buildApp } from "./app";

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = Reflect.get(current, key);
  }
  return current;
}

describe("PUT /xapi/statements", () => {
  const redis = testQueues("ingest-put");
  let db: PrismaClient;
  let served: ListeningServer;
  let tenantId: string;
  let auth: string;

  const put = (
    statementId: string | null,
    body: unknown,
    options: { auth?: string | null; query?: string } = {},
  ) =>
    fetch(
      `${served.url}/xapi/statements${
        options.query ??
        (statementId === null ? "" : `?statementId=${statementId}`)
      }`,
      {
        method: "PUT",
        headers: {
          "content-type": "application/json",
          "x-experience-api-version": "1.0.3",
          ...(options.auth === null
            ? {}
            : { authorization: options.auth ?? auth }),
        },
        body: JSON.stringify(body),
      },
    );
  const rows = (id: string) =>
    db.statement.count({ where: { tenantId, id: id.toLowerCase() } });

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "ingest-put");
    ({ authorization: auth } = await anLmsConnection(db, tenantId));
    served = await serveMounted(
      "/xapi",
      buildApp(serviceTestDeps({ db, queues: redis.queues })),
    );
  });

  afterAll(async () => {
    await served.close();
    await redis.close();
    await db.$disconnect();
  });

  describe("when a new statement arrives", () => {
    const id = randomUUID();
    const statement = { ...aCompletedStatement({ learner: aLearner() }), id };
    let response: Response;

    beforeAll(async () => {
      response = await put(id, statement);
    });

    it("answers 204 without a body", async () => {
      expect(response.status).toBe(204);
      expect(await response.text()).toBe("");
      expect(response.headers.get("x-experience-api-version")).toBe("1.0.3");
      expect(
        response.headers.get("x-experience-api-consistent-through"),
      ).not.toBeNull();
    });

    it("stores it with its outbox row, like POST", async () => {
      expect(await rows(id)).toBe(1);
      expect(
        await db.outboxEvent.count({
          where: { tenantId, jobId: statementJobId(tenantId, id) },
        }),
      ).toBe(1);
    });

    it("answers the same content again with 204 and changes nothing", async () => {
      const again = await put(id, statement);
      expect(again.status).toBe(204);
      expect(await rows(id)).toBe(1);
      expect(
        await db.outboxEvent.count({
          where: { tenantId, jobId: statementJobId(tenantId, id) },
        }),
      ).toBe(1);
    });

    it("answers other content under the same id with 409 and keeps the first", async () => {
      const other = await put(id, {
        ...statement,
        verb: { id: "http://adlnet.gov/expapi/verbs/passed" },
      });
      expect(other.status).toBe(409);
      expect(field(await other.json(), "error", "code")).toBe(
        "STATEMENT_ID_CONFLICT",
      );
      const row = await db.statement.findUniqueOrThrow({
        where: { tenantId_id: { tenantId, id } },
      });
      expect(row.verbId).toBe("http://adlnet.gov/expapi/verbs/completed");
    });

    it("answers a POST of the same statement with 200 and its id", async () => {
      const posted = await postStatements(served.url, statement, {
        authorization: auth,
      });
      expect(posted.status).toBe(200);
      expect(await posted.json()).toEqual([id]);
    });
  });

  it("gives a statement without an id the statementId", async () => {
    const id = randomUUID();
    const response = await put(
      id,
      aCompletedStatement({ learner: aLearner() }),
    );
    expect(response.status).toBe(204);
    const got = await fetch(`${served.url}/xapi/statements?statementId=${id}`, {
      headers: { authorization: auth, "x-experience-api-version": "1.0.3" },
    });
    expect(field(await got.json(), "id")).toBe(id);
  });

  it("accepts a statementId in upper case for the same statement", async () => {
    const id = randomUUID();
    const response = await put(id.toUpperCase(), {
      ...aCompletedStatement({ learner: aLearner() }),
      id,
    });
    expect(response.status).toBe(204);
    expect(await rows(id)).toBe(1);
  });

  it("refuses other content under an id that came in by POST with 409", async () => {
    const id = randomUUID();
    const statement = { ...aCompletedStatement({ learner: aLearner() }), id };
    expect(
      (await postStatements(served.url, statement, { authorization: auth }))
        .status,
    ).toBe(200);
    const response = await put(id, { ...statement, result: { success: true } });
    expect(response.status).toBe(409);
  });

  const refused: [string, () => Promise<Response>, number][] = [
    [
      "a body id other than statementId",
      () =>
        put(randomUUID(), {
          ...aCompletedStatement({ learner: aLearner() }),
          id: randomUUID(),
        }),
      400,
    ],
    [
      "no statementId",
      () => put(null, aCompletedStatement({ learner: aLearner() })),
      400,
    ],
    [
      "a statementId that is no UUID",
      () => put("true", aCompletedStatement({ learner: aLearner() })),
      400,
    ],
    [
      "another query parameter",
      () =>
        put(null, aCompletedStatement({ learner: aLearner() }), {
          query: `?statementId=${randomUUID()}&verb=x`,
        }),
      400,
    ],
    [
      "an array",
      () => put(randomUUID(), [aCompletedStatement({ learner: aLearner() })]),
      400,
    ],
    [
      "an invalid statement",
      () => put(randomUUID(), { actor: { name: "nobody" } }),
      400,
    ],
    [
      "no credentials",
      () =>
        put(randomUUID(), aCompletedStatement({ learner: aLearner() }), {
          auth: null,
        }),
      401,
    ],
  ];

  it.each(refused)(
    "refuses %s and stores nothing",
    async (_name, send, status) => {
      const before = await db.statement.count({ where: { tenantId } });
      const response = await send();
      expect(response.status).toBe(status);
      expect(
        response.headers.get("x-experience-api-consistent-through"),
      ).not.toBeNull();
      expect(await db.statement.count({ where: { tenantId } })).toBe(before);
    },
  );
});
