import { createManualClock } from "@beklijf/core";
import { nudgeJobId } from "@beklijf/queue";
import {
  planStatement,
  type Rule,
  triggerFactsFromStored,
} from "@beklijf/rules";
import {
  aCompletedStatement,
  aLearner,
  aTenantWithRules,
  storeStatement,
  testDb,
} from "@beklijf/testing";

import type { PrismaClient } from "../client";
import { upsertPerson } from "./people";
import { createPlans, loadPlanLearners } from "./plans";
import { getTenantPolicy } from "./policy";
import { loadActiveRules } from "./rules";

// A batched team-lead step through the history the engine reads from Postgres: the first
// learner's planned prompt is in the second learner's history, so the two share one email.

const rule: Rule = {
  key: "team",
  name: "Team agenda",
  enabled: true,
  trigger: { verbs: ["http://adlnet.gov/expapi/verbs/completed"] },
  steps: [
    {
      key: "team-agenda",
      offset: "P30D",
      recipient: "team-lead",
      template: "team-agenda",
      batch: { weekday: "mon", at: "09:00" },
      why: "The team lead puts it on the team meeting's agenda, once a week.",
    },
  ],
};

describe("a batched team-lead step", () => {
  const clock = createManualClock(new Date("2026-03-02T08:00:00Z"));
  let db: PrismaClient;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  it("gives two learners of one team lead, completing on different days of a week, one email slot", async () => {
    const tenantId = await aTenantWithRules(db, "team-batch", [rule]);
    const defaults = { locale: "nl", timeZone: "Europe/Amsterdam" };
    const lead = await upsertPerson(db, {
      tenantId,
      person: { email: aLearner().email, name: "Tom Bakker" },
      defaults,
    });
    const complete = async (at: string) => {
      const learner = aLearner();
      const { person } = await upsertPerson(db, {
        tenantId,
        person: {
          email: learner.email,
          name: learner.name,
          teamLeadId: lead.person.id,
        },
        defaults,
      });
      const stored = await storeStatement({
        db,
        tenantId,
        statement: aCompletedStatement({ learner, timestamp: at }),
        clock,
      });
      const learners = await loadPlanLearners(db, {
        tenantId,
        personIds: [person.id],
        now: clock.now(),
      });
      const known = learners.get(person.id);
      const { proposals } = planStatement({
        facts: triggerFactsFromStored({ ...stored, raw: stored.statement }),
        learnerId: person.id,
        rules: await loadActiveRules(db, tenantId),
        person: known,
        history: known?.history,
        policy: (await getTenantPolicy(db, tenantId)) ?? undefined,
      });
      return createPlans(
        db,
        tenantId,
        proposals.map((proposal) => ({
          tenantId,
          personId: person.id,
          triggerStatementId: stored.id,
          proposal,
          startedAt: clock.now(),
          jobIdFor: nudgeJobId,
        })),
      );
    };
    // Tuesday and Thursday of one week (30 days later: Thu 2 and Sat 4 April).
    await complete("2026-03-03T10:00:00Z");
    await complete("2026-03-05T15:00:00Z");
    const prompts = await db.plannedNudge.findMany({
      where: { tenantId, recipientPersonId: lead.person.id, status: "planned" },
    });
    expect(prompts).toHaveLength(2);
    // Both on Monday 6 April, 09:00 in Amsterdam (07:00 UTC, summer time): one email.
    expect(new Set(prompts.map((p) => p.dueAt.toISOString()))).toEqual(
      new Set(["2026-04-06T07:00:00.000Z"]),
    );
  });
});
