// DESIGN.md: losing Redis must never lose a statement. With Redis unreachable the statement is still
// acknowledged after its commit, and the outbox relay enqueues it once Redis answers.
import { createScaledClock, systemClock } from "@beklijf/core";
import { type PrismaClient, storeStatements } from "@beklijf/db";
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  type Queues,
  statementBatchJobId,
  statementHandOff,
  statementJobId,
} from "@beklijf/queue";
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
  testLogger,
  testQueues,
} from "@beklijf/testing";
import { prepareStatement } from "@beklijf/xapi";
import type { Redis } from "ioredis";

import { buildApp } from "./app";
import { startOutboxRelay } from "./outbox-relay";

describe("POST /xapi/statements while Redis is down", () => {
  // Live queues for the relay; the app gets dead ones (below) under the same prefix.
  const redis = testQueues("ingest-relay");
  const { queues } = redis;
  let db: PrismaClient;
  let deadRedis: Redis;
  let deadQueues: Queues;
  let server: ListeningServer;
  let tenantId: string;
  let authorization: string;

  const post = (body: unknown) =>
    postStatements(server.url, body, {
      authorization,
      // A hanging request is the failure this file guards against; fail it well before jest's timeout.
      timeoutMs: 10_000,
    });

  beforeAll(async () => {
    db = testDb();
    // Nothing listens on port 1: the producer connection never becomes ready.
    deadRedis = createRedisConnection("redis://127.0.0.1:1", "producer");
    deadRedis.on("error", () => undefined);
    deadQueues = createQueues({
      connection: deadRedis,
      prefix: redis.prefix,
      logger: testLogger,
    });
    tenantId = await aTenant(db, "ingest-relay");
    ({ authorization } = await anLmsConnection(db, tenantId));
    server = await serveMounted(
      "/xapi",
      buildApp(serviceTestDeps({ db, queues: deadQueues })),
    );
  });

  /** One pass of a relay on the live queues, taking every pending entry; returns how many. */
  const runRelay = async (): Promise<number> => {
    const relay = startOutboxRelay(
      { db, queues, clock: systemClock, logger: testLogger },
      { intervalMs: 60_000, graceMs: 0 },
    );
    try {
      return await relay.runOnce();
    } finally {
      await relay.stop();
    }
  };

  afterAll(async () => {
    await server.close();
    // Disconnecting ends BullMQ's wait for a connection that never came. Do it while a connection
    // attempt fails: ioredis's disconnect() on an already closed socket arms a 2 s timer that holds
    // the jest worker open (redis/ioredis#1247). Attempts repeat at most every 2 s.
    await new Promise<void>((resolve) => {
      deadRedis.once("error", () => {
        deadRedis.disconnect();
        resolve();
      });
    });
    await closeQueues(deadQueues);
    await redis.close();
    await db.$disconnect();
  });

  it("acknowledges after the commit, and the relay enqueues the statement once Redis answers", async () => {
    const id = aStatementId();
    const jobId = statementJobId(tenantId, id);

    const response = await post(
      aCompletedStatement({ learner: aLearner(), id }),
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([id]);
    expect(await db.statement.count({ where: { tenantId, id } })).toBe(1);
    const pending = await db.outboxEvent.findFirstOrThrow({
      where: { tenantId, jobId },
    });
    expect(pending.dispatchedAt).toBeNull();
    expect(
      await statementJobsCarrying(queues.statements, tenantId, id),
    ).toEqual([]);

    // The relay serves every tenant of the shared test database, so it may dispatch more than ours.
    expect(await runRelay()).toBeGreaterThanOrEqual(1);

    expect(
      (await statementJobsCarrying(queues.statements, tenantId, id)).map(
        (job) => job.name,
      ),
    ).toEqual(["statements.process"]);
    const dispatched = await db.outboxEvent.findFirstOrThrow({
      where: { tenantId, jobId },
    });
    expect(dispatched.dispatchedAt).toBeInstanceOf(Date);
    expect(await db.outboxEvent.count({ where: { tenantId, jobId } })).toBe(1);
  });

  it("hands a batch off as one slice, which the relay enqueues as one job once Redis answers", async () => {
    const ids = [aStatementId(), aStatementId(), aStatementId()];
    const learner = aLearner();
    const response = await post(
      ids.map((id) => aCompletedStatement({ learner, id })),
    );
    expect(response.status).toBe(200);
    const rows = await outboxRowsCarrying(db, tenantId, ids[0] ?? "");
    expect(
      rows.map((row) => [row.jobName, row.payload, row.dispatchedAt]),
    ).toEqual([["statements.process", { tenantId, statementIds: ids }, null]]);

    await runRelay();

    for (const id of ids)
      expect(
        (await statementJobsCarrying(queues.statements, tenantId, id)).map(
          (job) => job.id,
        ),
      ).toEqual([statementBatchJobId(tenantId, ids)]);
    expect(
      (await outboxRowsCarrying(db, tenantId, ids[0] ?? "")).map(
        (row) => row.dispatchedAt instanceof Date,
      ),
    ).toEqual([true]);
  });

  it("still enqueues the per-statement rows an older release wrote", async () => {
    const statements = [aStatementId(), aStatementId()].map((id) => {
      const result = prepareStatement(
        aCompletedStatement({ learner: aLearner(), id }),
        { clock: systemClock },
      );
      if (!result.ok) throw new Error(JSON.stringify(result.error));
      return result.value;
    });
    await storeStatements(db, {
      tenantId,
      connectionId: null,
      statements,
      handOffs: (ids) =>
        ids.map((id) => ({ tenantId, ...statementHandOff(tenantId, id) })),
    });
    const ids = statements.map((s) => s.id);
    for (const id of ids)
      expect(
        (await outboxRowsCarrying(db, tenantId, id)).map((row) => [
          row.jobId,
          row.jobName,
        ]),
      ).toEqual([[statementJobId(tenantId, id), "statement.process"]]);

    await runRelay();

    for (const id of ids) {
      expect(
        (await statementJobsCarrying(queues.statements, tenantId, id)).map(
          (job) => [job.id, job.name],
        ),
      ).toEqual([[statementJobId(tenantId, id), "statements.process"]]);
      expect(
        (await outboxRowsCarrying(db, tenantId, id)).map(
          (row) => row.dispatchedAt instanceof Date,
        ),
      ).toEqual([true]);
    }
  });

  it("leaves entries younger than the grace period to the fast path, and takes them after it", async () => {
    const id = aStatementId();
    const jobId = statementJobId(tenantId, id);
    expect(
      (await post(aCompletedStatement({ learner: aLearner(), id }))).status,
    ).toBe(200);

    // A demo process (one simulated day per second) that has been up for a minute: the grace period
    // still counts in real time, since Postgres stamps the outbox rows in real time.
    const demoClock = createScaledClock({
      scale: 86_400,
      originMs: Date.now() - 60_000,
    });
    const patient = startOutboxRelay(
      { db, queues, clock: demoClock, logger: testLogger },
      { intervalMs: 60_000, graceMs: 30_000 },
    );
    try {
      await patient.runOnce();
    } finally {
      await patient.stop();
    }

    expect(
      (await db.outboxEvent.findFirstOrThrow({ where: { tenantId, jobId } }))
        .dispatchedAt,
    ).toBeNull();
    expect(
      await statementJobsCarrying(queues.statements, tenantId, id),
    ).toEqual([]);

    await runRelay();

    expect(
      (await db.outboxEvent.findFirstOrThrow({ where: { tenantId, jobId } }))
        .dispatchedAt,
    ).toBeInstanceOf(Date);
    expect(
      await statementJobsCarrying(queues.statements, tenantId, id),
    ).toHaveLength(1);
  });

  it("deletes entries dispatched longer ago than the retention, keeping recent and set-aside ones", async () => {
    const ids = [aStatementId(), aStatementId(), aStatementId()];
    for (const id of ids)
      expect(
        (await post(aCompletedStatement({ learner: aLearner(), id }))).status,
      ).toBe(200);
    const [old, recent, setAside] = ids.map((id) =>
      statementJobId(tenantId, id),
    ) as [string, string, string];
    // Only our own rows are aged past the retention: other tests share this database.
    await db.$executeRaw`UPDATE outbox_events SET dispatched_at = now() - interval '2 days' WHERE job_id = ${old}`;
    await db.$executeRaw`UPDATE outbox_events SET dispatched_at = now() - interval '2 days', error = 'no worker knows it' WHERE job_id = ${setAside}`;
    await db.$executeRaw`UPDATE outbox_events SET dispatched_at = now() WHERE job_id = ${recent}`;

    const relay = startOutboxRelay(
      { db, queues, clock: systemClock, logger: testLogger },
      { intervalMs: 60_000, graceMs: 0, retentionMs: 24 * 60 * 60 * 1000 },
    );
    try {
      expect(await relay.pruneOnce()).toBeGreaterThanOrEqual(1);
    } finally {
      await relay.stop();
    }

    const left = await db.outboxEvent.findMany({
      where: { tenantId, jobId: { in: [old, recent, setAside] } },
      select: { jobId: true, error: true },
    });
    expect(left.map((row) => row.jobId).sort()).toEqual(
      [recent, setAside].sort(),
    );
  });
});
