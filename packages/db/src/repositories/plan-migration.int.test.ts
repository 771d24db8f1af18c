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
  anAfterCompletionRule,
  aTenantWithRules,
  storeStatement,
  TEST_RULE_SET,
  testDb,
} from "@beklijf/testing";

import type { PrismaClient } from "../client";
import { ensurePersonForMbox } from "./people";
import { migrateRulePlans } from "./plan-migration";
import { createPlans } from "./plans";
import { getTenantPolicy } from "./policy";
import { loadActiveRules, syncRuleSet } from "./rules";

const step = (key: string, offset: string) => ({
  key,
  offset,
  recipient: "learner" as const,
  template: key,
  why: `why ${key}`,
});

/** v1: commit (sent by the time we migrate), reflect, apply, check. */
const v1 = anAfterCompletionRule({
  key: "main",
  steps: [
    step("commit", "PT4H"),
    step("reflect", "P7D"),
    step("apply", "P10D"),
    step("check", "P14D"),
  ],
});
/** v2: apply removed, reflect retimed, retrieve added (still to come), early added (passed). */
const v2: Rule = {
  ...v1,
  steps: [
    step("commit", "PT4H"),
    step("early", "PT2H"),
    step("retrieve", "P3D"),
    step("reflect", "P6D"),
    { ...step("check", "P14D"), why: "a new reason, same timing" },
  ],
};
/** A second rule on the same trigger, edited too but not migrated. */
const other = anAfterCompletionRule({
  key: "other",
  steps: [step("nudge", "P5D")],
});

describe("migrateRulePlans", () => {
  // Wed 4 Feb 2026, 09:00 UTC; the completion was a day earlier.
  const clock = createManualClock(new Date("2026-02-04T09:00:00Z"));
  let db: PrismaClient;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  /** A plan of v1 (and one of `other`); `dropStep`: that step was left out when it started. */
  async function aRunningPlan(dropStep?: string) {
    const tenantId = await aTenantWithRules(db, "migrate", [v1, other]);
    const learner = aLearner();
    const stored = await storeStatement({
      db,
      tenantId,
      statement: aCompletedStatement({
        learner,
        timestamp: new Date(
          clock.now().getTime() - 24 * 3600_000,
        ).toISOString(),
      }),
      clock,
    });
    const person = await ensurePersonForMbox(db, {
      tenantId,
      email: learner.email,
      name: learner.name,
      locale: "nl",
      timeZone: "Europe/Amsterdam",
    });
    const policy = await getTenantPolicy(db, tenantId);
    const { proposals } = planStatement({
      facts: triggerFactsFromStored({ ...stored, raw: stored.statement }),
      learnerId: person.id,
      rules: await loadActiveRules(db, tenantId),
      policy: policy ?? undefined,
    });
    expect(proposals).toHaveLength(2);
    await createPlans(
      db,
      tenantId,
      proposals.map((proposal) => ({
        tenantId,
        personId: person.id,
        triggerStatementId: stored.id,
        proposal: {
          ...proposal,
          steps: proposal.steps.filter((s) => s.stepKey !== dropStep),
        },
        startedAt: clock.now(),
        jobIdFor: nudgeJobId,
        dropped: proposal.steps
          .filter((s) => s.stepKey === dropStep)
          .map((s) => ({
            stepKey: s.stepKey,
            template: s.template,
            recipientKind: s.recipient,
            reason: "dropped: no manager known",
          })),
      })),
    );
    // The first step went out already.
    await db.plannedNudge.updateMany({
      where: { tenantId, stepKey: "commit" },
      data: {
        status: "handed-off",
        firedAt: new Date(clock.now().getTime() - 20 * 3600_000),
      },
    });
    await syncRuleSet(db, {
      tenantId,
      ...TEST_RULE_SET,
      rules: [v2, { ...other, steps: [step("nudge", "P4D")] }],
    });
    return { tenantId, personId: person.id };
  }

  const snapshot = async (tenantId: string) =>
    (
      await db.plannedNudge.findMany({
        where: { tenantId },
        include: {
          plan: { include: { ruleVersion: { include: { rule: true } } } },
        },
        orderBy: [{ stepKey: "asc" }, { createdAt: "asc" }],
      })
    ).map((n) => ({
      rule: n.plan.ruleVersion.rule.key,
      version: n.plan.ruleVersion.version,
      stepKey: n.stepKey,
      status: n.status,
      dueAt: n.dueAt.toISOString(),
      firedAt: n.firedAt?.toISOString() ?? null,
      reason: n.reason,
      jobId: n.jobId,
    }));

  const migrate = (
    tenantId: string,
    dryRun: boolean,
    fromVersions?: number[],
  ) =>
    migrateRulePlans(db, {
      tenantId,
      ruleKey: "main",
      dryRun,
      fromVersions,
      now: clock.now(),
      jobIdFor: nudgeJobId,
    });

  it("reports in a dry run, applies once, and changes nothing the second time", async () => {
    const { tenantId } = await aRunningPlan();
    const before = await snapshot(tenantId);

    const dry = await migrate(tenantId, true);
    expect(await snapshot(tenantId)).toEqual(before);
    const expectedSteps = [
      {
        stepKey: "apply",
        counts: { kept: 0, cancelled: 1, moved: 0, added: 0, skipped: 0 },
      },
      {
        stepKey: "check",
        counts: { kept: 1, cancelled: 0, moved: 0, added: 0, skipped: 0 },
      },
      {
        stepKey: "early",
        counts: { kept: 0, cancelled: 0, moved: 0, added: 0, skipped: 1 },
      },
      {
        stepKey: "reflect",
        counts: { kept: 0, cancelled: 0, moved: 1, added: 0, skipped: 0 },
      },
      {
        stepKey: "retrieve",
        counts: { kept: 0, cancelled: 0, moved: 0, added: 1, skipped: 0 },
      },
    ];
    expect(dry.report).toEqual({
      rule: "main",
      toVersion: 2,
      dryRun: true,
      plans: 1,
      migrated: 0,
      fromVersions: [{ version: 1, plans: 1 }],
      steps: expectedSteps,
      unreadable: 0,
    });
    expect(dry.created).toEqual([]);

    const applied = await migrate(tenantId, false);
    expect(applied.report).toEqual({
      ...dry.report,
      dryRun: false,
      migrated: 1,
    });
    const after = await snapshot(tenantId);
    const main = after.filter((n) => n.rule === "main");
    const byStep = (key: string) => main.filter((n) => n.stepKey === key);
    // The sent step is history, untouched.
    expect(byStep("commit")).toEqual(
      before
        .filter((n) => n.stepKey === "commit" && n.rule === "main")
        .map((n) => ({ ...n, version: 2 })),
    );
    expect(byStep("apply")).toMatchObject([
      {
        status: "cancelled",
        reason: expect.stringContaining('has no step "apply"') as unknown,
      },
    ]);
    expect(byStep("check")).toEqual(
      before
        .filter((n) => n.stepKey === "check")
        .map((n) => ({ ...n, version: 2 })),
    );
    const reflect = byStep("reflect");
    expect(reflect.map((n) => n.status)).toEqual(["cancelled", "planned"]);
    // Six days after Tue 3 Feb 10:00 local is Mon 9 Feb, which has an email already (one a day).
    expect(reflect[1]).toMatchObject({
      dueAt: "2026-02-10T07:00:00.000Z",
      reason: expect.stringMatching(
        /^planned by version 2 of main; moved/,
      ) as unknown,
    });
    // Fri 6 Feb would make three emails in 7 days with the commit (Tue 3) and the other rule's
    // Monday email: it joins that Monday email instead.
    expect(byStep("retrieve")).toMatchObject([
      {
        status: "planned",
        dueAt: "2026-02-09T07:00:00.000Z",
        reason: expect.stringContaining(
          "merged into the email already planned",
        ) as unknown,
      },
    ]);
    expect(byStep("early")).toMatchObject([
      {
        status: "skipped",
        reason: expect.stringContaining("after its time had passed") as unknown,
      },
    ]);
    expect(new Set(main.map((n) => n.version))).toEqual(new Set([2]));
    // The cancelled pending jobs and the new nudges are handed back to the caller.
    expect(applied.cancelledJobIds.sort()).toEqual(
      [...byStep("apply"), reflect[0]].map((n) => n?.jobId).sort(),
    );
    expect(applied.created.map((n) => n.jobId).sort()).toEqual(
      [reflect[1], ...byStep("retrieve")].map((n) => n?.jobId).sort(),
    );
    // The other rule's plan keeps its version and its nudges.
    expect(after.filter((n) => n.rule === "other")).toEqual(
      before.filter((n) => n.rule === "other"),
    );

    const again = await migrate(tenantId, false);
    expect(again.report).toMatchObject({ plans: 0, migrated: 0, steps: [] });
    expect(again.created).toEqual([]);
    expect(await snapshot(tenantId)).toEqual(after);
  });

  it("never plans a step that was skipped when the plan started (kept on the plan)", async () => {
    // v2 retimes reflect: without its skipped entry the migration would plan it as new.
    const { tenantId } = await aRunningPlan("reflect");
    const plan = await db.plan.findFirstOrThrow({
      where: { tenantId, ruleVersion: { rule: { key: "main" } } },
    });
    expect(plan.skippedSteps).toEqual([
      {
        stepKey: "reflect",
        template: "reflect",
        recipientKind: "learner",
        reason: "dropped: no manager known",
      },
    ]);
    const applied = await migrate(tenantId, false);
    expect(
      applied.report.steps.find((s) => s.stepKey === "reflect"),
    ).toBeUndefined();
    expect(
      await db.plannedNudge.count({ where: { tenantId, stepKey: "reflect" } }),
    ).toBe(0);
    // The other steps migrate as before.
    expect(applied.report.migrated).toBe(1);
  });

  it("takes only the versions asked for and names an unknown one", async () => {
    const { tenantId } = await aRunningPlan();
    expect((await migrate(tenantId, true, [2])).report.plans).toBe(0);
    expect((await migrate(tenantId, true, [1])).report.plans).toBe(1);
    await expect(migrate(tenantId, true, [7])).rejects.toThrow(
      "has no version 7",
    );
    await expect(
      migrateRulePlans(db, {
        tenantId,
        ruleKey: "nope",
        dryRun: true,
        now: clock.now(),
        jobIdFor: nudgeJobId,
      }),
    ).rejects.toThrow("No rule nope");
  });
});
