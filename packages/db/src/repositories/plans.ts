import { uuidV5 } from "@beklijf/core";
import type { PlanHistory, PlanProposal } from "@beklijf/rules";

import type { DbClient, PrismaClient } from "../client";

export interface DroppedStep {
  readonly stepKey: string;
  readonly template: string;
  readonly recipientKind: string;
  readonly reason: string;
}

/**
 * A plan's stored skipped steps (the skipped_steps column) as DroppedSteps: entries that are not
 * such an object (none are written) are left out rather than failing a timeline.
 */
export function skippedStepsOf(stored: unknown): DroppedStep[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((entry: unknown) => {
    if (typeof entry !== "object" || entry === null) return [];
    const { stepKey, template, recipientKind, reason } = entry as Record<
      string,
      unknown
    >;
    return typeof stepKey === "string" &&
      typeof template === "string" &&
      typeof recipientKind === "string" &&
      typeof reason === "string"
      ? [{ stepKey, template, recipientKind, reason }]
      : [];
  });
}

/** A stable id for a skipped step kept on its plan (a timeline entry's id; no nudge has it). */
export function skippedStepId(planId: string, stepKey: string): string {
  return uuidV5(`skipped|${planId}|${stepKey}`);
}

export interface NewNudge {
  readonly id: string;
  readonly jobId: string;
  readonly dueAt: Date;
}

/** One plan to write: what createPlan takes, without the client. */
export interface PlanToCreate {
  readonly tenantId: string;
  readonly personId: string;
  readonly triggerStatementId: string;
  readonly proposal: PlanProposal;
  readonly startedAt: Date;
  readonly jobIdFor: (naturalKey: string) => string;
  /** Why a step's dueAt differs from what it asked (the planner's decisions), by step key. */
  readonly reasons?: ReadonlyMap<string, string>;
  /**
   * Steps the planner left out (no manager known, ...): kept on the plan with their reason, so
   * the person's timeline shows them as skipped. They are no nudge rows and never get a job.
   */
  readonly dropped?: readonly DroppedStep[];
}

/**
 * Writes a plan and its planned nudges (rows first; jobs come after commit; nothing when the
 * trigger is voided or gone). A plan whose entry key exists already is left alone: re-entry and
 * replays plan nothing twice. Returns the nudges created now.
 */
export async function createPlan(
  db: DbClient,
  input: PlanToCreate,
): Promise<NewNudge[]> {
  return createPlans(db, input.tenantId, [input]);
}

/**
 * Plans of one tenant (at most one per entry key) with their nudges, in ONE SQL statement, so
 * one round trip and atomic on its own. It locks the trigger statements first: a voiding
 * statement updates its target in its own transaction, so either the void sees the plan and
 * cancels it, or the plan sees the void and is not written. Returns the nudges created now.
 */
export async function createPlans(
  db: DbClient,
  tenantId: string,
  plans: readonly PlanToCreate[],
): Promise<NewNudge[]> {
  if (plans.length === 0) return [];
  const planRows: object[] = [];
  // Nudges as arrays [plan n, job id, step key, recipient kind, recipient person, recipient
  // address, template, dueAt (epoch ms), reason], in insert order: no key repeated per row, as
  // the JSON is the bulk of what the engine builds and Postgres parses per round of plans; a
  // number is cheaper to write than a Date's ISO text.
  const nudgeRows: unknown[][] = [];
  for (const [n, plan] of plans.entries()) {
    const { proposal, startedAt } = plan;
    planRows.push({
      n,
      entry_key: proposal.entryKey,
      rule_version_id: proposal.ruleVersionId,
      person_id: plan.personId,
      trigger_statement_id: plan.triggerStatementId,
      started_at: startedAt,
      skipped_steps:
        plan.dropped === undefined || plan.dropped.length === 0
          ? null
          : plan.dropped,
      // A held-back learner's plan is recorded (to compare later) but sends nothing.
      ...(proposal.heldBack
        ? {
            status: "held-back",
            cancel_reason:
              proposal.decisions[0]?.message ?? "held back: control group",
            ended_at: startedAt,
          }
        : { status: "active" }),
    });
    for (const step of proposal.steps)
      nudgeRows.push([
        n,
        plan.jobIdFor(step.naturalKey),
        step.stepKey,
        step.recipient,
        step.recipientPersonId ?? null,
        step.recipientAddress ?? null,
        step.template,
        step.dueAt.getTime(),
        plan.reasons?.get(step.stepKey) ?? null,
      ]);
  }
  const [result] = await db.$queryRaw<{ created: string }[]>`
    WITH plan_input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(planRows)}::jsonb) AS r(
        n int, entry_key text, rule_version_id uuid, person_id uuid, trigger_statement_id uuid,
        started_at timestamptz, skipped_steps jsonb, status text, cancel_reason text,
        ended_at timestamptz)
    ),
    nudge_input AS (
      SELECT (e->>0)::int AS plan_n, x.m, e->>1 AS job_id, e->>2 AS step_key,
             e->>3 AS recipient_kind, (e->>4)::uuid AS recipient_person_id,
             e->>5 AS recipient_address, e->>6 AS template,
             to_timestamp((e->>7)::bigint / 1000.0) AS due_at, e->>8 AS reason
        FROM jsonb_array_elements(${JSON.stringify(nudgeRows)}::jsonb) WITH ORDINALITY AS x(e, m)
    ),
    triggers AS (
      SELECT s.id FROM statements s
       WHERE s.tenant_id = ${tenantId}::uuid
         AND s.id IN (SELECT trigger_statement_id FROM plan_input)
         AND NOT s.voided
       ORDER BY s.id
         FOR UPDATE
    ),
    new_plans AS (
      INSERT INTO plans (id, tenant_id, entry_key, rule_version_id, person_id,
                         trigger_statement_id, status, cancel_reason, started_at, ended_at,
                         skipped_steps)
      SELECT gen_random_uuid(), ${tenantId}::uuid, i.entry_key, i.rule_version_id, i.person_id,
             i.trigger_statement_id, i.status, i.cancel_reason, i.started_at, i.ended_at,
             i.skipped_steps
        FROM plan_input i
       WHERE i.trigger_statement_id IN (SELECT id FROM triggers)
       ORDER BY i.n
      ON CONFLICT (entry_key) DO NOTHING
      RETURNING id, entry_key
    ),
    new_nudges AS (
      INSERT INTO planned_nudges (id, tenant_id, plan_id, job_id, step_key, recipient_kind,
                                  recipient_person_id, recipient_address, template, due_at,
                                  status, reason)
      SELECT gen_random_uuid(), ${tenantId}::uuid, p.id, ni.job_id, ni.step_key,
             ni.recipient_kind, ni.recipient_person_id, ni.recipient_address, ni.template,
             ni.due_at, 'planned', ni.reason
        FROM nudge_input ni
        JOIN plan_input pi ON pi.n = ni.plan_n
        JOIN new_plans p ON p.entry_key = pi.entry_key
       ORDER BY ni.m
      -- A new plan's job ids come from its unique entry key and its steps' keys, but a plan
      -- migration's (entry key|step|vN) could in theory spell one; such a row is left alone.
      ON CONFLICT (job_id) DO NOTHING
      RETURNING id, job_id, due_at
    )
    -- One JSON text instead of a row per nudge: decoding thousands of result rows cost the
    -- engine more than the insert. dueAt as epoch milliseconds (exact: the column keeps ms).
    SELECT coalesce(json_agg(json_build_array(
             id, job_id, (extract(epoch FROM due_at) * 1000)::bigint)), '[]')::text AS created
      FROM new_nudges`;
  return parseCreated(result?.created ?? "[]");
}

/** `[[id, jobId, dueAt in epoch ms], ...]` as NewNudges. */
function parseCreated(json: string): NewNudge[] {
  const rows: unknown = JSON.parse(json);
  if (!Array.isArray(rows))
    throw new Error("createPlans: expected a JSON array");
  return rows.map((row: unknown) => {
    if (
      !Array.isArray(row) ||
      typeof row[0] !== "string" ||
      typeof row[1] !== "string" ||
      typeof row[2] !== "number"
    )
      throw new Error("createPlans: expected [id, jobId, dueAt] rows");
    return { id: row[0], jobId: row[1], dueAt: new Date(row[2]) };
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

interface HistoryRow {
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
}

/** A learner as the planner sees them: their zone and their active manager and team lead. */
export interface PlanLearner {
  readonly personId: string;
  readonly timeZone: string;
  readonly manager?: { id: string; timeZone: string } | undefined;
  readonly teamLead?: { id: string; timeZone: string } | undefined;
  readonly history: PlanHistory;
}

/**
 * What the planner needs to know about learners, in one round trip for all of them: their
 * active manager and team lead, their plans (re-entry), the emails planned for or recently sent
 * to them and their contacts (caps and merging), and their answers (step conditions). A merged
 * nudge rode in another email, so only nudges with their own email count. Learners that are
 * gone are missing from the map.
 */
export async function loadPlanLearners(
  db: DbClient,
  input: { tenantId: string; personIds: readonly string[]; now: Date },
): Promise<Map<string, PlanLearner>> {
  if (input.personIds.length === 0) return new Map();
  const since = new Date(input.now.getTime() - CAP_LOOKBACK_MS);
  const rows = await db.$queryRaw<
    (HistoryRow & {
      personId: string;
      timeZone: string;
      managerId: string | null;
      managerZone: string | null;
      teamLeadId: string | null;
      teamLeadZone: string | null;
    })[]
  >`
    WITH l AS (
      SELECT p.id AS person_id, p.time_zone, m.id AS manager_id, m.time_zone AS manager_zone,
             t.id AS team_lead_id, t.time_zone AS team_lead_zone
        FROM people p
        LEFT JOIN people m ON m.id = p.manager_id AND m.active
        LEFT JOIN people t ON t.id = p.team_lead_id AND t.active
       WHERE p.tenant_id = ${input.tenantId}::uuid AND p.id = ANY(${[...input.personIds]}::uuid[])
    )
    SELECT l.person_id::text AS "personId", l.time_zone AS "timeZone",
      l.manager_id::text AS "managerId", l.manager_zone AS "managerZone",
      l.team_lead_id::text AS "teamLeadId", l.team_lead_zone AS "teamLeadZone",
      (SELECT coalesce(json_agg(json_build_object(
                'ruleId', rv.rule_id, 'entryKey', p.entry_key, 'objectId', s.object_id,
                'registration', s.registration, 'triggeredAt', s.timestamp)), '[]'::json)
         FROM plans p
         JOIN rule_versions rv ON rv.id = p.rule_version_id
         JOIN statements s ON s.tenant_id = p.tenant_id AND s.id = p.trigger_statement_id
        WHERE p.tenant_id = ${input.tenantId}::uuid AND p.person_id = l.person_id
      ) AS plans,
      (SELECT coalesce(json_agg(json_build_object(
                'recipientId', n.recipient_person_id, 'entryKey', p.entry_key, 'status', n.status,
                'dueAt', n.due_at, 'firedAt', n.fired_at)), '[]'::json)
         FROM planned_nudges n
         JOIN plans p ON p.id = n.plan_id
        WHERE n.tenant_id = ${input.tenantId}::uuid
          AND n.recipient_person_id IN (l.person_id, l.manager_id, l.team_lead_id)
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
        WHERE a.tenant_id = ${input.tenantId}::uuid AND a.person_id = l.person_id
      ) AS answers
    FROM l`;
  return new Map(
    rows.map((row) => [
      row.personId,
      {
        personId: row.personId,
        timeZone: row.timeZone,
        manager:
          row.managerId === null
            ? undefined
            : { id: row.managerId, timeZone: row.managerZone ?? "" },
        teamLead:
          row.teamLeadId === null
            ? undefined
            : { id: row.teamLeadId, timeZone: row.teamLeadZone ?? "" },
        history: toPlanHistory(row),
      },
    ]),
  );
}

function toPlanHistory(row: HistoryRow): PlanHistory {
  return {
    plans: row.plans.map((plan) => ({
      ruleId: plan.ruleId,
      entryKey: plan.entryKey,
      objectId: plan.objectId,
      registration: plan.registration ?? undefined,
      triggeredAt: new Date(plan.triggeredAt),
    })),
    nudges: row.nudges.map((nudge) => ({
      recipientId: nudge.recipientId ?? "",
      entryKey: nudge.entryKey,
      status: nudge.status === "planned" ? "planned" : "sent",
      dueAt: new Date(
        nudge.status === "planned"
          ? nudge.dueAt
          : (nudge.firedAt ?? nudge.dueAt),
      ),
    })),
    answers: row.answers.map((answer) => ({
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
