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
});
