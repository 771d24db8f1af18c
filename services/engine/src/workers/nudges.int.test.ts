import { randomUUID } from "node:crypto";

import { createManualClock, noMetrics } from "@beklijf/core";
import { type PrismaClient, suppressAddress } from "@beklijf/db";
import {
  deliveryJobId,
  enqueue,
  type Queue,
  statementJobId,
} from "@beklijf/queue";
import {
  aCompletedStatement,
  aLearner,
  ALL_JOB_STATES,
  anAfterCompletionRule,
  aTenantWithRules,
  eventually,
  jobSettled,
  type OwnTestDb,
  ownTestDb,
  receiveStatement,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import { type EngineHandle, start } from "../start";

// nudge.fire against real Postgres and Redis. The manual clock decides what is due: a nudge
// planned while the clock is before its dueAt sits in Redis as a delayed job (hours, in real
// time) until a test moves the clock and promotes the job, so each test controls when it fires.

const HOUR_MS = 3600 * 1000;

/** Waits until a job has completed or failed for good (retries still pending keep it waiting). */
const settled = (queue: Queue, jobId: string) =>
  jobSettled(queue, jobId, { timeoutMs: 10_000 });

describe("the nudges worker (nudge.fire)", () => {
  const redis = testQueues("engine-nudges");
  const { queues } = redis;
  const clock = createManualClock(new Date("2030-03-04T09:00:00Z"));
  let own: OwnTestDb | undefined;
  let db: PrismaClient;
  let engine: EngineHandle | undefined;
  let tenantId: string;

  beforeAll(async () => {
    own = await ownTestDb();
    ({ db } = own);
    tenantId = await aTenantWithRules(db, "nudges", [anAfterCompletionRule()]);
    // A long interval: the reconciler runs once at start and then only when a test asks.
    engine = start(
      { ...redis, db, clock, logger: testLogger, metrics: noMetrics },
      { reconcileIntervalMs: 3_600_000 },
    );
  });

  afterAll(async () => {
    await engine?.stop();
    await redis.close();
    await own?.drop();
  });

  /** Stores a completion as ingest does, lets the engine plan it, and returns the learner's nudges. */
  async function planCompletion(
    learner: { name: string; email: string },
    completedAt: Date,
  ) {
    const statement = aCompletedStatement({
      learner,
      timestamp: completedAt.toISOString(),
    });
    const id = await receiveStatement({
      db,
      queues,
      tenantId,
      statement,
      clock,
    });
    expect(
      (await settled(queues.statements, statementJobId(tenantId, id))).state,
    ).toBe("completed");
    const nudges = await db.plannedNudge.findMany({
      where: { recipient: { email: learner.email } },
      orderBy: { dueAt: "asc" },
    });
    const [commit, reflect] = nudges;
    if (commit === undefined || reflect === undefined || nudges.length !== 2)
      throw new Error(`expected two planned nudges, got ${nudges.length}`);
    return { commit, reflect };
  }

  describe("when the first step is due as the completion is planned", () => {
    const learner = aLearner();
    const completedAt = new Date("2030-03-04T05:00:00Z");
    let commit: { id: string; jobId: string };
    let deliveryId: string;

    beforeAll(async () => {
      clock.set(new Date(completedAt.getTime() + 5 * HOUR_MS));
      ({ commit } = await planCompletion(learner, completedAt));
      const handedOff = await eventually(
        async () =>
          (await db.plannedNudge.findFirst({
            where: { id: commit.id, status: "handed-off" },
            include: { delivery: true },
          })) ?? undefined,
        {
          timeoutMs: 10_000,
          what: "the first nudge to be handed off",
        },
      );
      deliveryId = handedOff.delivery?.id ?? "";
    });

    it("hands the nudge off: one delivery row for the learner's address", async () => {
      const deliveries = await db.delivery.findMany({
        where: { plannedNudgeId: commit.id },
      });
      expect(deliveries).toEqual([
        expect.objectContaining({
          id: deliveryId,
          tenantId,
          toAddress: learner.email,
          status: "queued",
          attempts: 0,
        }),
      ]);
      expect(
        await db.plannedNudge.findUniqueOrThrow({ where: { id: commit.id } }),
      ).toMatchObject({ firedAt: clock.now(), reason: null });
    });

    it("writes one outbox entry and marks it dispatched", async () => {
      const entries = await db.outboxEvent.findMany({
        where: { tenantId, queue: "deliveries" },
      });
      expect(entries).toEqual([
        expect.objectContaining({
          jobName: "delivery.send",
          jobId: `delivery-${deliveryId}`,
          payload: { deliveryId },
        }),
      ]);
      expect(entries[0]?.dispatchedAt).toBeInstanceOf(Date);
    });

    it("enqueues delivery.send as delivery-<id>", async () => {
      const job = await queues.deliveries.getJob(deliveryJobId(deliveryId));
      expect(job).toMatchObject({
        id: `delivery-${deliveryId}`,
        name: "delivery.send",
        data: { deliveryId },
      });
    });

    it("leaves the step beyond the horizon planned, without a job", async () => {
      const reflect = await db.plannedNudge.findFirstOrThrow({
        where: { recipient: { email: learner.email }, stepKey: "reflect" },
      });
      expect(reflect.status).toBe("planned");
      expect(await queues.nudges.getJob(reflect.jobId)).toBeUndefined();
    });

    it("creates nothing new when the same nudge fires again", async () => {
      const replayId = `replay-${randomUUID()}`;
      await enqueue(
        queues,
        "nudges",
        "nudge.fire",
        { plannedNudgeId: commit.id },
        { jobId: replayId },
      );
      expect((await settled(queues.nudges, replayId)).state).toBe("completed");
      expect(
        await db.delivery.count({
          where: { tenantId, toAddress: learner.email },
        }),
      ).toBe(1);
      expect(
        await db.outboxEvent.count({
          where: { tenantId, queue: "deliveries" },
        }),
      ).toBe(1);
      const deliveryJobs = await queues.deliveries.getJobs([...ALL_JOB_STATES]);
      expect(deliveryJobs.map((job) => job.id)).toEqual([
        `delivery-${deliveryId}`,
      ]);
    });
  });

  describe("when something changed in Postgres before the nudge fires", () => {
    /** Plans a completion whose first step is 4 h away, lets `change` act, then fires that step. */
    async function fireAfter(
      change: (ids: {
        personId: string;
        planId: string;
        email: string;
      }) => Promise<unknown>,
    ) {
      const learner = aLearner();
      const completedAt = new Date("2030-05-06T08:00:00Z");
      clock.set(completedAt);
      const { commit } = await planCompletion(learner, completedAt);
      const plan = await db.plan.findUniqueOrThrow({
        where: { id: commit.planId },
      });
      expect(await (await queues.nudges.getJob(commit.jobId))?.getState()).toBe(
        "delayed",
      );
      await change({
        personId: plan.personId,
        planId: plan.id,
        email: learner.email,
      });
      clock.set(new Date(commit.dueAt.getTime() + 60_000));
      await (await queues.nudges.getJob(commit.jobId))?.promote();
      const { job, state } = await settled(queues.nudges, commit.jobId);
      return { job, state, commit, email: learner.email };
    }

    it.each([
      [
        "the learner is no longer active",
        "recipient is inactive",
        ({ personId }) =>
          db.person.update({
            where: { id: personId },
            data: { active: false },
          }),
      ],
      [
        "the learner stopped all nudges",
        "recipient stopped all nudges",
        ({ personId }) =>
          db.preference.create({ data: { personId, stoppedAll: true } }),
      ],
      [
        "the learner paused nudges beyond the due time",
        "recipient paused nudges",
        ({ personId }) =>
          db.preference.create({
            data: { personId, pausedUntil: new Date("2030-06-01T00:00:00Z") },
          }),
      ],
      [
        "the address is on the suppression list",
        "address is on the suppression list",
        ({ email }) =>
          suppressAddress(db, {
            tenantId,
            address: email.toUpperCase(),
            reason: "unsubscribed",
          }),
      ],
      [
        "the plan was cancelled",
        "plan cancelled: learner reported applying it",
        ({ planId }) =>
          db.plan.update({
            where: { id: planId },
            data: {
              status: "cancelled",
              cancelReason: "learner reported applying it",
            },
          }),
      ],
    ] satisfies [string, string, Parameters<typeof fireAfter>[0]][])(
      "skips the nudge with a reason when %s",
      async (_when, reason, change) => {
        const { state, commit, email } = await fireAfter(change);
        expect(state).toBe("completed");
        expect(
          await db.plannedNudge.findUniqueOrThrow({ where: { id: commit.id } }),
        ).toMatchObject({ status: "skipped", reason, firedAt: clock.now() });
        expect(await db.delivery.count({ where: { toAddress: email } })).toBe(
          0,
        );
      },
    );

    it("fails the job without retrying and sends nothing when the learner was deleted", async () => {
      const { job, state, commit, email } = await fireAfter(({ personId }) =>
        db.person.delete({ where: { id: personId } }),
      );
      expect(state).toBe("failed");
      expect(job.failedReason).toBe(`Planned nudge ${commit.id} is gone`);
      expect(job.attemptsMade).toBe(1);
      expect(await db.plannedNudge.count({ where: { id: commit.id } })).toBe(0);
      expect(await db.delivery.count({ where: { toAddress: email } })).toBe(0);
    });
  });
});
