// POST /xapi/statements against real PostgreSQL and Redis, through buildApp on port 0.
import { randomBytes } from "node:crypto";

import { noMetrics, systemClock } from "@beklijf/core";
import { createConnection, type PrismaClient } from "@beklijf/db";
import { statementBatchJobId, statementJobId } from "@beklijf/queue";
import {
  aCompletedStatement,
  aLearner,
  anLmsConnection,
  aStatementId,
  aTenant,
  basicAuth,
  eventually,
  type ListeningServer,
  outboxRowsCarrying,
  postStatements,
  serveMounted,
  statementJobsCarrying,
  testDb,
  testLogger,
  testQueues,
} from "@beklijf/testing";
import { type Express } from "express";

import { buildApp } from "./app";
import type { IngestDeps } from "./deps";
import { CONNECTION_ROW_TTL_MS } from "./http/authenticate";
import { INGEST_WAYS, serveIngest } from "./serve-for-tests";

/** Mounts the xAPI app at /xapi, as the launcher does, on a free loopback port. */
function serve(app: Express): Promise<ListeningServer> {
  return serveMounted("/xapi", app);
}

function isArray(value: unknown): value is unknown[] {
  return Array.isArray(value);
}

/** The `path`s of an error body's issues (empty when there are none). */
function issuePaths(body: unknown): unknown[][] {
  const issues = field(field(body, "error"), "issues");
  if (!isArray(issues)) return [];
  return issues.map((issue) => {
    const path = field(issue, "path");
    return isArray(path) ? path : [];
  });
}

/** Reads one field of a JSON answer, without trusting its shape. */
function field(value: unknown, name: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  const found: unknown = Reflect.get(value, name);
  return found;
}

describe.each(INGEST_WAYS)("POST /xapi/statements (%s)", (way) => {
  const redis = testQueues("ingest");
  const { queues } = redis;
  let db: PrismaClient;
  let served: ListeningServer;
  let small: ListeningServer;
  let tenantId: string;
  let auth: string;
  let key: string;

  const post = (
    body: unknown,
    options: {
      auth?: string | null;
      version?: string | null;
      raw?: string;
      to?: ListeningServer;
    } = {},
  ) =>
    postStatements((options.to ?? served).url, body, {
      authorization: options.auth === undefined ? auth : options.auth,
      version: options.version,
      raw: options.raw,
    });
  const statementCount = () => db.statement.count({ where: { tenantId } });
  const outboxCount = () => db.outboxEvent.count({ where: { tenantId } });

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "ingest");
    ({ key, authorization: auth } = await anLmsConnection(db, tenantId));
    const deps: IngestDeps = {
      db,
      queues,
      clock: systemClock,
      logger: testLogger,
      metrics: noMetrics,
    };
    served = await serveIngest(deps, way);
    small = await serveIngest({ ...deps, bodyLimit: "1kb" }, way);
  });

  afterAll(async () => {
    await served.close();
    await small.close();
    await redis.close();
    await db.$disconnect();
  });

  describe("when one valid statement arrives", () => {
    const learner = aLearner();
    const id = aStatementId();
    let response: Response;
    let body: unknown;

    beforeAll(async () => {
      response = await post(aCompletedStatement({ learner, id }));
      body = await response.json();
    });

    it("answers 200 with the array of its id", () => {
      expect(response.status).toBe(200);
      expect(body).toEqual([id]);
      expect(response.headers.get("x-experience-api-version")).toBe("1.0.3");
    });

    it("stores the statement with its raw JSON", async () => {
      const row = await db.statement.findUnique({
        where: { tenantId_id: { tenantId, id } },
      });
      expect(row).toMatchObject({
        actorKey: `mbox:mailto:${learner.email}`,
        verbId: "http://adlnet.gov/expapi/verbs/completed",
      });
      expect(row?.raw).toMatchObject({
        id,
        actor: { mbox: `mailto:${learner.email}` },
        result: { completion: true },
      });
    });

    it("stamps it with the connection as authority, at the URL it came in on", async () => {
      const row = await db.statement.findUnique({
        where: { tenantId_id: { tenantId, id } },
      });
      expect(field(row?.raw, "authority")).toEqual({
        objectType: "Agent",
        account: { homePage: `${served.url}/xapi`, name: key },
      });
    });

    it("writes its outbox row in the same commit and marks it dispatched", async () => {
      const rows = await outboxRowsCarrying(db, tenantId, id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        queue: "statements",
        jobName: "statements.process",
        // A slice of one keeps the statement's own job id.
        jobId: statementJobId(tenantId, id),
        payload: { tenantId, statementIds: [id] },
      });
      expect(rows[0]?.dispatchedAt).toBeInstanceOf(Date);
    });

    it("enqueues it for the engine in a statements.process slice", async () => {
      const jobs = await statementJobsCarrying(queues.statements, tenantId, id);
      expect(jobs.map((job) => job.name)).toEqual(["statements.process"]);
    });
  });

  describe("when a batch arrives", () => {
    it("answers 200 with the ids in the order sent, and stores and enqueues each", async () => {
      const learner = aLearner();
      const ids = [aStatementId(), aStatementId(), aStatementId()];
      const response = await post(
        ids.map((id) => aCompletedStatement({ learner, id })),
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(ids);
      expect(
        await db.statement.count({ where: { tenantId, id: { in: ids } } }),
      ).toBe(3);
      // One hand-off for the batch: a statements.process slice naming each statement once.
      const rows = await outboxRowsCarrying(db, tenantId, ids[0] ?? "");
      expect(rows.map((row) => [row.jobId, row.payload])).toEqual([
        [statementBatchJobId(tenantId, ids), { tenantId, statementIds: ids }],
      ]);
      for (const id of ids)
        expect(
          await statementJobsCarrying(queues.statements, tenantId, id),
        ).toHaveLength(1);
    });
  });

  describe("when statements come with attachments in a multipart/mixed body", () => {
    it("refuses them with a clear 400 and stores nothing", async () => {
      const before = await statementCount();
      const boundary = "abc123";
      const body = [
        `--${boundary}`,
        "Content-Type: application/json",
        "",
        JSON.stringify(aCompletedStatement({ learner: aLearner() })),
        `--${boundary}--`,
        "",
      ].join("\r\n");
      const response = await fetch(`${served.url}/xapi/statements`, {
        method: "POST",
        headers: {
          "content-type": `multipart/mixed; boundary=${boundary}`,
          "x-experience-api-version": "1.0.3",
          authorization: auth,
        },
        body,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: {
          code: "MULTIPART_NOT_SUPPORTED",
          message: expect.stringContaining("fileUrl") as unknown,
        },
      });
      expect(await statementCount()).toBe(before);
    });
  });

  describe("without the X-Experience-API-Version header", () => {
    it("answers 400 XAPI_VERSION_MISSING, names the version it speaks and stores nothing", async () => {
      const before = await statementCount();
      const response = await post(
        aCompletedStatement({ learner: aLearner() }),
        { version: null },
      );
      expect(response.status).toBe(400);
      expect(response.headers.get("x-experience-api-version")).toBe("1.0.3");
      expect(await response.json()).toMatchObject({
        error: { code: "XAPI_VERSION_MISSING" },
      });
      expect(await statementCount()).toBe(before);
    });

    it("refuses a version it does not speak the same way", async () => {
      const response = await post(
        aCompletedStatement({ learner: aLearner() }),
        { version: "0.95" },
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: "XAPI_VERSION_MISSING" },
      });
    });
  });

  describe("when the credentials are not right", () => {
    const refused = async (authorization: string | null, code: string) => {
      const before = await statementCount();
      const response = await post(
        aCompletedStatement({ learner: aLearner(), id: aStatementId() }),
        { auth: authorization },
      );
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
      expect(await response.json()).toMatchObject({ error: { code } });
      expect(await statementCount()).toBe(before);
    };

    it("answers 401 with WWW-Authenticate when none are sent", () =>
      refused(null, "CREDENTIALS_MISSING"));

    it("answers 401 for a wrong secret", () =>
      refused(basicAuth(key, "not-the-secret"), "CREDENTIALS_INVALID"));

    it("answers 401 for an unknown key", () =>
      refused(
        basicAuth(`bk_unknown${randomBytes(6).toString("hex")}`, "whatever"),
        "CREDENTIALS_INVALID",
      ));

    it("answers 401 for a disabled connection", async () => {
      const disabled = await createConnection(db, {
        tenantId,
        name: "disabled lms",
      });
      await db.connection.update({
        where: { id: disabled.connection.id },
        data: { enabled: false },
      });
      await refused(
        basicAuth(disabled.connection.key, disabled.secret),
        "CONNECTION_DISABLED",
      );
    });

    it("answers 401 within a second for a connection disabled after it was last accepted", async () => {
      const lms = await createConnection(db, {
        tenantId,
        name: "lms disabled later",
      });
      const credentials = basicAuth(lms.connection.key, lms.secret);
      expect(
        (
          await post(aCompletedStatement({ learner: aLearner() }), {
            auth: credentials,
          })
        ).status,
      ).toBe(200);
      await db.connection.update({
        where: { id: lms.connection.id },
        data: { enabled: false },
      });
      // Ingest re-reads a connection's row at most CONNECTION_ROW_TTL_MS after the last read.
      await eventually(
        async () =>
          (
            await post(aCompletedStatement({ learner: aLearner() }), {
              auth: credentials,
            })
          ).status === 401
            ? true
            : undefined,
        {
          timeoutMs: CONNECTION_ROW_TTL_MS + 1_000,
          what: "the disabled connection to be refused",
        },
      );
      await refused(credentials, "CONNECTION_DISABLED");
    });
  });

  describe("when a statement is invalid", () => {
    it("answers 400 STATEMENT_INVALID with issues that point into the statement", async () => {
      const statement = {
        ...aCompletedStatement({ learner: aLearner() }),
        verb: { id: "completed" },
      };
      const response = await post(statement);
      expect(response.status).toBe(400);
      const body: unknown = await response.json();
      expect(body).toMatchObject({ error: { code: "STATEMENT_INVALID" } });
      expect(issuePaths(body)).toContainEqual(["verb", "id"]);
    });

    it("locates every issue of a batch by the statement's index, and stores none of the batch", async () => {
      const learner = aLearner();
      const valid = aCompletedStatement({ learner, id: aStatementId() });
      const invalid = {
        ...aCompletedStatement({ learner, id: aStatementId() }),
        actor: { name: "No identifier" },
      };
      const [statementsBefore, outboxBefore] = [
        await statementCount(),
        await outboxCount(),
      ];

      const response = await post([valid, invalid]);

      expect(response.status).toBe(400);
      const body: unknown = await response.json();
      expect(body).toMatchObject({ error: { code: "STATEMENT_INVALID" } });
      const paths = issuePaths(body);
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(path[0]).toBe(1);
      expect(await statementCount()).toBe(statementsBefore);
      expect(await outboxCount()).toBe(outboxBefore);
    });

    it("answers 400 STATEMENTS_EMPTY for an empty batch", async () => {
      const response = await post([]);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: "STATEMENTS_EMPTY" },
      });
    });
  });

  describe("when the body is larger than the limit", () => {
    it("answers 413 BODY_TOO_LARGE and stores nothing", async () => {
      const before = await statementCount();
      const big = {
        ...aCompletedStatement({ learner: aLearner(), id: aStatementId() }),
        result: { completion: true, response: "x".repeat(2_048) },
      };
      const response = await post(big, { to: small });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({
        error: { code: "BODY_TOO_LARGE" },
      });
      expect(await statementCount()).toBe(before);
    });

    it("still accepts a statement under the limit", async () => {
      const response = await post(
        aCompletedStatement({ learner: aLearner() }),
        { to: small },
      );
      expect(response.status).toBe(200);
    });
  });

  describe("when the body is not JSON", () => {
    it("answers 400 BODY_NOT_JSON", async () => {
      const response = await post(undefined, {
        raw: '{"actor": {"mbox": "mailto:anna@example.test"',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: "BODY_NOT_JSON" },
      });
    });
  });
});

describe("GET /xapi/about", () => {
  it("answers without credentials, with the versions it speaks", async () => {
    const db = testDb();
    const redis = testQueues("ingest-about");
    const served = await serve(
      buildApp({
        db,
        queues: redis.queues,
        clock: systemClock,
        logger: testLogger,
        metrics: noMetrics,
      }),
    );
    try {
      const response = await fetch(`${served.url}/xapi/about`);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-experience-api-version")).toBe("1.0.3");
      expect(field(await response.json(), "version")).toContain("1.0.3");
    } finally {
      await served.close();
      await redis.close();
      await db.$disconnect();
    }
  });
});
