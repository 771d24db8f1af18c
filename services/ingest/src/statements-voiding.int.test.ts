// Voiding (xAPI 1.0.3 Data 2.3.2) through POST and PUT /xapi/statements against real PostgreSQL
// and Redis: the target is voided in the voiding statement's transaction, and what it planned is
// cancelled there too.
import { randomUUID } from "node:crypto";

import {
  createPlan,
  ensurePersonForMbox,
  handOffNudge,
  loadActiveRules,
  type PrismaClient,
  TRIGGER_VOIDED_REASON,
} from "@beklijf/db";
import { deliveryHandOff, nudgeJobId } from "@beklijf/queue";
import { planNudges } from "@beklijf/rules";
import {
  aCompletedStatement,
  aLearner,
  anAfterCompletionRule,
  anLmsConnection,
  aTenantWithRules,
  type ListeningServer,
  postStatements,
  serveMounted,
  serviceTestDeps,
  testDb,
  testQueues,
} from "@beklijf/testing";

import { buildApp } from "./app";

const VOIDED = "http://adlnet.gov/expapi/verbs/voided";

describe("voiding through /xapi/statements", () => {
  const redis = testQueues("ingest-void");
  let db: PrismaClient;
  let served: ListeningServer;
  let tenantId: string;
  let auth: string;

  const admin = {
    objectType: "Agent",
    name: "L&D admin",
    mbox: "mailto:admin@example.test",
  };
  const voiding = (target: string, id = randomUUID()) => ({
    id,
    actor: admin,
    verb: { id: VOIDED, display: { "en-US": "voided" } },
    object: { objectType: "StatementRef", id: target },
  });
  const post = async (body: unknown) => {
    const response = await postStatements(served.url, body, {
      authorization: auth,
    });
    expect(response.status).toBe(200);
  };
  const voided = async (id: string) =>
    (
      await db.statement.findUniqueOrThrow({
        where: { tenantId_id: { tenantId, id } },
      })
    ).voided;

  /** Stores a completion and plans it as the engine does: the real planner and repositories. */
  const aPlannedCompletion = async () => {
    const learner = aLearner();
    const id = randomUUID();
    await post({
      ...aCompletedStatement({ learner, id }),
      context: { registration: randomUUID() },
    });
    const statement = await db.statement.findUniqueOrThrow({
      where: { tenantId_id: { tenantId, id } },
    });
    const person = await ensurePersonForMbox(db, {
      tenantId,
      email: learner.email,
      name: learner.name,
      locale: "nl",
      timeZone: "Europe/Amsterdam",
    });
    const [proposal] = planNudges({
      facts: {
        statementId: id,
        verbId: statement.verbId,
        objectId: statement.objectId,
        activityType: statement.activityType ?? undefined,
        registration: statement.registration ?? undefined,
        timestamp: statement.timestamp,
      },
      learnerId: person.id,
      rules: await loadActiveRules(db, tenantId),
    });
    if (proposal === undefined) throw new Error("the rule did not match");
    const nudges = await createPlan(db, {
      tenantId,
      personId: person.id,
      triggerStatementId: id,
      proposal,
      startedAt: new Date(),
      jobIdFor: nudgeJobId,
    });
    return { id, learner, nudges };
  };
  const planOf = (triggerStatementId: string) =>
    db.plan.findFirstOrThrow({
      where: { tenantId, triggerStatementId },
      include: { nudges: { orderBy: { dueAt: "asc" } } },
    });

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenantWithRules(db, "ingest-void", [
      anAfterCompletionRule(),
    ]);
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

  describe("when a planned completion is voided", () => {
    let completion: Awaited<ReturnType<typeof aPlannedCompletion>>;
    const voidingId = randomUUID();

    beforeAll(async () => {
      completion = await aPlannedCompletion();
      // The first nudge went out already; only what is still planned can be cancelled.
      const [first] = completion.nudges;
      if (first === undefined) throw new Error("no nudges planned");
      await handOffNudge(db, {
        nudgeId: first.id,
        tenantId,
        toAddress: completion.learner.email,
        at: new Date(),
        handOff: (deliveryId) => ({ tenantId, ...deliveryHandOff(deliveryId) }),
      });
      await post(voiding(completion.id, voidingId));
    });

    it("marks the completion voided, and not the voiding statement", async () => {
      expect(await voided(completion.id)).toBe(true);
      expect(await voided(voidingId)).toBe(false);
    });

    it("cancels its plan with the reason", async () => {
      const plan = await planOf(completion.id);
      expect(plan).toMatchObject({
        status: "cancelled",
        cancelReason: TRIGGER_VOIDED_REASON,
      });
      expect(plan.endedAt).toBeInstanceOf(Date);
    });

    it("cancels the nudges still planned and leaves the one handed off", async () => {
      const plan = await planOf(completion.id);
      expect(plan.nudges.map((n) => [n.status, n.reason])).toEqual([
        ["handed-off", null],
        ["cancelled", TRIGGER_VOIDED_REASON],
      ]);
    });

    it("answers the same voiding statement again as a no-op", async () => {
      await post(voiding(completion.id, voidingId));
      expect(await voided(completion.id)).toBe(true);
      expect(
        await db.statement.count({ where: { tenantId, id: voidingId } }),
      ).toBe(1);
    });
  });

  it("leaves plans of other statements alone", async () => {
    const kept = await aPlannedCompletion();
    const gone = await aPlannedCompletion();
    await post(voiding(gone.id));
    expect((await planOf(kept.id)).status).toBe("active");
    expect((await planOf(kept.id)).nudges.map((n) => n.status)).toEqual([
      "planned",
      "planned",
    ]);
    expect((await planOf(gone.id)).status).toBe("cancelled");
  });

  it("voids through PUT as well", async () => {
    const completion = await aPlannedCompletion();
    const id = randomUUID();
    const response = await fetch(
      `${served.url}/xapi/statements?statementId=${id}`,
      {
        method: "PUT",
        headers: {
          authorization: auth,
          "content-type": "application/json",
          "x-experience-api-version": "1.0.3",
        },
        body: JSON.stringify(voiding(completion.id, id)),
      },
    );
    expect(response.status).toBe(204);
    expect(await voided(completion.id)).toBe(true);
    expect((await planOf(completion.id)).status).toBe("cancelled");
  });

  it("voids a target sent in the same batch", async () => {
    const target = randomUUID();
    await post([
      aCompletedStatement({ learner: aLearner(), id: target }),
      voiding(target),
    ]);
    expect(await voided(target)).toBe(true);
  });

  it("does not void a voiding statement (voiding it has no effect)", async () => {
    const target = randomUUID();
    const first = randomUUID();
    await post(aCompletedStatement({ learner: aLearner(), id: target }));
    await post(voiding(target, first));
    await post(voiding(first));
    expect(await voided(first)).toBe(false);
    expect(await voided(target)).toBe(true);
  });

  it("accepts a voiding statement whose target is not stored, and voids nothing", async () => {
    const missing = randomUUID();
    await post(voiding(missing));
    expect(await db.statement.count({ where: { tenantId, id: missing } })).toBe(
      0,
    );
  });

  it("does not void a statement of another tenant", async () => {
    const otherTenant = await aTenantWithRules(db, "ingest-void-other", []);
    const { authorization } = await anLmsConnection(db, otherTenant);
    const theirs = randomUUID();
    expect(
      (
        await postStatements(
          served.url,
          aCompletedStatement({ learner: aLearner(), id: theirs }),
          { authorization },
        )
      ).status,
    ).toBe(200);
    await post(voiding(theirs));
    const row = await db.statement.findUniqueOrThrow({
      where: { tenantId_id: { tenantId: otherTenant, id: theirs } },
    });
    expect(row.voided).toBe(false);
  });
});
