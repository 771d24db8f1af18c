import { createManualClock, noMetrics } from "@beklijf/core";
import { markOutboxDispatched, type PrismaClient } from "@beklijf/db";
import { deliveryHandOff, statementJobId } from "@beklijf/queue";
import type { Rule } from "@beklijf/rules";
import {
  aCompletedStatement,
  aLearner,
  aTenantWithRules,
  eventually,
  type OwnTestDb,
  ownTestDb,
  storeStatement,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import { type EngineHandle, start } from "./start";

// Losing Redis must never lose a statement or a delivery: jobs that were enqueued (and their
// outbox rows marked dispatched) and then vanished come back from Postgres on the next pass.

const dueAtOnce: Rule = {
  key: "right-away",
  name: "Right after a completion",
  enabled: true,
  trigger: { verbs: ["http://adlnet.gov/expapi/verbs/completed"] },
  steps: [
    {
      key: "now",
      offset: "PT0S",
      recipient: "learner",
      template: "commit",
      why: "due at once, so the test sees a delivery",
    },
  ],
};

describe("the reconciler after Redis lost jobs", () => {
  const redis = testQueues("engine-lost");
  const { queues } = redis;
  const clock = createManualClock(new Date("2030-03-04T09:00:00Z"));
  let own: OwnTestDb | undefined;
  let db: PrismaClient;
  let engine: EngineHandle | undefined;
  let tenantId: string;

  beforeAll(async () => {
    own = await ownTestDb();
    ({ db } = own);
    tenantId = await aTenantWithRules(db, "lost", [dueAtOnce]);
    // No grace, and passes only when a test asks. The first runs at start: wait for it here (a
    // pass waits for the one running), or it could take a test's statement before the test asks.
    engine = start(
      { ...redis, db, clock, logger: testLogger, metrics: noMetrics },
      { reconcileIntervalMs: 3_600_000, reconcileGraceMs: 0 },
    );
    await engine.reconcile();
  });

  afterAll(async () => {
    await engine?.stop();
    await redis.close();
    await own?.drop();
  });

  const reconcile = (): Promise<number> => {
    if (engine === undefined) throw new Error("the engine did not start");
    return engine.reconcile();
  };

  /** Stores a completion as ingest does, marks its hand-off dispatched, but its job never reaches Redis. */
  async function aStatementWhoseJobWasLost(): Promise<string> {
    const statement = aCompletedStatement({
      learner: aLearner(),
      timestamp: clock.now().toISOString(),
    });
    const { id } = await storeStatement({ db, tenantId, statement, clock });
    await markOutboxDispatched(db, [statementJobId(tenantId, id)]);
    return id;
  }

  /** Whether the engine still has work on the statement (its pending_statements row). */
  async function isPending(id: string): Promise<boolean> {
    return (
      (await db.pendingStatement.findUnique({
        where: { tenantId_statementId: { tenantId, statementId: id } },
      })) !== null
    );
  }

  it("gives a statement whose job vanished a new job, and the engine then plans it", async () => {
    const id = await aStatementWhoseJobWasLost();
    expect(
      await queues.statements.getJob(statementJobId(tenantId, id)),
    ).toBeUndefined();
    expect(await reconcile()).toBeGreaterThanOrEqual(1);
    await eventually(async () => ((await isPending(id)) ? undefined : true), {
      timeoutMs: 10_000,
      what: "the statement to be processed",
    });
    const processed = await db.statement.findFirstOrThrow({
      where: { tenantId, id },
    });
    expect(processed.personId).not.toBeNull();
    expect(await db.plan.count({ where: { triggerStatementId: id } })).toBe(1);
  });

  it("gives a delivery whose job vanished a new job, once", async () => {
    const id = await aStatementWhoseJobWasLost();
    await reconcile();
    // The step is due at once: the engine fires it and hands it to the (absent) mailer.
    const delivery = await eventually(
      async () =>
        (await db.delivery.findFirst({
          where: { tenantId, nudge: { plan: { triggerStatementId: id } } },
        })) ?? undefined,
      { timeoutMs: 10_000, what: "the delivery" },
    );
    const jobId = deliveryHandOff(delivery.id).jobId;
    await eventually(
      async () =>
        (await queues.deliveries.getJob(jobId)) === undefined
          ? undefined
          : true,
      { timeoutMs: 5_000, what: "the delivery job" },
    );
    await queues.deliveries.obliterate({ force: true });
    expect(await queues.deliveries.getJob(jobId)).toBeUndefined();

    await reconcile();
    expect((await queues.deliveries.getJob(jobId))?.data).toEqual({
      deliveryId: delivery.id,
    });
    const before = await queues.deliveries.getJobCounts("waiting");
    await reconcile();
    expect(await queues.deliveries.getJobCounts("waiting")).toEqual(before);
  });

  it("leaves a statement it already finished alone", async () => {
    const id = await aStatementWhoseJobWasLost();
    await reconcile();
    await eventually(async () => ((await isPending(id)) ? undefined : true), {
      timeoutMs: 10_000,
      what: "the statement to be processed",
    });
    await queues.statements.obliterate({ force: true });
    await reconcile();
    expect(
      await queues.statements.getJob(statementJobId(tenantId, id)),
    ).toBeUndefined();
  });

  it("re-adds nothing when the jobs are there", async () => {
    expect(await reconcile()).toBe(0);
  });
});
