import { createManualClock } from "@beklijf/core";
import { nudgeJobId } from "@beklijf/queue";
import { planNudges } from "@beklijf/rules";
import {
  aCompletedStatement,
  aLearner,
  anAfterCompletionRule,
  aTenantWithRules,
  storeStatement,
  testDb,
} from "@beklijf/testing";

import type { PrismaClient } from "../client";
import { ensurePersonForMbox } from "./people";
import { createPlan } from "./plans";
import { loadActiveRules } from "./rules";

describe("createPlan", () => {
  const clock = createManualClock(new Date("2030-02-04T09:00:00Z"));
  let db: PrismaClient;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  async function aCompletion(voided: boolean) {
    const tenantId = await aTenantWithRules(db, "plans", [
      anAfterCompletionRule(),
    ]);
    const learner = aLearner();
    const prepared = await storeStatement({
      db,
      tenantId,
      statement: aCompletedStatement({ learner }),
      clock,
    });
    if (voided)
      await db.statement.update({
        where: { tenantId_id: { tenantId, id: prepared.id } },
        data: { voided: true },
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
        statementId: prepared.id,
        verbId: prepared.verbId,
        objectId: prepared.objectId,
        activityType: prepared.activityType,
        registration: undefined,
        timestamp: prepared.timestamp,
      },
      learnerId: person.id,
      rules: await loadActiveRules(db, tenantId),
    });
    if (proposal === undefined) throw new Error("the test rule did not match");
    return {
      tenantId,
      personId: person.id,
      statementId: prepared.id,
      proposal,
    };
  }

  it("writes the plan and one nudge per step, once", async () => {
    const input = await aCompletion(false);
    const write = () =>
      createPlan(db, {
        ...input,
        triggerStatementId: input.statementId,
        startedAt: clock.now(),
        jobIdFor: nudgeJobId,
      });
    expect(await write()).toHaveLength(input.proposal.steps.length);
    expect(await write()).toEqual([]);
    expect(await db.plan.count({ where: { tenantId: input.tenantId } })).toBe(
      1,
    );
  });

  it("plans nothing for a voided trigger", async () => {
    const input = await aCompletion(true);
    const created = await createPlan(db, {
      ...input,
      triggerStatementId: input.statementId,
      startedAt: clock.now(),
      jobIdFor: nudgeJobId,
    });
    expect(created).toEqual([]);
    expect(await db.plan.count({ where: { tenantId: input.tenantId } })).toBe(
      0,
    );
  });

  // Plans and nudges have no foreign key to tenants of their own (ADR 0012): deleting a tenant
  // removes them through its statements and people, and erasing a learner through the plan.
  async function aWrittenPlan() {
    const input = await aCompletion(false);
    const created = await createPlan(db, {
      ...input,
      triggerStatementId: input.statementId,
      startedAt: clock.now(),
      jobIdFor: nudgeJobId,
    });
    expect(created.length).toBeGreaterThan(0);
    const nudges = await db.plannedNudge.findMany({
      where: { id: { in: created.map((n) => n.id) } },
      include: { plan: true },
    });
    // A nudge's tenant is always its plan's.
    for (const nudge of nudges) {
      expect(nudge.tenantId).toBe(input.tenantId);
      expect(nudge.plan.tenantId).toBe(input.tenantId);
    }
    return input;
  }

  const left = async (tenantId: string) => ({
    plans: await db.plan.count({ where: { tenantId } }),
    nudges: await db.plannedNudge.count({ where: { tenantId } }),
  });

  it("deletes the plans and nudges with their tenant", async () => {
    const input = await aWrittenPlan();
    const other = await aWrittenPlan();
    await db.tenant.delete({ where: { id: input.tenantId } });
    expect(await left(input.tenantId)).toEqual({ plans: 0, nudges: 0 });
    expect((await left(other.tenantId)).nudges).toBeGreaterThan(0);
  });

  it("deletes the plans and nudges of an erased learner", async () => {
    const input = await aWrittenPlan();
    await db.person.delete({ where: { id: input.personId } });
    expect(await left(input.tenantId)).toEqual({ plans: 0, nudges: 0 });
  });

  it("refuses a plan for a statement of another tenant", async () => {
    const input = await aCompletion(false);
    const other = await aCompletion(false);
    // The trigger is looked up (and locked) under the plan's tenant: none, so no plan.
    const created = await createPlan(db, {
      ...input,
      tenantId: other.tenantId,
      triggerStatementId: input.statementId,
      startedAt: clock.now(),
      jobIdFor: nudgeJobId,
    });
    expect(created).toEqual([]);
    expect(await left(other.tenantId)).toEqual({ plans: 0, nudges: 0 });
  });
});
