import { randomBytes, randomUUID } from "node:crypto";

import { createManualClock, noMetrics } from "@beklijf/core";
import { type PrismaClient, syncRuleSet } from "@beklijf/db";
import {
  dispatchHandOffs,
  enqueue,
  type Job,
  type Queue,
  statementBatchJobId,
  statementHandOff,
  statementJobId,
  statementSliceHandOffs,
} from "@beklijf/queue";
import type { Rule } from "@beklijf/rules";
import {
  aCompletedStatement,
  aLearner,
  ALL_JOB_STATES,
  anAfterCompletionRule,
  aTenantWithRules,
  jobSettled,
  type OwnTestDb,
  ownTestDb,
  receiveStatement,
  storeStatement,
  TEST_RULE_SET,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import { type EngineHandle, start } from "../start";

// statement.process against real Postgres and Redis: learner, rules, plan rows, delayed jobs.
// The manual clock stands still, so a nudge due in 4 h is a 4 h delayed job that never fires here.

const HOUR_MS = 3600 * 1000;
const afterCompletion = anAfterCompletionRule();

/** Waits until a job completed; a job that failed fails the test with its reason. */
async function completed(queue: Queue, jobId: string): Promise<Job> {
  const { job, state } = await jobSettled(queue, jobId, { timeoutMs: 10_000 });
  if (state === "failed")
    throw new Error(`job ${jobId} failed: ${job.failedReason}`);
  return job;
}

describe("the statements worker (statement.process)", () => {
  const redis = testQueues("engine-statements");
  const { queues } = redis;
  const clock = createManualClock(new Date("2030-01-07T09:00:00Z"));
  let own: OwnTestDb | undefined;
  let db: PrismaClient;
  let engine: EngineHandle | undefined;

  beforeAll(async () => {
    own = await ownTestDb();
    ({ db } = own);
    // A long interval: the reconciler runs once at start and then only when a test asks.
    engine = start(
      { ...redis, db, clock, logger: testLogger, metrics: noMetrics },
      // Rules change between tests: read them afresh for every statement.
      { reconcileIntervalMs: 3_600_000, configMaxAgeMs: 0 },
    );
  });

  afterAll(async () => {
    await engine?.stop();
    await redis.close();
    await own?.drop();
  });

  /** Stores a statement as ingest does and waits until the engine processed it; returns its id. */
  async function receive(
    tenantId: string,
    statement: Record<string, unknown>,
  ): Promise<string> {
    const id = await receiveStatement({
      db,
      queues,
      tenantId,
      statement,
      clock,
    });
    await completed(queues.statements, statementJobId(tenantId, id));
    return id;
  }

  /** Runs statement.process again under a fresh job id (Redis' id deduplication cannot help). */
  async function processAgain(
    tenantId: string,
    statementId: string,
  ): Promise<void> {
    // As after a crash between planning and marking it processed, or a directory import that
    // found its learner: the row says unprocessed again.
    const { stored } = await db.statement.findUniqueOrThrow({
      where: { tenantId_id: { tenantId, id: statementId } },
    });
    await db.pendingStatement.upsert({
      where: { tenantId_statementId: { tenantId, statementId } },
      create: { tenantId, statementId, stored },
      update: {},
    });
    const jobId = `replay-${randomUUID()}`;
    await enqueue(
      queues,
      "statements",
      "statement.process",
      { tenantId, statementId },
      { jobId },
    );
    await completed(queues.statements, jobId);
  }

  /** Every job on the nudges queue that fires one of these planned nudges, under any id. */
  async function nudgeJobsFor(
    plannedNudgeIds: readonly string[],
  ): Promise<Job[]> {
    const jobs = await queues.nudges.getJobs([...ALL_JOB_STATES]);
    return jobs.filter((job) => {
      const data: unknown = job.data;
      return (
        typeof data === "object" &&
        data !== null &&
        "plannedNudgeId" in data &&
        typeof data.plannedNudgeId === "string" &&
        plannedNudgeIds.includes(data.plannedNudgeId)
      );
    });
  }

  describe("when the same completion is processed twice and arrives again under a new id", () => {
    const learner = aLearner();
    const completedAt = new Date("2030-01-07T09:00:00Z");
    const courseId = `https://lms.example.test/course/view.php?id=${randomBytes(3).toString("hex")}`;
    let tenantId: string;
    let personId: string;

    beforeAll(async () => {
      clock.set(completedAt);
      tenantId = await aTenantWithRules(db, "statements", [afterCompletion]);
      const firstId = await receive(
        tenantId,
        aCompletedStatement({
          learner,
          courseId,
          id: randomUUID(),
          timestamp: completedAt.toISOString(),
        }),
      );
      await processAgain(tenantId, firstId);
      await receive(
        tenantId,
        aCompletedStatement({
          learner,
          courseId,
          id: randomUUID(),
          timestamp: completedAt.toISOString(),
        }),
      );
      personId = (
        await db.person.findFirstOrThrow({
          where: { tenantId, email: learner.email },
        })
      ).id;
    });

    it("links both statements to the one learner", async () => {
      expect(await db.person.count({ where: { tenantId } })).toBe(1);
      expect(await db.statement.count({ where: { tenantId, personId } })).toBe(
        2,
      );
    });

    it("plans one plan with one row per step", async () => {
      const plans = await db.plan.findMany({
        where: { tenantId },
        include: { nudges: { orderBy: { dueAt: "asc" } } },
      });
      expect(plans).toHaveLength(1);
      expect(plans[0]?.personId).toBe(personId);
      expect(
        plans[0]?.nudges.map((n) => [n.stepKey, n.status, n.dueAt]),
      ).toEqual([
        ["commit", "planned", new Date(completedAt.getTime() + 4 * HOUR_MS)],
        [
          "reflect",
          "planned",
          new Date(completedAt.getTime() + 7 * 24 * HOUR_MS),
        ],
      ]);
    });

    it("enqueues one delayed job, under the row's job id, for the step due within the horizon only", async () => {
      const nudges = await db.plannedNudge.findMany({
        where: { tenantId },
        orderBy: { dueAt: "asc" },
      });
      const commit = nudges.find((n) => n.stepKey === "commit");
      const jobs = await nudgeJobsFor(nudges.map((n) => n.id));
      expect(jobs.map((job) => job.id)).toEqual([commit?.jobId]);
      expect(commit?.jobId).toMatch(/^nudge-[0-9a-f-]{36}$/);
      expect(await jobs[0]?.getState()).toBe("delayed");
      expect(jobs[0]?.delay).toBe(4 * HOUR_MS);
    });
  });

  describe("when a second slice names a statement the engine already finished", () => {
    // The outbox holds a statements.process slice per commit; the fast path and the relay, or an
    // old per-statement row next to a new slice, may hand the same statement off twice.
    const learner = aLearner();
    const completedAt = new Date("2030-01-07T09:00:00Z");
    const course = () =>
      `https://lms.example.test/course/view.php?id=${randomBytes(3).toString("hex")}`;
    let tenantId: string;
    let firstId: string;
    let secondId: string;

    beforeAll(async () => {
      clock.set(completedAt);
      tenantId = await aTenantWithRules(db, "statements-repeat", [
        afterCompletion,
      ]);
      const completion = () =>
        aCompletedStatement({
          learner,
          courseId: course(),
          id: randomUUID(),
          timestamp: completedAt.toISOString(),
        });
      firstId = await receive(tenantId, completion());
      ({ id: secondId } = await storeStatement({
        db,
        tenantId,
        statement: completion(),
        clock,
      }));
      const slice = [firstId, secondId];
      await dispatchHandOffs(queues, statementSliceHandOffs(tenantId, slice));
      await completed(queues.statements, statementBatchJobId(tenantId, slice));
    });

    it("plans the finished statement's plan once, and the new statement's", async () => {
      const plans = await db.plan.findMany({
        where: { tenantId },
        select: {
          triggerStatementId: true,
          _count: { select: { nudges: true } },
        },
      });
      expect(
        plans.map((p) => [p.triggerStatementId, p._count.nudges]).sort(),
      ).toEqual(
        [
          [firstId, 2],
          [secondId, 2],
        ].sort(),
      );
      expect(await db.pendingStatement.count({ where: { tenantId } })).toBe(0);
    });
  });

  describe("when the learner is known only by an account", () => {
    const account = {
      homePage: "https://lms.example.test",
      name: `u-${randomBytes(4).toString("hex")}`,
    };
    let tenantId: string;
    let statementId: string;

    beforeAll(async () => {
      clock.set(new Date("2030-01-07T09:00:00Z"));
      tenantId = await aTenantWithRules(db, "statements", [afterCompletion]);
      const { actor: _mbox, ...rest } = aCompletedStatement({
        learner: aLearner(),
      });
      statementId = await receive(tenantId, {
        ...rest,
        actor: { objectType: "Agent", account },
      });
    });

    it("waits: no person, no plan, and the statement has no person yet", async () => {
      expect(
        await db.statement.findUniqueOrThrow({
          where: { tenantId_id: { tenantId, id: statementId } },
        }),
      ).toMatchObject({
        personId: null,
        actorKey: `account:${account.homePage}|${account.name}`,
      });
      expect(await db.person.count({ where: { tenantId } })).toBe(0);
      expect(await db.plan.count({ where: { tenantId } })).toBe(0);
    });

    it("plans once a directory entry for the account exists and the statement is processed again", async () => {
      const person = await db.person.create({
        data: {
          tenantId,
          email: aLearner().email,
          locale: "nl",
          timeZone: "Europe/Amsterdam",
        },
      });
      await db.personIdentity.create({
        data: {
          tenantId,
          personId: person.id,
          kind: "account",
          value: `${account.homePage}|${account.name}`,
        },
      });
      await processAgain(tenantId, statementId);
      expect(
        await db.statement.findUniqueOrThrow({
          where: { tenantId_id: { tenantId, id: statementId } },
        }),
      ).toMatchObject({ personId: person.id });
      expect(await db.plan.findMany({ where: { tenantId } })).toEqual([
        expect.objectContaining({
          personId: person.id,
          triggerStatementId: statementId,
        }),
      ]);
    });
  });

  describe("when the completion was voided before the engine got to it", () => {
    it("plans nothing and marks the statement processed", async () => {
      clock.set(new Date("2030-01-07T09:00:00Z"));
      const tenantId = await aTenantWithRules(db, "voided", [afterCompletion]);
      const statement = aCompletedStatement({ learner: aLearner() });
      const { id } = await storeStatement({ db, tenantId, statement, clock });
      await db.statement.update({
        where: { tenantId_id: { tenantId, id } },
        data: { voided: true },
      });
      await processAgain(tenantId, id);
      expect(await db.plan.count({ where: { tenantId } })).toBe(0);
      expect(
        await db.pendingStatement.count({
          where: { tenantId, statementId: id },
        }),
      ).toBe(0);
    });
  });

  describe("when a rule is edited after a learner's plan started", () => {
    const completedAt = new Date("2030-01-14T09:00:00Z");
    const first = aLearner();
    const later = aLearner();
    let tenantId: string;
    let firstStatementId: string;
    let before: {
      ruleVersionId: string;
      nudges: { jobId: string; dueAt: Date }[];
    };

    beforeAll(async () => {
      clock.set(completedAt);
      tenantId = await aTenantWithRules(db, "statements", [afterCompletion]);
      firstStatementId = await receive(
        tenantId,
        aCompletedStatement({
          learner: first,
          timestamp: completedAt.toISOString(),
        }),
      );
      before = await db.plan.findFirstOrThrow({
        where: { tenantId, person: { email: first.email } },
        include: { nudges: { orderBy: { stepKey: "asc" } } },
      });
      const edited: Rule = {
        ...afterCompletion,
        steps: afterCompletion.steps.map((step) =>
          step.key === "commit" ? { ...step, offset: "PT6H" } : step,
        ),
      };
      expect(
        (await syncRuleSet(db, { tenantId, ...TEST_RULE_SET, rules: [edited] }))
          .changed,
      ).toEqual(["after-completion"]);
    });

    it("keeps the running plan's rule version and due times, even when its statement is processed again", async () => {
      await processAgain(tenantId, firstStatementId);
      const after = await db.plan.findFirstOrThrow({
        where: { tenantId, person: { email: first.email } },
        include: { ruleVersion: true, nudges: { orderBy: { stepKey: "asc" } } },
      });
      expect(after.ruleVersionId).toBe(before.ruleVersionId);
      expect(after.ruleVersion.version).toBe(1);
      expect(after.nudges.map((n) => [n.jobId, n.dueAt])).toEqual(
        before.nudges.map((n) => [n.jobId, n.dueAt]),
      );
      expect(after.nudges[0]?.dueAt).toEqual(
        new Date(completedAt.getTime() + 4 * HOUR_MS),
      );
    });

    it("starts a new learner's plan on the new version", async () => {
      await receive(
        tenantId,
        aCompletedStatement({
          learner: later,
          timestamp: completedAt.toISOString(),
        }),
      );
      const plan = await db.plan.findFirstOrThrow({
        where: { tenantId, person: { email: later.email } },
        include: {
          ruleVersion: true,
          nudges: { where: { stepKey: "commit" } },
        },
      });
      expect(plan.ruleVersionId).not.toBe(before.ruleVersionId);
      expect(plan.ruleVersion.version).toBe(2);
      expect(plan.nudges[0]?.dueAt).toEqual(
        new Date(completedAt.getTime() + 6 * HOUR_MS),
      );
    });
  });

  describe("when a known learner's statement has a verb that no rule names", () => {
    it("marks it processed and links it to the learner, and plans nothing", async () => {
      const learner = aLearner();
      const tenantId = await aTenantWithRules(db, "statements", [
        afterCompletion,
      ]);
      const completion = aCompletedStatement({ learner });
      await receive(tenantId, completion);
      const person = await db.person.findFirstOrThrow({
        where: { tenantId, email: learner.email },
      });

      const experiencedId = await receive(tenantId, {
        ...aCompletedStatement({ learner }),
        verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
      });

      const stored = await db.statement.findUniqueOrThrow({
        where: { tenantId_id: { tenantId, id: experiencedId } },
      });
      expect(
        await db.pendingStatement.count({
          where: { tenantId, statementId: experiencedId },
        }),
      ).toBe(0);
      expect(stored.personId).toBe(person.id);
      expect(
        await db.plan.count({ where: { tenantId, personId: person.id } }),
      ).toBe(1);
    });
  });

  describe("when a slice of statements of several learners comes in one job", () => {
    const anna = aLearner();
    const bram = aLearner();
    const cor = aLearner();
    const account = {
      homePage: "https://lms.example.test",
      name: `u-${randomBytes(4).toString("hex")}`,
    };
    const at = new Date("2030-01-14T09:00:00Z");
    let tenantId: string;
    let ids: string[];
    let connectionId: string;

    beforeAll(async () => {
      clock.set(at);
      tenantId = await aTenantWithRules(db, "slice", [
        afterCompletion,
        // Only for what came in through the connection named "moodle".
        anAfterCompletionRule({
          key: "moodle-only",
          name: "Only from Moodle",
          trigger: {
            verbs: ["http://adlnet.gov/expapi/verbs/completed"],
            connections: ["moodle"],
          },
          steps: [
            {
              key: "moodle-commit",
              offset: "PT5H",
              recipient: "learner",
              template: "commit",
              why: "A test of the connection filter.",
            },
          ],
        }),
      ]);
      connectionId = (
        await db.connection.create({
          data: {
            tenantId,
            name: "moodle",
            key: `k-${randomUUID()}`,
            secretHash: "not used here",
          },
        })
      ).id;
      const completion = (learner: { name: string; email: string }) =>
        aCompletedStatement({
          learner,
          id: randomUUID(),
          timestamp: at.toISOString(),
        });
      const statements = [
        // Anna completes two courses: planned in two rounds.
        completion(anna),
        completion(bram),
        completion(anna),
        // Cor only looks at a page: no rule names the verb.
        {
          id: randomUUID(),
          actor: {
            objectType: "Agent",
            name: cor.name,
            mbox: `mailto:${cor.email}`,
          },
          verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
          object: { id: "https://lms.example.test/page/1" },
          timestamp: at.toISOString(),
        },
        // Known only by an account, which no directory entry names yet.
        {
          ...completion(anna),
          actor: { objectType: "Agent", account },
        },
      ];
      ids = [];
      for (const statement of statements)
        ids.push((await storeStatement({ db, tenantId, statement, clock })).id);
      await db.statement.updateMany({
        where: { tenantId, id: ids[1] },
        data: { connectionId },
      });
      // The fast path hands them off together (one id twice, as a relay repeat would).
      await dispatchHandOffs(
        queues,
        [...ids, ids[0] ?? ""].map((id) => statementHandOff(tenantId, id)),
      );
      await completed(queues.statements, statementBatchJobId(tenantId, ids));
    });

    it("is one statements.process job for the slice", async () => {
      const jobs = (
        await queues.statements.getJobs([...ALL_JOB_STATES])
      ).filter(
        (job) => (job.data as { tenantId?: string }).tenantId === tenantId,
      );
      expect(jobs.map((job) => [job.name, job.data as unknown])).toEqual([
        ["statements.process", { tenantId, statementIds: ids }],
      ]);
    });

    it("finishes every statement, and links each to its learner where one is known", async () => {
      const rows = await db.statement.findMany({
        where: { tenantId },
        include: { person: true },
      });
      expect(await db.pendingStatement.count({ where: { tenantId } })).toBe(0);
      const emailOf = (id: string | undefined) =>
        rows.find((row) => row.id === id)?.person?.email ?? null;
      expect(ids.map(emailOf)).toEqual([
        anna.email,
        bram.email,
        anna.email,
        cor.email,
        null,
      ]);
    });

    it("plans each completion of a learner, one plan per rule and course", async () => {
      const plans = await db.plan.findMany({
        where: { tenantId },
        include: { person: true, ruleVersion: { include: { rule: true } } },
      });
      expect(
        plans
          .map((plan) => [
            plan.person.email,
            plan.ruleVersion.rule.key,
            plan.triggerStatementId,
          ])
          .sort(),
      ).toEqual(
        [
          [anna.email, "after-completion", ids[0]],
          [anna.email, "after-completion", ids[2]],
          [bram.email, "after-completion", ids[1]],
          [bram.email, "moodle-only", ids[1]],
        ].sort(),
      );
    });

    it("plans Anna's second completion knowing her first: merged into the email already planned", async () => {
      const commits = await db.plannedNudge.findMany({
        where: {
          tenantId,
          stepKey: "commit",
          plan: { person: { email: anna.email } },
        },
        include: { plan: true },
      });
      const byTrigger = new Map(
        commits.map((nudge) => [nudge.plan.triggerStatementId, nudge]),
      );
      expect(byTrigger.get(ids[0] ?? "")?.reason).toBeNull();
      expect(byTrigger.get(ids[2] ?? "")?.reason).toMatch(
        /^merged into the email already planned for /,
      );
      expect(byTrigger.get(ids[2] ?? "")?.dueAt).toEqual(
        byTrigger.get(ids[0] ?? "")?.dueAt,
      );
    });
  });
});
