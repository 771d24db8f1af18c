import { ConflictError, NotFoundError } from "@beklijf/core";
import {
  type MigratingNudge,
  planMigration,
  type Policy,
  type Rule,
  type StepChange,
  type StepChangeKind,
  triggerFactsFromStored,
} from "@beklijf/rules";

import { type DbClient, Prisma, type PrismaClient } from "../client";
import type { NewNudge } from "./plans";
import { loadPlanLearners, skippedStepId, skippedStepsOf } from "./plans";
import { getTenantPolicy } from "./policy";
import { parseRuleVersion } from "./rules";

// L&D's choice to move running plans to the current version of their rule (DESIGN: plans keep the
// version they started with unless L&D chooses to migrate them). What changes per step is decided
// by planMigration (@beklijf/rules); this file loads, locks and writes, one transaction per batch.

export type StepCounts = Record<StepChangeKind, number>;

export interface PlanMigrationReport {
  readonly rule: string;
  readonly toVersion: number;
  readonly dryRun: boolean;
  /** Active plans on older versions (of `fromVersions`, when given) that were looked at. */
  readonly plans: number;
  /** Plans moved to `toVersion` (0 in a dry run). */
  readonly migrated: number;
  /** Plans per version they ran on before. */
  readonly fromVersions: { version: number; plans: number }[];
  /** What happens to each step, counted over all plans. */
  readonly steps: { stepKey: string; counts: StepCounts }[];
  /** Plans whose stored version no longer parses, or whose learner is gone: left alone. */
  readonly unreadable: number;
}

export interface PlanMigrationResult {
  readonly report: PlanMigrationReport;
  /** Job ids of the nudges cancelled now: the caller removes their pending jobs (best effort). */
  readonly cancelledJobIds: string[];
  /** Nudges planned now: the caller enqueues them, or the reconciler does on its next pass. */
  readonly created: NewNudge[];
}

export interface MigrateRulePlansInput {
  readonly tenantId: string;
  readonly ruleKey: string;
  readonly dryRun: boolean;
  /** Only plans on these versions; absent: every version older than the current one. */
  readonly fromVersions?: readonly number[] | undefined;
  readonly now: Date;
  readonly jobIdFor: (naturalKey: string) => string;
  /** Plans per transaction. */
  readonly batchSize?: number;
}

const BATCH_SIZE = 200;

/**
 * Moves the active plans of a rule that run on an older version to its current version: pending
 * nudges the new version changed are re-planned, removed steps cancelled, added steps planned
 * while their time is still to come (see planMigration for the policy). Nudges already sent stay
 * as history. One transaction per batch of plans, with the plans and their nudges locked, so a
 * nudge that fires meanwhile is either sent before (and stays history) or finds its row
 * cancelled. A dry run reports the same counts and writes nothing. Running it twice changes
 * nothing the second time: a migrated plan is on the current version.
 */
export async function migrateRulePlans(
  db: PrismaClient,
  input: MigrateRulePlansInput,
): Promise<PlanMigrationResult> {
  const target = await loadTarget(db, input.tenantId, input.ruleKey);
  const policy = await getTenantPolicy(db, input.tenantId);
  if (policy === null) throw new Error(`Tenant ${input.tenantId} is gone`);
  const fromVersions =
    input.fromVersions === undefined
      ? undefined
      : target.versions.filter((v) => input.fromVersions?.includes(v.version));
  if (input.fromVersions !== undefined) {
    const unknown = input.fromVersions.filter(
      (n) => !target.versions.some((v) => v.version === n),
    );
    if (unknown.length > 0)
      throw new NotFoundError(
        `Rule ${input.ruleKey} has no version ${unknown.join(", ")}; it has ${target.versions.map((v) => v.version).join(", ")}.`,
        "RULE_VERSION_NOT_FOUND",
      );
  }
  const versionIds = (fromVersions ?? target.versions)
    .filter((v) => v.version !== target.currentVersion)
    .map((v) => v.id);

  const tally = new Tally();
  const cancelledJobIds: string[] = [];
  const created: NewNudge[] = [];
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const batch = await db.$transaction(
      (tx) =>
        migrateBatch(tx, {
          ...input,
          target,
          policy,
          versionIds,
          after,
          limit: input.batchSize ?? BATCH_SIZE,
          tally,
        }),
      { timeout: 60_000 },
    );
    cancelledJobIds.push(...batch.cancelledJobIds);
    created.push(...batch.created);
    if (batch.lastId === undefined) break;
    after = batch.lastId;
  }
  return {
    report: tally.report(input.ruleKey, target.currentVersion, input.dryRun),
    cancelledJobIds,
    created,
  };
}

interface Target {
  readonly ruleId: string;
  readonly currentVersion: number;
  readonly current: { id: string; rule: Rule };
  readonly versions: { id: string; version: number }[];
}

async function loadTarget(
  db: DbClient,
  tenantId: string,
  ruleKey: string,
): Promise<Target> {
  const rows = await db.rule.findMany({
    where: { key: ruleKey, ruleSet: { tenantId } },
    include: {
      versions: { select: { id: true, version: true, definition: true } },
    },
  });
  const row = rows[0];
  if (row === undefined)
    throw new NotFoundError(
      `No rule ${ruleKey} in this tenant.`,
      "RULE_NOT_FOUND",
    );
  if (rows.length > 1)
    throw new ConflictError(
      `Rule key ${ruleKey} is used in ${rows.length} rule sets of this tenant; migrate in the console, per rule.`,
      "RULE_KEY_AMBIGUOUS",
    );
  const current = row.versions.find((v) => v.version === row.currentVersion);
  const rule =
    current === undefined
      ? undefined
      : parseRuleVersion(current.id, current.definition);
  if (current === undefined || rule === undefined)
    throw new Error(
      `Rule ${ruleKey}: current version ${row.currentVersion} is missing or unreadable`,
    );
  return {
    ruleId: row.id,
    currentVersion: row.currentVersion,
    current: { id: current.id, rule },
    versions: row.versions
      .map((v) => ({ id: v.id, version: v.version }))
      .sort((a, b) => a.version - b.version),
  };
}

interface PlanRow {
  id: string;
  entryKey: string;
  personId: string;
  startedAt: Date;
  skippedSteps: unknown;
  ruleVersionId: string;
  version: number;
  definition: unknown;
  statementId: string;
  verbId: string;
  objectId: string;
  activityType: string | null;
  registration: string | null;
  timestamp: Date;
  raw: unknown;
}

interface NudgeRow {
  id: string;
  planId: string;
  jobId: string;
  stepKey: string;
  status: string;
  dueAt: Date;
  firedAt: Date | null;
  recipientPersonId: string | null;
  recipientAddress: string | null;
  merged: boolean;
  template: string;
}

async function migrateBatch(
  tx: DbClient,
  input: MigrateRulePlansInput & {
    target: Target;
    policy: Policy;
    versionIds: string[];
    after: string;
    limit: number;
    tally: Tally;
  },
): Promise<{
  lastId: string | undefined;
  cancelledJobIds: string[];
  created: NewNudge[];
}> {
  const { target, tenantId, now } = input;
  const none = { lastId: undefined, cancelledJobIds: [], created: [] };
  if (input.versionIds.length === 0) return none;
  // FOR UPDATE only when writing: a dry run must not hold up the fire path.
  const plans = input.dryRun
    ? await tx.$queryRaw<PlanRow[]>`${selectPlans(input)}`
    : await tx.$queryRaw<PlanRow[]>`${selectPlans(input)} FOR UPDATE OF p`;
  if (plans.length === 0) return none;
  const planIds = plans.map((p) => p.id);
  const nudges = input.dryRun
    ? await tx.$queryRaw<NudgeRow[]>`${selectNudges(tenantId, planIds)}`
    : await tx.$queryRaw<
        NudgeRow[]
      >`${selectNudges(tenantId, planIds)} FOR UPDATE`;
  const learners = await loadPlanLearners(tx, {
    tenantId,
    personIds: [...new Set(plans.map((p) => p.personId))],
    now,
  });

  const cancels: { id: string; reason: string }[] = [];
  const inserts: object[] = [];
  const migrated: string[] = [];
  for (const plan of plans) {
    const from = parseRuleVersion(plan.ruleVersionId, plan.definition);
    const learner = learners.get(plan.personId);
    if (from === undefined || learner === undefined) {
      input.tally.unreadable += 1;
      continue;
    }
    const own = [
      ...nudges.filter((n) => n.planId === plan.id).map(toMigrating),
      // Steps left out when the plan started are kept on the plan (ADR 0014): history too.
      ...skippedStepsOf(plan.skippedSteps).map((step): MigratingNudge => ({
        id: skippedStepId(plan.id, step.stepKey),
        stepKey: step.stepKey,
        status: "skipped",
        dueAt: new Date(plan.startedAt),
        recipientId: undefined,
        template: step.template,
      })),
    ];
    const changes = planMigration({
      facts: triggerFactsFromStored({
        id: plan.statementId,
        verbId: plan.verbId,
        objectId: plan.objectId,
        activityType: plan.activityType,
        registration: plan.registration,
        timestamp: plan.timestamp,
        raw: plan.raw,
      }),
      learnerId: plan.personId,
      entryKey: plan.entryKey,
      from,
      to: {
        ruleId: target.ruleId,
        ruleVersionId: target.current.id,
        rule: target.current.rule,
      },
      toVersion: target.currentVersion,
      nudges: own,
      person: {
        timeZone: learner.timeZone,
        manager: learner.manager,
        teamLead: learner.teamLead,
      },
      otherNudges: (learner.history.nudges ?? []).filter(
        (n) => n.entryKey !== plan.entryKey,
      ),
      answers: learner.history.answers ?? [],
      policy: input.policy,
      now,
    });
    input.tally.add(plan.version, changes);
    migrated.push(plan.id);
    for (const change of changes) {
      if (change.kind === "cancelled")
        cancels.push({ id: change.nudgeId, reason: change.reason });
      if (change.kind === "moved")
        cancels.push({
          id: change.nudgeId,
          reason: `replaced: re-planned under version ${target.currentVersion}`,
        });
      if (change.kind === "moved" || change.kind === "added") {
        const { planned } = change;
        inserts.push({
          plan_id: plan.id,
          m: inserts.length,
          job_id: input.jobIdFor(change.naturalKey),
          step_key: change.stepKey,
          recipient_kind: planned.recipient,
          recipient_person_id: planned.recipientPersonId ?? null,
          recipient_address: planned.recipientAddress ?? null,
          template: planned.template,
          due_at: planned.dueAt,
          status: "planned",
          reason: change.reason,
          fired_at: null,
        });
      } else if (change.kind === "skipped") {
        inserts.push({
          plan_id: plan.id,
          m: inserts.length,
          job_id: input.jobIdFor(change.naturalKey),
          step_key: change.stepKey,
          recipient_kind: change.recipientKind,
          recipient_person_id: null,
          recipient_address: null,
          template: change.template,
          due_at: now,
          status: "skipped",
          reason: change.reason,
          fired_at: now,
        });
      }
    }
  }
  const lastId = plans[plans.length - 1]?.id;
  if (input.dryRun) return { lastId, cancelledJobIds: [], created: [] };
  input.tally.migrated += migrated.length;

  const cancelled =
    cancels.length === 0
      ? []
      : await tx.$queryRaw<{ jobId: string }[]>`
          UPDATE planned_nudges n
             SET status = 'cancelled', reason = c.reason, fired_at = ${now}
            FROM jsonb_to_recordset(${JSON.stringify(cancels)}::jsonb) AS c(id uuid, reason text)
           WHERE n.id = c.id AND n.tenant_id = ${tenantId}::uuid AND n.status = 'planned'
          RETURNING n.job_id AS "jobId"`;
  const created =
    inserts.length === 0
      ? []
      : await tx.$queryRaw<
          { id: string; jobId: string; dueAt: Date; status: string }[]
        >`
          INSERT INTO planned_nudges (id, tenant_id, plan_id, job_id, step_key, recipient_kind,
                                      recipient_person_id, recipient_address, template, due_at,
                                      status, reason, fired_at)
          SELECT gen_random_uuid(), ${tenantId}::uuid, i.plan_id, i.job_id, i.step_key,
                 i.recipient_kind, i.recipient_person_id, i.recipient_address, i.template,
                 i.due_at, i.status, i.reason, i.fired_at
            FROM jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb) AS i(
                 plan_id uuid, m int, job_id text, step_key text, recipient_kind text,
                 recipient_person_id uuid, recipient_address text, template text,
                 due_at timestamptz, status text, reason text, fired_at timestamptz)
           ORDER BY i.m
          ON CONFLICT (job_id) DO NOTHING
          RETURNING id::text AS "id", job_id AS "jobId", due_at AS "dueAt", status`;
  if (migrated.length > 0)
    await tx.$executeRaw`
      UPDATE plans SET rule_version_id = ${target.current.id}::uuid
       WHERE id = ANY(${migrated}::uuid[]) AND status = 'active'`;
  return {
    lastId,
    cancelledJobIds: cancelled.map((row) => row.jobId),
    created: created
      .filter((row) => row.status === "planned")
      .map((row) => ({
        id: row.id,
        jobId: row.jobId,
        dueAt: new Date(row.dueAt),
      })),
  };
}

function selectPlans(input: {
  tenantId: string;
  versionIds: string[];
  after: string;
  limit: number;
}) {
  return Prisma.sql`
    SELECT p.id::text AS "id", p.entry_key AS "entryKey", p.person_id::text AS "personId",
           p.started_at AS "startedAt", p.skipped_steps AS "skippedSteps",
           rv.id::text AS "ruleVersionId", rv.version, rv.definition,
           s.id::text AS "statementId", s.verb_id AS "verbId", s.object_id AS "objectId",
           s.activity_type AS "activityType", s.registration, s.timestamp, s.raw
      FROM plans p
      JOIN rule_versions rv ON rv.id = p.rule_version_id
      JOIN statements s ON s.tenant_id = p.tenant_id AND s.id = p.trigger_statement_id
     WHERE p.tenant_id = ${input.tenantId}::uuid AND p.status = 'active'
       AND p.rule_version_id = ANY(${input.versionIds}::uuid[])
       AND p.id > ${input.after}::uuid
     ORDER BY p.id
     LIMIT ${input.limit}`;
}

function selectNudges(tenantId: string, planIds: string[]) {
  return Prisma.sql`
    SELECT id::text AS "id", plan_id::text AS "planId", job_id AS "jobId", step_key AS "stepKey",
           status, due_at AS "dueAt", fired_at AS "firedAt",
           recipient_person_id::text AS "recipientPersonId",
           recipient_address AS "recipientAddress",
           merged_into_delivery_id IS NOT NULL AS "merged", template
      FROM planned_nudges
     WHERE tenant_id = ${tenantId}::uuid AND plan_id = ANY(${planIds}::uuid[])
     ORDER BY created_at, id`;
}

function toMigrating(row: NudgeRow): MigratingNudge {
  const recipient =
    row.recipientPersonId ??
    (row.recipientAddress === null
      ? undefined
      : `address:${row.recipientAddress}`);
  const sent = row.status === "handed-off";
  return {
    id: row.id,
    stepKey: row.stepKey,
    status: row.status,
    dueAt: new Date(sent ? (row.firedAt ?? row.dueAt) : row.dueAt),
    // A nudge that rode in another email is no email of its own for the caps.
    recipientId: row.status === "skipped" || row.merged ? undefined : recipient,
    template: row.template,
  };
}

const KINDS: readonly StepChangeKind[] = [
  "kept",
  "cancelled",
  "moved",
  "added",
  "skipped",
];

/** Counts over the batches, for the report. */
class Tally {
  unreadable = 0;
  migrated = 0;
  private plans = 0;
  private readonly perVersion = new Map<number, number>();
  private readonly perStep = new Map<string, StepCounts>();

  add(version: number, changes: readonly StepChange[]): void {
    this.plans += 1;
    this.perVersion.set(version, (this.perVersion.get(version) ?? 0) + 1);
    for (const change of changes) {
      let counts = this.perStep.get(change.stepKey);
      if (counts === undefined) {
        counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as StepCounts;
        this.perStep.set(change.stepKey, counts);
      }
      counts[change.kind] += 1;
    }
  }

  report(
    rule: string,
    toVersion: number,
    dryRun: boolean,
  ): PlanMigrationReport {
    return {
      rule,
      toVersion,
      dryRun,
      plans: this.plans,
      migrated: this.migrated,
      fromVersions: [...this.perVersion]
        .sort(([a], [b]) => a - b)
        .map(([version, plans]) => ({ version, plans })),
      steps: [...this.perStep]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([stepKey, counts]) => ({ stepKey, counts })),
      unreadable: this.unreadable,
    };
  }
}
