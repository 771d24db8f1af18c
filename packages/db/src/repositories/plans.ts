import type { PlanProposal } from "@beklijf/rules";

import type { DbClient, PrismaClient } from "../client";

export interface NewNudge {
  readonly id: string;
  readonly jobId: string;
  readonly dueAt: Date;
}

/**
 * Writes a plan and its planned nudges (rows first; jobs come after commit). A plan whose entry
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
