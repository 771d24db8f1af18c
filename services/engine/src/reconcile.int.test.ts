import { createManualClock, noMetrics } from "@beklijf/core";
import type { PrismaClient } from "@beklijf/db";
import type { Job } from "@beklijf/queue";
import {
  aCompletedStatement,
  aLearner,
  ALL_JOB_STATES,
  anAfterCompletionRule,
  aTenantWithRules,
  eventually,
  type OwnTestDb,
  ownTestDb,
  receiveStatement,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import { type EngineHandle, start } from "./start";

// The reconciler against real Postgres and Redis: Postgres is the timer of record, and a pass
// rebuilds the nudges queue from it. The manual clock stands still unless a test moves it.

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

describe("the reconciler", () => {
  const redis = testQueues("engine-reconcile");
  const { queues } = redis;
  const completedAt = new Date("2030-02-04T09:00:00Z");
  const clock = createManualClock(completedAt);
  const learners = [aLearner(), aLearner(), aLearner()];
  let own: OwnTestDb | undefined;
  let db: PrismaClient;
  let engine: EngineHandle | undefined;
  let tenantId: string;

  beforeAll(async () => {
    own = await ownTestDb();
    ({ db } = own);
    tenantId = await aTenantWithRules(db, "reconcile", [
      anAfterCompletionRule(),
    ]);
    // A long interval: the reconciler runs once at start and then only when a test asks.
    engine = start(
      { ...redis, db, clock, logger: testLogger, metrics: noMetrics },
      { reconcileIntervalMs: 3_600_000 },
    );
    for (const learner of learners) {
      const statement = aCompletedStatement({
        learner,
        timestamp: completedAt.toISOString(),
      });
      await receiveStatement({ db, queues, tenantId, statement, clock });
    }
    await eventually(
      async () =>
        (await db.plannedNudge.count({ where: { tenantId } })) ===
        2 * learners.length
          ? true
          : undefined,
      { timeoutMs: 10_000, what: "every completion to be planned" },
    );
    await eventually(
      async () =>
        (await queues.nudges.getJobCounts("delayed")).delayed ===
        learners.length
          ? true
          : undefined,
      { timeoutMs: 10_000, what: "the first steps to be enqueued" },
    );
  });

  afterAll(async () => {
    await engine?.stop();
    await redis.close();
    await own?.drop();
  });

  /** One reconciler pass now; returns how many jobs it (re-)added. */
  const reconcile = async (): Promise<number> => {
    if (engine === undefined) throw new Error("the engine did not start");
    return engine.reconcile();
  };
  const plannedNudges = (stepKey: string) =>
    db.plannedNudge.findMany({
      where: { tenantId, stepKey, status: "planned" },
      orderBy: { id: "asc" },
    });
  const allJobs = async (): Promise<Job[]> =>
    queues.nudges.getJobs([...ALL_JOB_STATES]);

  /** Job id -> planned nudge id, for every job on the nudges queue (a duplicate shows as two ids). */
  async function jobsByNudge(): Promise<[string | undefined, unknown][]> {
    return (await allJobs()).map((job): [string | undefined, unknown] => {
      const data: unknown = job.data;
      return [
        job.id,
        typeof data === "object" && data !== null && "plannedNudgeId" in data
          ? data.plannedNudgeId
          : undefined,
      ];
    });
  }

  describe("after Redis lost the nudges queue mid-plan", () => {
    beforeAll(async () => {
      await queues.nudges.obliterate({ force: true });
    });

    it("starts from an empty queue (the loss is real)", async () => {
      expect(await allJobs()).toEqual([]);
    });

    it("puts back every pending nudge due within the horizon, once, under the row's job id", async () => {
      expect(await reconcile()).toBe(learners.length);
      const commits = await plannedNudges("commit");
      expect(commits).toHaveLength(learners.length);
      expect((await jobsByNudge()).sort()).toEqual(
        commits.map((n) => [n.jobId, n.id]).sort(),
      );
    });

    it("delays each restored job until its dueAt", async () => {
      for (const nudge of await plannedNudges("commit")) {
        const job = await queues.nudges.getJob(nudge.jobId);
        expect(await job?.getState()).toBe("delayed");
        expect(job?.delay).toBe(nudge.dueAt.getTime() - clock.now().getTime());
      }
    });

    it("adds nothing on the next pass", async () => {
      const before = await jobsByNudge();
      expect(await reconcile()).toBe(0);
      expect(await jobsByNudge()).toEqual(before);
    });

    it("puts back a single job that went missing (a crash between commit and enqueue)", async () => {
      const [lost] = await plannedNudges("commit");
      await (await queues.nudges.getJob(lost?.jobId ?? ""))?.remove();
      expect(await queues.nudges.getJob(lost?.jobId ?? "")).toBeUndefined();
      expect(await reconcile()).toBe(1);
      expect(
        await (await queues.nudges.getJob(lost?.jobId ?? ""))?.getState(),
      ).toBe("delayed");
    });

    it("lets a restored job fire its nudge when it is due", async () => {
      const [nudge] = await plannedNudges("commit");
      clock.set(new Date(completedAt.getTime() + 4 * HOUR_MS + 60_000));
      await (await queues.nudges.getJob(nudge?.jobId ?? ""))?.promote();
      await eventually(
        async () =>
          (
            await db.plannedNudge.findUniqueOrThrow({
              where: { id: nudge?.id ?? "" },
            })
          ).status === "handed-off"
            ? true
            : undefined,
        {
          timeoutMs: 10_000,
          what: "the restored nudge to be handed off",
        },
      );
      expect(
        await db.delivery.count({ where: { plannedNudgeId: nudge?.id ?? "" } }),
      ).toBe(1);
    });
  });

  describe("when the horizon reaches a later step", () => {
    it("gives the later steps no job while they are beyond the horizon", async () => {
      clock.set(new Date(completedAt.getTime() + 4 * DAY_MS));
      await reconcile();
      for (const nudge of await plannedNudges("reflect"))
        expect(await queues.nudges.getJob(nudge.jobId)).toBeUndefined();
    });

    it("enqueues them, delayed until their dueAt, once the horizon covers them", async () => {
      clock.set(new Date(completedAt.getTime() + 6 * DAY_MS));
      expect(await reconcile()).toBe(learners.length);
      for (const nudge of await plannedNudges("reflect")) {
        const job = await queues.nudges.getJob(nudge.jobId);
        expect(await job?.getState()).toBe("delayed");
        expect(job?.delay).toBe(DAY_MS);
      }
    });
  });
});
