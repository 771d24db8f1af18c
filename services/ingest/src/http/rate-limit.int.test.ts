// Per-connection rate limits at /xapi, counted in the test's real Redis across two app instances.
import { noMetrics, systemClock } from "@beklijf/core";
import {
  createConnection,
  listRejections,
  type PrismaClient,
  updateConnection,
} from "@beklijf/db";
import { closeQueues } from "@beklijf/queue";
import {
  aCompletedStatement,
  aLearner,
  aTenant,
  basicAuth,
  eventually,
  type ListeningServer,
  postStatements,
  testDb,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import type { IngestDeps } from "../deps";
import { INGEST_WAYS, serveIngest } from "../serve-for-tests";
import { CONNECTION_ROW_TTL_MS } from "./authenticate";
import { createRateLimiter } from "./rate-limit";

describe.each(INGEST_WAYS)("rate limits per connection (%s)", (way) => {
  const redis = testQueues("ingest-rate");
  let db: PrismaClient;
  let tenantId: string;
  // Two instances of the app on the same Redis, as two ingest replicas behind a load balancer.
  let left: ListeningServer;
  let right: ListeningServer;

  const serve = async (deps: IngestDeps): Promise<ListeningServer> => {
    return serveIngest(deps, way);
  };
  const post = (server: ListeningServer, authorization: string) =>
    postStatements(server.url, aCompletedStatement({ learner: aLearner() }), {
      authorization,
    });
  const aConnection = async (rateLimitPerMinute: number | null) => {
    const { connection, secret } = await createConnection(db, {
      tenantId,
      name: `limited-${Math.random().toString(36).slice(2, 8)}`,
      rateLimitPerMinute,
    });
    return {
      id: connection.id,
      authorization: basicAuth(connection.key, secret),
    };
  };

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "ingest-rate");
    const deps = (): IngestDeps => ({
      db,
      queues: redis.queues,
      clock: systemClock,
      logger: testLogger,
      metrics: noMetrics,
    });
    left = await serve(deps());
    right = await serve(deps());
  });

  afterAll(async () => {
    await left.close();
    await right.close();
    await redis.close();
    await db.$disconnect();
  });

  describe("when a connection makes more requests in a minute than its limit", () => {
    let connection: Awaited<ReturnType<typeof aConnection>>;
    let statuses: number[];
    let refused: Response;

    beforeAll(async () => {
      connection = await aConnection(3);
      statuses = [];
      for (const replica of [left, right, left])
        statuses.push((await post(replica, connection.authorization)).status);
      refused = await post(right, connection.authorization);
      statuses.push(refused.status);
      statuses.push((await post(left, connection.authorization)).status);
    });

    it("answers 429 RATE_LIMITED with Retry-After once the limit is reached, on any replica", async () => {
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await refused.json()).toMatchObject({
        error: {
          code: "RATE_LIMITED",
          message: expect.stringContaining("3 requests per minute") as unknown,
        },
      });
    });

    it("counts in Redis, under the queues' prefix", async () => {
      const count = await redis.connection.get(
        `${redis.prefix}:rate:${connection.id}`,
      );
      expect(Number(count)).toBe(5);
    });

    it("records the first refusal of the minute as a rejection, not every one", async () => {
      const rejections = await listRejections(db, connection.id);
      expect(rejections).toHaveLength(1);
      expect(rejections[0]).toMatchObject({
        status: 429,
        code: "RATE_LIMITED",
      });
      const row = await db.connection.findUnique({
        where: { id: connection.id },
      });
      expect(row?.rejectedCount).toBe(1);
    });

    it("lets requests through again when an admin lifts the limit", async () => {
      await updateConnection(db, tenantId, connection.id, {
        rateLimitPerMinute: null,
      });
      // Ingest re-reads a connection's row at most CONNECTION_ROW_TTL_MS after the last read.
      await eventually(
        async () =>
          (await post(left, connection.authorization)).status === 200
            ? true
            : undefined,
        {
          timeoutMs: CONNECTION_ROW_TTL_MS + 1_000,
          what: "the lifted limit to let requests through",
        },
      );
    });
  });

  it("never refuses a connection without a limit", async () => {
    const { authorization } = await aConnection(null);
    const statuses = await Promise.all(
      Array.from(
        { length: 12 },
        async () => (await post(left, authorization)).status,
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});

describe("createRateLimiter when Redis does not answer", () => {
  it("counts per process instead, so requests keep being accepted up to the limit", async () => {
    const redis = testQueues("ingest-rate-down");
    await redis.connection.quit();
    const limiter = createRateLimiter({
      queues: redis.queues,
      logger: testLogger,
    });
    const decisions = [];
    for (let i = 0; i < 3; i += 1)
      decisions.push(await limiter.consume("a-connection", 2));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(decisions[2]).toMatchObject({ firstInWindow: true });
    await closeQueues(redis.queues).catch(() => undefined);
  });
});

describe("createRateLimiter with a high limit", () => {
  const redis = testQueues("ingest-rate-batched");
  afterAll(() => redis.close());

  it("counts far from the limit locally, adds it to Redis in batches, and is exact at the limit", async () => {
    const limiter = createRateLimiter({
      queues: redis.queues,
      logger: testLogger,
    });
    const key = `${redis.prefix}:rate:busy-connection`;
    // The window's first request is counted in Redis; the next ones, far from the limit, locally.
    expect(await limiter.consume("busy-connection", 1_000)).toEqual({
      allowed: true,
    });
    const burst = await Promise.all(
      Array.from({ length: 699 }, () =>
        limiter.consume("busy-connection", 1_000),
      ),
    );
    expect(burst.every((d) => d.allowed)).toBe(true);
    expect(Number(await redis.connection.get(key))).toBe(1);
    await eventually(
      async () =>
        Number(await redis.connection.get(key)) === 700 ? true : undefined,
      { timeoutMs: 2_000, what: "the local count to reach Redis in a batch" },
    );
    // From 80% of the limit on, every request is counted in Redis: exactly 1000 get through.
    const rest = [];
    for (let i = 0; i < 400; i += 1)
      rest.push(await limiter.consume("busy-connection", 1_000));
    expect(rest.filter((d) => d.allowed)).toHaveLength(300);
    expect(rest.filter((d) => !d.allowed && d.firstInWindow)).toHaveLength(1);
    expect(Number(await redis.connection.get(key))).toBe(1_100);
  });
});
