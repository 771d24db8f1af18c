import { randomUUID } from "node:crypto";

import { createManualClock, noMetrics } from "@beklijf/core";
import {
  getDeliveryForSend,
  handOffNudges,
  type PrismaClient,
  upsertPerson,
} from "@beklijf/db";
import {
  deliveryHandOff,
  statementJobId,
  UnrecoverableError,
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
  testLogger,
  testQueues,
} from "@beklijf/testing";

import type { EngineDeps } from "../deps";
import { type EngineHandle, start } from "../start";
import { tenantConfigCache } from "../tenant-config";
import { fireNudges } from "./fire-nudges";

// fireNudges with several nudges in one batch, as the nudges worker hands them over when jobs
// fall due together, against real Postgres and Redis. The engine runs to plan completions; the
// nudges' own jobs wait hours (the manual clock), so each test fires its batch directly.

describe("fireNudges (a batch of nudge.fire jobs)", () => {
  const redis = testQueues("engine-fire-batch");
  const { queues } = redis;
  const clock = createManualClock(new Date("2030-05-06T08:00:00Z"));
  let own: OwnTestDb | undefined;
  let db: PrismaClient;
  let deps: EngineDeps;
  let engine: EngineHandle | undefined;
  let tenantId: string;
  const fire = (ids: readonly string[]) =>
    fireNudges(deps, tenantConfigCache(db, { maxAgeMs: 0 }), ids);

  beforeAll(async () => {
    own = await ownTestDb();
    ({ db } = own);
    tenantId = await aTenantWithRules(db, "fire-batch", [
      anAfterCompletionRule(),
    ]);
    deps = { ...redis, db, clock, logger: testLogger, metrics: noMetrics };
    engine = start(deps, { reconcileIntervalMs: 3_600_000 });
  });

  afterAll(async () => {
    await engine?.stop();
    await redis.close();
    await own?.drop();
  });

  /** Plans a completion per learner (first step 4 h later) and returns their nudges by step. */
  async function planLearners(count: number) {
    const completedAt = new Date("2030-05-06T08:00:00Z");
    clock.set(completedAt);
    const planned = [];
    for (let i = 0; i < count; i += 1) {
      const learner = aLearner();
      const id = await receiveStatement({
        db,
        queues,
        tenantId,
        statement: aCompletedStatement({
          learner,
          timestamp: completedAt.toISOString(),
        }),
        clock,
      });
      const { state } = await jobSettled(
        queues.statements,
        statementJobId(tenantId, id),
        { timeoutMs: 10_000 },
      );
      expect(state).toBe("completed");
      const nudges = await db.plannedNudge.findMany({
        where: { recipient: { email: learner.email } },
        include: { recipient: true },
      });
      const commit = nudges.find((n) => n.stepKey === "commit");
      const reflect = nudges.find((n) => n.stepKey === "reflect");
      if (commit === undefined || reflect === undefined)
        throw new Error("expected a commit and a reflect nudge");
      planned.push({ email: learner.email, commit, reflect });
    }
    // Just after the first step is due.
    clock.set(new Date(completedAt.getTime() + 4 * 3600 * 1000 + 60_000));
    return planned;
  }

  const deliveriesOf = (nudgeIds: readonly string[]) =>
    db.delivery.findMany({ where: { plannedNudgeId: { in: [...nudgeIds] } } });
  const outboxOf = (deliveryIds: readonly string[]) =>
    db.outboxEvent.findMany({
      where: { jobId: { in: deliveryIds.map((id) => `delivery-${id}`) } },
    });
  const deliveryJobIds = async () =>
    (await queues.deliveries.getJobs([...ALL_JOB_STATES])).map((j) => j.id);

  describe("when many nudges fall due in one batch", () => {
    it("hands each off with exactly one delivery, one outbox entry and one delivery job", async () => {
      const planned = await planLearners(8);
      const ids = planned.map((p) => p.commit.id);

      const results = await fire(ids);

      expect(results).toEqual(
        ids.map(() => ({ ok: true, value: { kind: "done" } })),
      );
      const deliveries = await deliveriesOf(ids);
      expect(deliveries.map((d) => d.plannedNudgeId).sort()).toEqual(
        [...ids].sort(),
      );
      for (const p of planned)
        expect(
          deliveries.find((d) => d.plannedNudgeId === p.commit.id)?.toAddress,
        ).toBe(p.email);
      expect(
        await db.plannedNudge.findMany({
          where: { id: { in: ids } },
          select: { status: true, firedAt: true },
        }),
      ).toEqual(
        ids.map(() => ({ status: "handed-off", firedAt: clock.now() })),
      );
      const outbox = await outboxOf(deliveries.map((d) => d.id));
      expect(outbox).toHaveLength(ids.length);
      expect(outbox.every((e) => e.dispatchedAt !== null)).toBe(true);
      expect(await deliveryJobIds()).toEqual(
        expect.arrayContaining(deliveries.map((d) => `delivery-${d.id}`)),
      );

      // The same batch again (a replay, or the jobs retried): nothing new anywhere.
      const jobsBefore = (await deliveryJobIds()).length;
      expect(await fire(ids)).toEqual(
        ids.map(() => ({ ok: true, value: { kind: "done" } })),
      );
      expect(await deliveriesOf(ids)).toHaveLength(ids.length);
      expect(
        await outboxOf((await deliveriesOf(ids)).map((d) => d.id)),
      ).toHaveLength(ids.length);
      expect(await deliveryJobIds()).toHaveLength(jobsBefore);
    });
  });

  describe("when one nudge of a batch may not go", () => {
    it("skips that one with its reason and hands off the others", async () => {
      const planned = await planLearners(4);
      const [stopped, ...others] = planned;
      if (stopped === undefined) throw new Error("no learners planned");
      await db.preference.create({
        data: {
          personId: stopped.commit.recipientPersonId ?? "",
          stoppedAll: true,
        },
      });

      const results = await fire(planned.map((p) => p.commit.id));

      expect(results.every((r) => r.ok)).toBe(true);
      expect(
        await db.plannedNudge.findUniqueOrThrow({
          where: { id: stopped.commit.id },
        }),
      ).toMatchObject({
        status: "skipped",
        reason: "recipient stopped all nudges",
      });
      expect(await deliveriesOf([stopped.commit.id])).toEqual([]);
      expect((await deliveriesOf(others.map((p) => p.commit.id))).length).toBe(
        others.length,
      );
    });

    it("fails only the nudge whose row is gone", async () => {
      const planned = await planLearners(2);
      const gone = randomUUID();

      const results = await fire([gone, ...planned.map((p) => p.commit.id)]);

      expect(results[0]).toEqual({
        ok: false,
        error: new UnrecoverableError(`Planned nudge ${gone} is gone`),
      });
      expect(results.slice(1)).toEqual(
        planned.map(() => ({ ok: true, value: { kind: "done" } })),
      );
      expect(await deliveriesOf(planned.map((p) => p.commit.id))).toHaveLength(
        planned.length,
      );
    });

    it("fires the batch one by one when its transaction fails, and only the bad nudge fails", async () => {
      const planned = await planLearners(3);
      const [bad, ...good] = planned;
      if (bad === undefined) throw new Error("no learners planned");
      // A delivery row that should not exist while the nudge is planned: the batch's insert of
      // deliveries breaks the one-delivery-per-nudge constraint and rolls the batch back.
      await db.delivery.create({
        data: { tenantId, plannedNudgeId: bad.commit.id, toAddress: bad.email },
      });

      const results = await fire(planned.map((p) => p.commit.id));

      expect(results[0]?.ok).toBe(false);
      expect(results.slice(1)).toEqual(
        good.map(() => ({ ok: true, value: { kind: "done" } })),
      );
      expect(
        (
          await db.plannedNudge.findUniqueOrThrow({
            where: { id: bad.commit.id },
          })
        ).status,
      ).toBe("planned");
      expect(await deliveriesOf(good.map((p) => p.commit.id))).toHaveLength(
        good.length,
      );
    });
  });

  describe("when two nudges of one learner fall due in the same batch", () => {
    it("sends them in one email: the first carries the second", async () => {
      const [learner] = await planLearners(1);
      if (learner === undefined) throw new Error("no learner planned");
      await db.plannedNudge.update({
        where: { id: learner.reflect.id },
        data: { dueAt: learner.commit.dueAt },
      });

      const results = await fire([learner.commit.id, learner.reflect.id]);

      expect(results).toEqual([
        { ok: true, value: { kind: "done" } },
        { ok: true, value: { kind: "done" } },
      ]);
      const deliveries = await deliveriesOf([
        learner.commit.id,
        learner.reflect.id,
      ]);
      expect(deliveries).toEqual([
        expect.objectContaining({ plannedNudgeId: learner.commit.id }),
      ]);
      expect(
        await db.plannedNudge.findUniqueOrThrow({
          where: { id: learner.reflect.id },
        }),
      ).toMatchObject({
        status: "handed-off",
        mergedIntoDeliveryId: deliveries[0]?.id,
      });
    });
  });

  describe("when other nudges of the recipient's day would ride along", () => {
    // A tenant of its own, with a manager step and a stop answer. Each nudge a test fires has
    // candidates to ride in its email; each candidate must pass the re-check it would get when
    // firing on its own, or stay planned to fire (and be skipped, with its reason) on its own.
    const rule: Rule = anAfterCompletionRule({
      key: "with-manager",
      steps: [
        {
          key: "commit",
          offset: "PT4H",
          recipient: "learner",
          template: "commit",
          why: "An if-then plan soon after the training.",
        },
        {
          key: "manager-aftertalk",
          offset: "PT4H",
          recipient: "manager",
          template: "manager-aftertalk",
          why: "The manager is the strongest lever.",
        },
      ],
      stopWhen: { answers: ["applied"] },
    });
    const completedAt = new Date("2030-05-06T08:00:00Z");
    const dueAt = new Date(completedAt.getTime() + 4 * 3600 * 1000);
    let ridersTenant: string;

    beforeAll(async () => {
      ridersTenant = await aTenantWithRules(db, "fire-riders", [rule]);
    });

    /** A person in the directory (with a manager when given); returns their id and address. */
    async function aPerson(managerId?: string) {
      const person = aLearner();
      const { person: row } = await upsertPerson(db, {
        tenantId: ridersTenant,
        person: {
          email: person.email,
          name: person.name,
          ...(managerId === undefined ? {} : { managerId }),
        },
        defaults: { locale: "nl", timeZone: "Europe/Amsterdam" },
      });
      return { ...person, id: row.id };
    }

    /** Plans the learner's completion of `courseId`; returns that plan's nudges by step. */
    async function complete(
      learner: { id: string; name: string; email: string },
      courseId = `https://lms.example.test/course/${randomUUID()}`,
    ) {
      clock.set(completedAt);
      const id = await receiveStatement({
        db,
        queues,
        tenantId: ridersTenant,
        statement: aCompletedStatement({
          learner,
          courseId,
          timestamp: completedAt.toISOString(),
        }),
        clock,
      });
      const { state } = await jobSettled(
        queues.statements,
        statementJobId(ridersTenant, id),
        { timeoutMs: 10_000 },
      );
      expect(state).toBe("completed");
      const nudges = await db.plannedNudge.findMany({
        where: {
          plan: { personId: learner.id, trigger: { objectId: courseId } },
        },
      });
      // All due at the same moment, whatever the planner moved for caps: one local day.
      await db.plannedNudge.updateMany({
        where: { id: { in: nudges.map((n) => n.id) } },
        data: { dueAt },
      });
      const step = (key: string) => {
        const nudge = nudges.find((n) => n.stepKey === key);
        if (nudge === undefined) throw new Error(`no ${key} nudge planned`);
        return nudge;
      };
      return { courseId, step };
    }

    /** Fires one nudge on its own, just after it fell due; returns its delivery's email. */
    async function fireOne(nudgeId: string) {
      clock.set(new Date(dueAt.getTime() + 60_000));
      expect(await fire([nudgeId])).toEqual([
        { ok: true, value: { kind: "done" } },
      ]);
      const [delivery] = await deliveriesOf([nudgeId]);
      return delivery === undefined
        ? undefined
        : getDeliveryForSend(db, delivery.id);
    }

    const rowOf = (id: string) =>
      db.plannedNudge.findUniqueOrThrow({ where: { id } });

    it("leaves out a training the learner stopped nudges for, and merges the others", async () => {
      const learner = await aPerson();
      const firing = (await complete(learner)).step("commit");
      const stopped = await complete(learner);
      const other = (await complete(learner)).step("commit");
      // After planning, the learner stops one training's nudges (the link in an email).
      await db.preference.create({
        data: { personId: learner.id, stoppedActivities: [stopped.courseId] },
      });

      const email = await fireOne(firing.id);

      // The other training rides along; the stopped one is neither merged nor in the email.
      expect(email?.mergedNudges.map((n) => n.id)).toEqual([other.id]);
      expect(await rowOf(other.id)).toMatchObject({
        status: "handed-off",
        mergedIntoDeliveryId: email?.id,
      });
      expect(await rowOf(stopped.step("commit").id)).toMatchObject({
        status: "planned",
        mergedIntoDeliveryId: null,
      });
      // Fired on its own at its own time, it is skipped with the reason.
      expect(await fireOne(stopped.step("commit").id)).toBeUndefined();
      expect(await rowOf(stopped.step("commit").id)).toMatchObject({
        status: "skipped",
        reason: "the learner stopped nudges for this training",
      });
    });

    it("does not merge a prompt about a learner who no longer reports to the manager into the manager's email", async () => {
      const manager = await aPerson();
      const newManager = await aPerson();
      const firing = (await complete(await aPerson(manager.id))).step(
        "manager-aftertalk",
      );
      const moved = await aPerson(manager.id);
      const movedPrompt = (await complete(moved)).step("manager-aftertalk");
      const stays = (await complete(await aPerson(manager.id))).step(
        "manager-aftertalk",
      );
      expect(movedPrompt.recipientPersonId).toBe(manager.id);
      // After planning, the learner moves to another manager.
      await db.person.update({
        where: { id: moved.id },
        data: { managerId: newManager.id },
      });

      const email = await fireOne(firing.id);

      expect(email?.mergedNudges.map((n) => n.id)).toEqual([stays.id]);
      expect(await rowOf(movedPrompt.id)).toMatchObject({
        status: "planned",
        mergedIntoDeliveryId: null,
      });
      expect(await fireOne(movedPrompt.id)).toBeUndefined();
      expect(await rowOf(movedPrompt.id)).toMatchObject({
        status: "skipped",
        reason: "the learner's manager changed after planning",
      });
    });

    it("does not merge a prompt about an inactive learner into the manager's email", async () => {
      const manager = await aPerson();
      const firing = (await complete(await aPerson(manager.id))).step(
        "manager-aftertalk",
      );
      const gone = await aPerson(manager.id);
      const gonePrompt = (await complete(gone)).step("manager-aftertalk");
      await db.person.update({
        where: { id: gone.id },
        data: { active: false },
      });

      const email = await fireOne(firing.id);

      expect(email?.mergedNudges).toEqual([]);
      expect((await rowOf(gonePrompt.id)).status).toBe("planned");
    });

    it("does not merge a nudge of a plan whose stop answer was given", async () => {
      const learner = await aPerson((await aPerson()).id);
      const firing = (await complete(learner)).step("commit");
      const answered = await complete(learner);
      const other = (await complete(learner)).step("commit");
      // "Applied", given through another nudge of that plan (not yet acted on by the engine).
      await db.answer.create({
        data: {
          tenantId: ridersTenant,
          personId: learner.id,
          plannedNudgeId: answered.step("manager-aftertalk").id,
          kind: "applied",
          value: { status: "applied" },
        },
      });

      const email = await fireOne(firing.id);

      expect(email?.mergedNudges.map((n) => n.id)).toEqual([other.id]);
      expect(await rowOf(answered.step("commit").id)).toMatchObject({
        status: "planned",
        mergedIntoDeliveryId: null,
      });
      // Fired on its own, the stop answer ends its plan.
      expect(await fireOne(answered.step("commit").id)).toBeUndefined();
      expect(await rowOf(answered.step("commit").id)).toMatchObject({
        status: "cancelled",
        reason: 'stopped: the learner answered "applied"',
      });
    });
  });

  describe("when the engine died between the batch's commit and its dispatch", () => {
    it("sends nothing twice when the jobs run again", async () => {
      const planned = await planLearners(3);
      const ids = planned.map((p) => p.commit.id);
      const jobsBefore = await deliveryJobIds();
      // What the batch commits before it enqueues; then the process "dies".
      const committed = await handOffNudges(db, {
        nudges: planned.map((p) => ({
          nudgeId: p.commit.id,
          tenantId,
          toAddress: p.email,
        })),
        at: clock.now(),
        handOff: (deliveryId, nudge) => ({
          tenantId: nudge.tenantId,
          ...deliveryHandOff(deliveryId),
        }),
      });
      expect(committed.deliveries.size).toBe(ids.length);

      // The jobs are retried after the crash.
      expect(await fire(ids)).toEqual(
        ids.map(() => ({ ok: true, value: { kind: "done" } })),
      );

      const deliveries = await deliveriesOf(ids);
      expect(deliveries.map((d) => d.id).sort()).toEqual(
        [...committed.deliveries.values()].sort(),
      );
      // Each delivery has its one outbox entry, left for the relay to enqueue; the replay
      // enqueued nothing of its own.
      const outbox = await outboxOf(deliveries.map((d) => d.id));
      expect(outbox).toHaveLength(ids.length);
      expect(outbox.every((e) => e.dispatchedAt === null)).toBe(true);
      expect(await deliveryJobIds()).toEqual(jobsBefore);
    });
  });
});
