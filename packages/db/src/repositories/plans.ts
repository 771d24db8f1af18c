import type { PlanProposal } from "@beklijf/rules";

import type { DbClient, PrismaClient } from "../client";

export interface NewNudge {
  readonly id: string;
  readonly jobId: string;
  readonly dueAt: Date;
}

/**
 * Writes a plan and its planned nudges (rows first; jobs come after commit; nothing when the trigger
 * is voided or gone). A plan whose entry
 * key exists already is left alone: re-entry and replays plan nothing twice. Returns the nudges
 * created now.
 */
export async function createPlan(
  db: PrismaClient,
  input: {
    tenantId: string;
    personId: string;
    triggerStatementId: string;
    proposal: PlanProposal;
    startedAt: Date;
    jobIdFor: (naturalKey: string) => string;
  },
): Promise<NewNudge[]> {
  return db.$transaction(async (tx) => {
    // Lock the trigger row: a voiding statement updates it in its own transaction, so either the
    // void sees this plan and cancels it, or this sees the void and plans nothing.
    const trigger = await tx.$queryRaw<{ voided: boolean }[]>`
      SELECT voided FROM statements WHERE tenant_id = ${input.tenantId}::uuid AND id = ${input.triggerStatementId}::uuid FOR UPDATE`;
    if (trigger[0]?.voided !== false) return [];
    const inserted = await tx.plan.createManyAndReturn({
      data: [
        {
          tenantId: input.tenantId,
          entryKey: input.proposal.entryKey,
          ruleVersionId: input.proposal.ruleVersionId,
          personId: input.personId,
          triggerStatementId: input.triggerStatementId,
          startedAt: input.startedAt,
        },
      ],
      skipDuplicates: true,
      select: { id: true },
    });
    const plan = inserted[0];
    if (plan === undefined) return [];
    return tx.plannedNudge.createManyAndReturn({
      data: input.proposal.steps.map((step) => ({
        tenantId: input.tenantId,
        planId: plan.id,
        jobId: input.jobIdFor(step.naturalKey),
        stepKey: step.stepKey,
        recipientKind: step.recipient,
        // Every recipient is the learner until the full rule language (issue #4) adds managers and team leads.
        recipientPersonId: input.personId,
        template: step.template,
        dueAt: step.dueAt,
      })),
      skipDuplicates: true,
      select: { id: true, jobId: true, dueAt: true },
    });
  });
}

/** Planned nudges due before `dueBefore`, for the reconciler to (re-)enqueue. */
export async function listPlannedNudges(
  db: DbClient,
  options: { dueBefore: Date; limit: number; afterId?: string },
): Promise<NewNudge[]> {
  return db.plannedNudge.findMany({
    where: {
      status: "planned",
      dueAt: { lt: options.dueBefore },
      ...(options.afterId === undefined ? {} : { id: { gt: options.afterId } }),
    },
    orderBy: { id: "asc" },
    take: options.limit,
    select: { id: true, jobId: true, dueAt: true },
  });
}
