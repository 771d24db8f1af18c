import { createManualClock, noMetrics } from "@beklijf/core";
import {
  deletePerson,
  getPersonWithTimeline,
  type PrismaClient,
  setTenantPolicy,
  upsertPerson,
} from "@beklijf/db";
import { type Queue, statementJobId } from "@beklijf/queue";
import { Policy, type Rule } from "@beklijf/rules";
import {
  aCompletedStatement,
  aLearner,
  aTenantWithRules,
  eventually,
  jobSettled,
  type OwnTestDb,
  ownTestDb,
  receiveStatement,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import { engineJobs } from "../jobs";
import { type EngineHandle, start } from "../start";

// The engine with the tenant's policy, managers, step conditions, stop conditions, caps and
// same-day merging, against real Postgres and Redis. The manual clock decides what is due: a test
// moves it and promotes the delayed job, so each nudge fires exactly when the test says.

const COURSE = "https://w3id.org/xapi/cmi5/activitytype/course";
const COMPLETED = "http://adlnet.gov/expapi/verbs/completed";
const REGISTERED = "http://adlnet.gov/expapi/verbs/registered";
const UNREGISTERED = "http://id.tincanapi.com/verb/unregistered";

const programme: Rule = {
  key: "programme",
  name: "After a completed course",
  enabled: true,
  trigger: { verbs: [COMPLETED], activityTypes: [COURSE] },
  steps: [
    {
      key: "commit",
      offset: "PT1H",
      recipient: "learner",
      template: "commit",
      why: "An if-then plan right after the training.",
    },
    {
      key: "first-use",
      offset: "PT3H",
      recipient: "learner",
      template: "first-use",
      why: "What was immediately useful.",
    },
    {
      key: "manager-aftertalk",
      offset: { workdays: 2 },
      at: "09:00",
      recipient: "manager",
      template: "manager-aftertalk",
      condition: { notAnswered: "applied" },
      why: "The manager is the strongest lever.",
    },
    {
      key: "apply",
      offset: "P2D",
      recipient: "learner",
      template: "apply",
      condition: { notAnswered: "applied" },
      why: "A concrete assignment before the two weeks are over.",
    },
  ],
};

const beforeTraining: Rule = {
  key: "before",
  name: "Before a training",
  enabled: true,
  trigger: { verbs: [REGISTERED] },
  steps: [
    {
      key: "goals",
      offset: "P1D",
      recipient: "learner",
      template: "goals",
      why: "Ownership starts with own goals.",
    },
  ],
  stopWhen: { statements: [{ verbs: [UNREGISTERED] }] },
};

const settled = (queue: Queue, jobId: string) =>
  jobSettled(queue, jobId, { timeoutMs: 10_000 });

describe("the engine with the tenant's policy and the full rule language", () => {
  const redis = testQueues("engine-programme");
  const { queues } = redis;
  const clock = createManualClock(new Date("2030-03-04T07:00:00Z"));
  let own: OwnTestDb | undefined;
  let db: PrismaClient;
  let engine: EngineHandle | undefined;
  let tenantId: string;

  beforeAll(async () => {
    own = await ownTestDb();
    ({ db } = own);
    tenantId = await aTenantWithRules(db, "programme", [
      programme,
      beforeTraining,
    ]);
    engine = start(
      { ...redis, db, clock, logger: testLogger, metrics: noMetrics },
      // The policy changes mid-test: read it afresh for every fire.
      {
        reconcileIntervalMs: 3_600_000,
        horizonMs: 30 * 24 * 3600 * 1000,
        configMaxAgeMs: 0,
      },
    );
  });

  afterAll(async () => {
    await engine?.stop();
    await redis.close();
    await own?.drop();
  });

  /** A learner with a manager in the directory; returns both ids and the learner's address. */
  async function aLearnerWithManager() {
    const learner = aLearner();
    const manager = await upsertPerson(db, {
      tenantId,
      person: { email: aLearner().email, name: "Mark Manager" },
      defaults: { locale: "nl", timeZone: "Europe/Amsterdam" },
    });
    const person = await upsertPerson(db, {
      tenantId,
      person: {
        email: learner.email,
        name: learner.name,
        managerId: manager.person.id,
      },
      defaults: { locale: "nl", timeZone: "Europe/Amsterdam" },
    });
    return {
      learner,
      personId: person.person.id,
      managerId: manager.person.id,
    };
  }

  async function receive(
    statement: Record<string, unknown>,
    tenant = tenantId,
  ): Promise<string> {
    const id = await receiveStatement({
      db,
      queues,
      tenantId: tenant,
      statement,
      clock,
    });
    const { state, job } = await settled(
      queues.statements,
      statementJobId(tenant, id),
    );
    if (state !== "completed") throw new Error(`failed: ${job.failedReason}`);
    return id;
  }

  async function nudgesOf(personId: string) {
    return db.plannedNudge.findMany({
      where: { plan: { personId } },
      orderBy: [{ dueAt: "asc" }, { stepKey: "asc" }],
    });
  }

  /** Moves the clock to `at` and fires the job of each nudge; waits until each settled. */
  async function fire(at: Date, nudges: readonly { jobId: string }[]) {
    clock.set(at);
    for (const nudge of nudges)
      await (await queues.nudges.getJob(nudge.jobId))?.promote();
    for (const nudge of nudges) await settled(queues.nudges, nudge.jobId);
  }

  describe("when a learner with a manager completes a course on a Monday morning", () => {
    let ids: Awaited<ReturnType<typeof aLearnerWithManager>>;
    const completedAt = new Date("2030-03-04T07:00:00Z"); // 08:00 in Amsterdam

    beforeAll(async () => {
      clock.set(completedAt);
      ids = await aLearnerWithManager();
      await receive(
        aCompletedStatement({
          learner: ids.learner,
          timestamp: completedAt.toISOString(),
        }),
      );
    });

    it("plans the manager's after-talk to the manager, two workdays later at 09:00 local", async () => {
      const afterTalk = (await nudgesOf(ids.personId)).find(
        (n) => n.stepKey === "manager-aftertalk",
      );
      expect(afterTalk).toMatchObject({
        recipientKind: "manager",
        recipientPersonId: ids.managerId,
        status: "planned",
        dueAt: new Date("2030-03-06T08:00:00Z"),
      });
    });

    it("gives two learner steps on one day the same dueAt, and says why", async () => {
      const nudges = await nudgesOf(ids.personId);
      const commit = nudges.find((n) => n.stepKey === "commit");
      const firstUse = nudges.find((n) => n.stepKey === "first-use");
      expect(commit?.dueAt).toEqual(new Date("2030-03-04T10:00:00Z"));
      expect(firstUse?.dueAt).toEqual(commit?.dueAt);
      expect(commit?.reason).toMatch(
        /^moved from Mon 4 Mar 09:00 to Mon 4 Mar 11:00/,
      );
      expect(commit?.reason).toContain(
        "merged into one email with programme/first-use",
      );
    });

    it("sends them as one email: one delivery, the other nudge merged into it with a reason", async () => {
      const nudges = await nudgesOf(ids.personId);
      const sameDay = nudges.filter((n) =>
        ["commit", "first-use"].includes(n.stepKey),
      );
      await fire(new Date("2030-03-04T10:00:00Z"), sameDay);
      const after = await db.plannedNudge.findMany({
        where: { id: { in: sameDay.map((n) => n.id) } },
        include: { delivery: true },
      });
      const deliveries = await db.delivery.findMany({
        where: { plannedNudgeId: { in: sameDay.map((n) => n.id) } },
      });
      expect(deliveries).toHaveLength(1);
      const [delivery] = deliveries;
      expect(after.every((n) => n.status === "handed-off")).toBe(true);
      const merged = after.find((n) => n.delivery === null);
      expect(merged?.mergedIntoDeliveryId).toBe(delivery?.id);
      expect(merged?.reason).toMatch(/^merged into the email of /);
    });

    it('skips the manager\'s after-talk and the apply step once the learner answered "applied"', async () => {
      const nudges = await nudgesOf(ids.personId);
      const commit = nudges.find((n) => n.stepKey === "commit");
      await db.answer.create({
        data: {
          tenantId,
          personId: ids.personId,
          plannedNudgeId: commit?.id ?? null,
          kind: "applied",
          value: { status: "applied" },
        },
      });
      const afterTalk = nudges.find((n) => n.stepKey === "manager-aftertalk");
      const apply = nudges.find((n) => n.stepKey === "apply");
      if (afterTalk === undefined || apply === undefined)
        throw new Error("missing steps");
      await fire(afterTalk.dueAt, [afterTalk]);
      await fire(apply.dueAt, [apply]);
      const after = await db.plannedNudge.findMany({
        where: { id: { in: [afterTalk.id, apply.id] } },
      });
      expect(after.map((n) => [n.status, n.reason])).toEqual([
        ["skipped", 'skipped: the learner already answered "applied"'],
        ["skipped", 'skipped: the learner already answered "applied"'],
      ]);
      expect(
        await db.delivery.count({
          where: { plannedNudgeId: { in: [afterTalk.id, apply.id] } },
        }),
      ).toBe(0);
    });
  });

  describe("when the learner has no manager", () => {
    it("keeps the manager step as skipped on the plan, with the planner's reason, and shows it on the timeline", async () => {
      const learner = aLearner();
      const at = new Date("2030-04-01T07:00:00Z");
      clock.set(at);
      await receive(
        aCompletedStatement({ learner, timestamp: at.toISOString() }),
      );
      const plan = await db.plan.findFirstOrThrow({
        where: { person: { email: learner.email } },
      });
      expect(plan.skippedSteps).toEqual([
        {
          stepKey: "manager-aftertalk",
          template: "manager-aftertalk",
          recipientKind: "manager",
          reason: "dropped: no manager known",
        },
      ]);
      // No nudge row, so no job: it never fires.
      expect(
        await db.plannedNudge.count({
          where: { planId: plan.id, stepKey: "manager-aftertalk" },
        }),
      ).toBe(0);
      const timeline = await getPersonWithTimeline(
        db,
        plan.tenantId,
        plan.personId,
      );
      expect(
        timeline?.nudges.find((n) => n.stepKey === "manager-aftertalk"),
      ).toMatchObject({
        status: "skipped",
        reason: "dropped: no manager known",
        recipientKind: "manager",
        dueAt: plan.startedAt,
        delivery: null,
      });
      // The timeline is in time order: the skipped step at the plan's start, before its nudges.
      const dues = timeline?.nudges.map((n) => n.dueAt.getTime()) ?? [];
      expect(dues).toEqual([...dues].sort((a, b) => a - b));
    });
  });

  describe("when the caps were lowered after planning", () => {
    it("moves the nudge to the next free slot at fire time and records why", async () => {
      const learner = aLearner();
      const at = new Date("2030-05-06T07:00:00Z"); // Monday 09:00 local
      clock.set(at);
      await receive(
        aCompletedStatement({ learner, timestamp: at.toISOString() }),
      );
      const rows = await db.plannedNudge.findMany({
        where: {
          plan: { person: { email: learner.email } },
          status: "planned",
        },
        orderBy: { dueAt: "asc" },
      });
      const first = rows.find((n) => n.stepKey === "commit");
      const apply = rows.find((n) => n.stepKey === "apply");
      if (first === undefined || apply === undefined)
        throw new Error("missing");
      await fire(first.dueAt, [first]);
      await setTenantPolicy(
        db,
        tenantId,
        Policy.parse({ caps: { perDay: 1, perWeek: 1 } }),
      );
      try {
        clock.set(apply.dueAt);
        await (await queues.nudges.getJob(apply.jobId))?.promote();
        // The job goes back to delayed, so wait for the row, not for the job to finish.
        const moved = await eventually(
          async () =>
            (await db.plannedNudge.findFirst({
              where: { id: apply.id, reason: { not: null } },
            })) ?? undefined,
          { timeoutMs: 10_000, what: "the nudge to be moved" },
        );
        expect(moved.status).toBe("planned");
        // Seven local days after the email of Monday 6 May: Monday 13 May, 08:00 local.
        expect(moved.dueAt).toEqual(new Date("2030-05-13T06:00:00Z"));
        expect(moved.reason).toMatch(
          /^at fire time moved from Wed 8 May .* at most 1 emails in 7 days/,
        );
        expect(
          await (await queues.nudges.getJob(apply.jobId))?.getState(),
        ).toBe("delayed");
      } finally {
        await db.tenant.update({
          where: { id: tenantId },
          data: { policy: { caps: { perDay: 1, perWeek: 2 } } },
        });
      }
    });
  });

  describe("when a later statement meets the plan's stop condition", () => {
    it("cancels the remaining nudges with the reason and removes their jobs", async () => {
      const learner = aLearner();
      const at = new Date("2030-06-03T07:00:00Z");
      clock.set(at);
      const courseId = "https://lms.example.test/course/view.php?id=stop";
      const statement = (verb: string, timestamp: Date) => ({
        ...aCompletedStatement({
          learner,
          courseId,
          timestamp: timestamp.toISOString(),
        }),
        verb: { id: verb, display: { "en-US": "x" } },
        result: undefined,
      });
      await receive(statement(REGISTERED, at));
      const goals = await db.plannedNudge.findFirstOrThrow({
        where: { plan: { person: { email: learner.email } }, stepKey: "goals" },
      });
      expect(await (await queues.nudges.getJob(goals.jobId))?.getState()).toBe(
        "delayed",
      );
      await receive(statement(UNREGISTERED, new Date(at.getTime() + 3600_000)));
      const after = await db.plannedNudge.findUniqueOrThrow({
        where: { id: goals.id },
        include: { plan: true },
      });
      expect(after.status).toBe("cancelled");
      expect(after.plan.status).toBe("cancelled");
      expect(after.reason).toMatch(
        /^stopped: a later statement \(http:\/\/id.tincanapi.com\/verb\/unregistered/,
      );
      await eventually(
        async () =>
          (await queues.nudges.getJob(goals.jobId)) === undefined
            ? true
            : undefined,
        { timeoutMs: 5_000, what: "the cancelled nudge's job to be removed" },
      );
    });
  });

  describe("when a person is erased while nudges are pending", () => {
    it("removes their jobs, and a job that fires anyway sends nothing", async () => {
      const learner = aLearner();
      const at = new Date("2030-07-01T07:00:00Z");
      clock.set(at);
      await receive(
        aCompletedStatement({ learner, timestamp: at.toISOString() }),
      );
      const rows = await db.plannedNudge.findMany({
        where: {
          plan: { person: { email: learner.email } },
          status: "planned",
        },
      });
      expect(rows.length).toBeGreaterThan(0);
      const personId = (
        await db.person.findFirstOrThrow({ where: { email: learner.email } })
      ).id;
      const { jobIds } = await deletePerson(db, tenantId, personId);
      expect(jobIds.sort()).toEqual(rows.map((n) => n.jobId).sort());
      await engineJobs({ queues, logger: testLogger }).removeNudgeJobs(jobIds);
      for (const jobId of jobIds)
        expect(await queues.nudges.getJob(jobId)).toBeUndefined();
      // A job that escaped removal (say, Redis was down) finds no row and sends nothing.
      const [first] = rows;
      if (first === undefined) throw new Error("no nudge");
      await queues.nudges.add(
        "nudge.fire",
        { plannedNudgeId: first.id },
        { jobId: first.jobId },
      );
      clock.set(new Date(at.getTime() + 30 * 24 * 3600 * 1000));
      expect((await settled(queues.nudges, first.jobId)).state).toBe("failed");
      expect(
        await db.delivery.count({ where: { toAddress: learner.email } }),
      ).toBe(0);
      expect(
        await db.statement.count({
          where: { tenantId, actorKey: `mbox:mailto:${learner.email}` },
        }),
      ).toBe(0);
    });
  });

  describe("when the rule stops on an answer and the learner answered it", () => {
    it("cancels the plan at the next fire, with the reason, and removes the other jobs", async () => {
      const stopping: Rule = {
        ...programme,
        key: "stops-on-applied",
        steps: programme.steps.filter((step) => step.recipient === "learner"),
        stopWhen: { answers: ["applied"] },
      };
      const other = await aTenantWithRules(db, "stop-answer", [stopping]);
      const learner = aLearner();
      const at = new Date("2030-08-05T07:00:00Z"); // Monday 09:00 local
      clock.set(at);
      await receive(
        aCompletedStatement({ learner, timestamp: at.toISOString() }),
        other,
      );
      const rows = await db.plannedNudge.findMany({
        where: { plan: { person: { email: learner.email } } },
        orderBy: { dueAt: "asc" },
      });
      const [first] = rows;
      const apply = rows.find((n) => n.stepKey === "apply");
      if (first === undefined || apply === undefined)
        throw new Error("missing");
      await db.answer.create({
        data: {
          tenantId: other,
          personId: (
            await db.plan.findUniqueOrThrow({ where: { id: first.planId } })
          ).personId,
          plannedNudgeId: first.id,
          kind: "applied",
          value: { status: "applied" },
        },
      });
      await fire(first.dueAt, [first]);
      const after = await db.plannedNudge.findMany({
        where: { planId: first.planId },
        include: { plan: true },
      });
      expect(after.every((n) => n.status === "cancelled")).toBe(true);
      expect(after[0]?.plan).toMatchObject({
        status: "cancelled",
        cancelReason: 'stopped: the learner answered "applied"',
      });
      expect(
        await db.delivery.count({ where: { toAddress: learner.email } }),
      ).toBe(0);
      expect(await queues.nudges.getJob(apply.jobId)).toBeUndefined();
    });
  });
});
