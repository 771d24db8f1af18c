import type { PlanHistory, PlanProposal } from "@beklijf/rules";

import type { DbClient, PrismaClient } from "../client";

export interface DroppedStep {
  readonly stepKey: string;
  readonly template: string;
  readonly recipientKind: string;
  readonly reason: string;
}

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
    /** Why a step's dueAt differs from what it asked (the planner's decisions), by step key. */
    reasons?: ReadonlyMap<string, string>;
    /**
     * Steps the planner left out (no manager known, ...): kept as skipped rows with their reason,
     * so the person's timeline shows them. They never get a job.
     */
    dropped?: readonly DroppedStep[];
  },
): Promise<NewNudge[]> {
  return db.$transaction(async (tx) => {
    // Lock the trigger row: a voiding statement updates it in its own transaction, so either the
    // void sees this plan and cancels it, or this sees the void and plans nothing.
    const trigger = await tx.$queryRaw<{ voided: boolean }[]>`
      SELECT voided FROM statements WHERE tenant_id = ${input.tenantId}::uuid AND id = ${input.triggerStatementId}::uuid FOR UPDATE`;
    if (trigger[0]?.voided !== false) return [];
    const { proposal } = input;
    const inserted = await tx.plan.createManyAndReturn({
      data: [
        {
          tenantId: input.tenantId,
          entryKey: proposal.entryKey,
          ruleVersionId: proposal.ruleVersionId,
          personId: input.personId,
          triggerStatementId: input.triggerStatementId,
          startedAt: input.startedAt,
          // A held-back learner's plan is recorded (to compare later) but sends nothing.
          ...(proposal.heldBack
            ? {
                status: "held-back",
                cancelReason:
                  proposal.decisions[0]?.message ?? "held back: control group",
                endedAt: input.startedAt,
              }
            : {}),
        },
      ],
      skipDuplicates: true,
      select: { id: true },
    });
    const plan = inserted[0];
    if (plan === undefined) return [];
    const created = await tx.plannedNudge.createManyAndReturn({
      data: proposal.steps.map((step) => ({
        tenantId: input.tenantId,
        planId: plan.id,
        jobId: input.jobIdFor(step.naturalKey),
        stepKey: step.stepKey,
        recipientKind: step.recipient,
        recipientPersonId: step.recipientPersonId ?? null,
        recipientAddress: step.recipientAddress ?? null,
        template: step.template,
        dueAt: step.dueAt,
        reason: input.reasons?.get(step.stepKey) ?? null,
      })),
      skipDuplicates: true,
      select: { id: true, jobId: true, dueAt: true },
    });
    if (input.dropped !== undefined && input.dropped.length > 0)
      await tx.plannedNudge.createMany({
        data: input.dropped.map((step) => ({
          tenantId: input.tenantId,
          planId: plan.id,
          jobId: input.jobIdFor(`${proposal.entryKey}|${step.stepKey}`),
          stepKey: step.stepKey,
          recipientKind: step.recipientKind,
          template: step.template,
          dueAt: input.startedAt,
          status: "skipped",
          reason: step.reason,
          firedAt: input.startedAt,
        })),
        skipDuplicates: true,
      });
    return created;
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

/** How far back sent emails count for the caps: the weekly cap looks at 7 local days. */
const CAP_LOOKBACK_MS = 8 * 24 * 3600 * 1000;

/**
 * What the planner needs to know about a learner: their plans (re-entry), the emails planned for
 * or recently sent to them and their contacts (caps and merging), and their answers (step
 * conditions). A merged nudge rode in another email, so only nudges with their own email count.
 */
export async function loadPlanHistory(
  db: DbClient,
  input: {
    tenantId: string;
    personId: string;
    /** The learner, their manager and team lead: whose calendars the new plan may fill. */
    recipientIds: readonly string[];
    now: Date;
  },
): Promise<PlanHistory> {
  const since = new Date(input.now.getTime() - CAP_LOOKBACK_MS);
  // One round trip for all three parts (this runs for every statement that starts a plan).
  const rows = await db.$queryRaw<
    {
      plans: {
        ruleId: string;
        entryKey: string;
        objectId: string;
        registration: string | null;
        triggeredAt: string;
      }[];
      nudges: {
        recipientId: string | null;
        entryKey: string;
        status: string;
        dueAt: string;
        firedAt: string | null;
      }[];
      answers: { kind: string; objectId: string; answeredAt: string }[];
    }[]
  >`
    SELECT
      (SELECT coalesce(json_agg(json_build_object(
                'ruleId', rv.rule_id, 'entryKey', p.entry_key, 'objectId', s.object_id,
                'registration', s.registration, 'triggeredAt', s.timestamp)), '[]'::json)
         FROM plans p
         JOIN rule_versions rv ON rv.id = p.rule_version_id
         JOIN statements s ON s.tenant_id = p.tenant_id AND s.id = p.trigger_statement_id
        WHERE p.tenant_id = ${input.tenantId}::uuid AND p.person_id = ${input.personId}::uuid
      ) AS plans,
      (SELECT coalesce(json_agg(json_build_object(
                'recipientId', n.recipient_person_id, 'entryKey', p.entry_key, 'status', n.status,
                'dueAt', n.due_at, 'firedAt', n.fired_at)), '[]'::json)
         FROM planned_nudges n
         JOIN plans p ON p.id = n.plan_id
        WHERE n.tenant_id = ${input.tenantId}::uuid
          AND n.recipient_person_id = ANY(${[...input.recipientIds]}::uuid[])
          AND (n.status = 'planned'
               OR (n.status = 'handed-off' AND n.merged_into_delivery_id IS NULL
                   AND n.fired_at >= ${since}))
      ) AS nudges,
      (SELECT coalesce(json_agg(json_build_object(
                'kind', a.kind, 'objectId', s.object_id, 'answeredAt', a.created_at)), '[]'::json)
         FROM answers a
         JOIN planned_nudges n ON n.id = a.planned_nudge_id
         JOIN plans p ON p.id = n.plan_id
         JOIN statements s ON s.tenant_id = p.tenant_id AND s.id = p.trigger_statement_id
        WHERE a.tenant_id = ${input.tenantId}::uuid AND a.person_id = ${input.personId}::uuid
      ) AS answers`;
  const row = rows[0];
  return {
    plans: (row?.plans ?? []).map((plan) => ({
      ruleId: plan.ruleId,
      entryKey: plan.entryKey,
      objectId: plan.objectId,
      registration: plan.registration ?? undefined,
      triggeredAt: new Date(plan.triggeredAt),
    })),
    nudges: (row?.nudges ?? []).map((nudge) => ({
      recipientId: nudge.recipientId ?? "",
      entryKey: nudge.entryKey,
      status: nudge.status === "planned" ? "planned" : "sent",
      dueAt: new Date(
        nudge.status === "planned"
          ? nudge.dueAt
          : (nudge.firedAt ?? nudge.dueAt),
      ),
    })),
    answers: (row?.answers ?? []).map((answer) => ({
      kind: answer.kind,
      objectId: answer.objectId,
      answeredAt: new Date(answer.answeredAt),
    })),
  };
}

/** The learner's active plans, with the rule version each started with and its trigger. */
export async function listActivePlans(
  db: DbClient,
  tenantId: string,
  personId: string,
) {
  return db.plan.findMany({
    where: { tenantId, personId, status: "active" },
    include: { ruleVersion: true, trigger: true },
  });
}

/**
 * Cancels an active plan and its nudges that have not fired, with a reason L&D reads. Returns
 * the job ids of the cancelled nudges, so the caller can remove their pending jobs.
 */
export async function cancelPlan(
  db: PrismaClient,
  input: { planId: string; reason: string; at: Date },
): Promise<string[]> {
  return db.$transaction(async (tx) => {
    const plan = await tx.plan.updateMany({
      where: { id: input.planId, status: "active" },
      data: {
        status: "cancelled",
        cancelReason: input.reason,
        endedAt: input.at,
      },
    });
    if (plan.count === 0) return [];
    const nudges = await tx.plannedNudge.findMany({
      where: { planId: input.planId, status: "planned" },
      select: { jobId: true },
    });
    await tx.plannedNudge.updateMany({
      where: { planId: input.planId, status: "planned" },
      data: { status: "cancelled", reason: input.reason, firedAt: input.at },
    });
    return nudges.map((nudge) => nudge.jobId);
  });
}

/** Job ids of the cancelled nudges of plans that a statement triggered (after it was voided). */
export async function listCancelledJobIdsOfTrigger(
  db: DbClient,
  tenantId: string,
  triggerStatementId: string,
): Promise<string[]> {
  const nudges = await db.plannedNudge.findMany({
    where: {
      tenantId,
      status: "cancelled",
      plan: { triggerStatementId },
    },
    select: { jobId: true },
  });
  return nudges.map((nudge) => nudge.jobId);
}
